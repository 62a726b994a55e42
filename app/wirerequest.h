#pragma once

#include "app/apirequest.h"
#include "app/endpoint.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

namespace fhir::app {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

/// What an ApiRequest becomes on the wire, in one place, so that the request the client sends
/// and the cURL command the user copies are the same request.
///
///     const QUrl url = requestUrl(request, endpoint);
///     for (const auto &[name, value] : wireHeaders(request, endpoint)) ...

/// The absolute URL: the endpoint's base URL and the request's path (an absolute path is kept
/// as it is), then the query items, each name and value percent-encoded (RFC 3986), with the
/// characters FHIR search syntax gives a meaning (`,` between OR'd values, `:` of modifiers,
/// `/` of references) left as they are.
QUrl requestUrl(const ApiRequest &request, const Endpoint &endpoint);

/// The encoded query string (without `?`) of `query`.
QByteArray encodedQuery(const QList<QPair<QString, QString>> &query);

/// Decodes a query string into names and values; `+` stays a plus, as FHIR reads it.
QList<QPair<QString, QString>> decodedQuery(const QByteArray &query);

/// The headers sent: the request's own, then `Accept: application/fhir+json` and (with a body)
/// `Content-Type: application/fhir+json` unless the request set them, then the endpoint's
/// headers and `x-api-key` when the endpoint has a key.
HeaderList wireHeaders(const ApiRequest &request, const Endpoint &endpoint);

/// Whether a header carries a credential (x-api-key, Authorization, Cookie, Proxy-Authorization,
/// api-key, Ocp-Apim-Subscription-Key): never stored in settings, history or logs.
bool isSecretHeader(const QByteArray &name);

/// The value of a header (first match, case-insensitive), or an empty array.
QByteArray headerValue(const HeaderList &headers, const QByteArray &name);

inline constexpr char kFhirJson[] = "application/fhir+json";

} // namespace fhir::app
