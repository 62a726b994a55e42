#pragma once

#include <QString>

namespace fhir::app {

/// One login attempt's secrets: a PKCE verifier with its S256 challenge (RFC 7636 §4.1-4.2)
/// and the `state` that ties the callback to this attempt, each from the system CSPRNG (256
/// bits, base64url), fresh for every attempt.
struct LoginSecrets
{
    QString verifier;
    QString challenge;
    QString state;

    static LoginSecrets generate();
    /// BASE64URL(SHA256(verifier)), RFC 7636 §4.2.
    static QString challengeOf(const QString &verifier);
};

} // namespace fhir::app
