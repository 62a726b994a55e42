#pragma once

#include "principal.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>

namespace fhir::server {

class SigningKeys;
class Store;
class RsaKey;

/// What a bearer token turned out to be: a principal, or why not.
struct TokenVerdict
{
    std::optional<Principal> principal;
    QString problem; ///< why the token is refused, for error_description; never the token
    bool serverFault = false; ///< the check itself failed (storage): a 500, not a 401
    nlohmann::json claims; ///< the verified claims, for introspection

    static TokenVerdict refused(const QString &why) { return {std::nullopt, why, false, {}}; }
};

/// What every JWT access token must show, whoever issued it (RFC 8725, RFC 9068): RS256 and
/// nothing else (`none`, HS256 keyed with a public key and other algorithms are refused), a
/// key from the issuer's own JWKS, and `iss`, `aud`, `exp` and `nbf` checked with a small
/// leeway for clocks that differ.
struct JwtRules
{
    static constexpr qint64 kLeewaySeconds = 60;

    QString issuer;
    QString audience;
    /// The claim holding the scopes: "scope" (a space-separated string, RFC 9068) or "scp"
    /// (an array or a string, as some providers write it).
    QString scopeClaim = QStringLiteral("scope");
    /// The `typ` header the token must carry, when set ("at+jwt" for our own).
    QByteArray type;
};

/// Checks a compact JWS against `rules` with the key `keyFor` returns for its `kid`
/// (nullopt: no such key), then reads its principal. Shared by our own tokens and an
/// external provider's.
TokenVerdict verifyJwt(QByteArrayView token, const JwtRules &rules, qint64 nowMs,
                       const std::function<std::optional<RsaKey>(const QString &kid)> &keyFor);

/// Checks access tokens this deployment's authorization server issued: verifyJwt() with its
/// signing keys, and the token neither revoked nor of a revoked grant (table
/// oauth_access_token).
///
///     LocalTokenVerifier verifier(store, keys);
///     auto verdict = verifier.verify(token, baseUrl);
///     if (!verdict.principal) return unauthorized(verdict.problem);
class LocalTokenVerifier
{
public:
    LocalTokenVerifier(Store &store, SigningKeys &keys, std::function<qint64()> clock = {});

    /// `baseUrl` is both the issuer and the audience our tokens name.
    TokenVerdict verify(QByteArrayView token, const QString &baseUrl);

private:
    Store &m_store; // not owned
    SigningKeys &m_keys; // not owned
    std::function<qint64()> m_clock;
};

} // namespace fhir::server
