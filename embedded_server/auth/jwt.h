#pragma once

#include "rsakey.h"

#include "schemas/result.h"

#include <QByteArray>
#include <QString>

#include <nlohmann/json.hpp>

namespace fhir::server::jwt {

/// A compact JWS (RFC 7515 §7.1) split into its parts: nothing is verified yet.
struct Decoded
{
    nlohmann::json header;
    nlohmann::json claims;
    QByteArray signingInput; ///< "header.payload", as signed
    QByteArray signature;
};

/// Signs `claims` with RS256 under `kid`: header.payload.signature in base64url.
///
///     auto token = jwt::sign({{"iss", issuer}, {"exp", now + 3600}}, key, kid);
Result<QByteArray> sign(const nlohmann::json &claims, const RsaKey &key, const QString &kid,
                        const char *type = "JWT");

/// The header and claims of a compact JWS. Both must be JSON objects; a token with more or
/// fewer than three parts (an encrypted JWE, say) or over 16 kB is an error.
Result<Decoded> decode(QByteArrayView token);

} // namespace fhir::server::jwt
