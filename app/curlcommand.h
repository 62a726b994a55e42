#pragma once

#include "app/apirequest.h"
#include "app/endpoint.h"
#include "schemas/result.h"

#include <QString>

namespace fhir::app {

/// How a cURL command shows the secrets the endpoint adds (x-api-key, Authorization).
enum class SecretMode {
    Masked, ///< replaced by a placeholder: safe to paste in a ticket or a chat
    EnvironmentVariable, ///< `$FHIR_API_KEY` / `$FHIR_ACCESS_TOKEN`, expanded by the shell
    Full ///< the secret itself: the command runs as it is
};

/// The cURL command of a request: the same method, URL, headers and body the FhirClient sends
/// (see wirerequest.h), quoted for a POSIX shell, one option per line.
///
///     const QString text = toCurl(request, endpoint, SecretMode::EnvironmentVariable);
QString toCurl(const ApiRequest &request, const Endpoint &endpoint, SecretMode mode);

/// `text` quoted as one word for a POSIX shell (sh, bash, zsh): single quotes, with `'`
/// written as '\''. Words made only of safe characters stay bare.
QString shellQuoted(const QString &text);

/// Reads a pasted cURL command, or a plain URL (optionally after a method: "GET http://..."),
/// into a request. URLs under the endpoint's base URL become relative paths; others stay
/// absolute. Headers the endpoint adds itself (its own headers, x-api-key, Authorization) are
/// dropped, so the request carries no secret; so are Accept and Content-Type when they are the
/// FHIR JSON defaults the client adds anyway.
///
/// Understands quoting ('...', "...", backslash escapes, backslash-newline), -X/--request,
/// -H/--header, -d/--data/--data-raw/--data-binary/--data-ascii, --url, -G/--get, and ignores
/// options that only change curl's output (-i, -s, -S, -v, -L, --compressed...). Anything else
/// is an error that names the option.
Result<ApiRequest> parseCurl(const QString &text, const Endpoint &endpoint);

/// Splits a shell command line into words the way a POSIX shell would, without expanding
/// variables. An unterminated quote is an error.
Result<QStringList> shellWords(const QString &text);

} // namespace fhir::app
