#pragma once

#include "schemas/result.h"

#include <QByteArray>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace fhir::app {

/// What a token endpoint gave (RFC 6749 §5.1 with SMART's launch context), as the client
/// keeps it. Secrets: the access, refresh and ID tokens live only here and in the keychain.
struct TokenSet
{
    QByteArray accessToken;
    QByteArray refreshToken; ///< empty without offline_access or online_access
    QByteArray idToken; ///< with openid
    QString scope; ///< what was granted, which may be less than what was asked
    QString patient; ///< the patient in context
    qint64 expiresAtMs = 0; ///< 0: the server did not say

    bool isEmpty() const { return accessToken.isEmpty(); }
    /// Parses a token response; `nowMs` turns expires_in into a time. A response that is not a
    /// Bearer token response is an error saying what is wrong.
    static Result<TokenSet> parse(const QByteArray &json, qint64 nowMs);
    /// The error of an error response (RFC 6749 §5.2) in words: "invalid_grant: ...".
    static QString errorOf(const QByteArray &json);
};

} // namespace fhir::app

Q_DECLARE_METATYPE(fhir::app::TokenSet)
