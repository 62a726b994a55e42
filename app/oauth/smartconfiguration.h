#pragma once

#include "schemas/result.h"

#include <QStringList>
#include <QUrl>

namespace fhir::app {

/// What a FHIR server's `.well-known/smart-configuration` says (SMART App Launch 2.x,
/// conformance.html), the part a client needs; or typed by hand when a server publishes none.
struct SmartConfiguration
{
    QUrl authorizationEndpoint;
    QUrl tokenEndpoint;
    QUrl revocationEndpoint; ///< may be empty
    QUrl introspectionEndpoint; ///< may be empty
    QString issuer;
    QStringList capabilities;
    QStringList scopesSupported;
    QStringList codeChallengeMethods;

    bool isUsable() const { return authorizationEndpoint.isValid() && tokenEndpoint.isValid(); }

    /// Reads the document; an error names what is missing. A server that does not offer S256
    /// (only `plain`, or nothing said) is refused: this client always sends S256.
    static Result<SmartConfiguration> parse(const QByteArray &json);
    /// [base]/.well-known/smart-configuration
    static QUrl discoveryUrl(const QUrl &baseUrl);
};

} // namespace fhir::app
