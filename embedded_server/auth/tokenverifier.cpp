#include "tokenverifier.h"

#include "jwt.h"
#include "signingkeys.h"

#include "embedded_server/serverlogging.h"
#include "embedded_server/store.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

QString text(const nlohmann::json &claims, const char *name)
{
    const auto it = claims.find(name);
    return it != claims.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                                 : QString();
}

bool audienceMatches(const nlohmann::json &claims, const QString &audience)
{
    const auto it = claims.find("aud");
    if (it == claims.end())
        return false;
    const std::string wanted = audience.toStdString();
    if (it->is_string())
        return it->get<std::string>() == wanted;
    if (it->is_array()) {
        for (const auto &item : *it) {
            if (item.is_string() && item.get<std::string>() == wanted)
                return true;
        }
    }
    return false;
}

std::optional<QString> scopesOf(const nlohmann::json &claims, const QString &claim)
{
    const auto it = claims.find(claim.toStdString());
    if (it == claims.end())
        return QString();
    if (it->is_string())
        return QString::fromStdString(it->get<std::string>());
    if (it->is_array()) {
        QStringList items;
        for (const auto &item : *it) {
            if (!item.is_string())
                return std::nullopt;
            items.append(QString::fromStdString(item.get<std::string>()));
        }
        return items.join(u' ');
    }
    return std::nullopt;
}

} // namespace

TokenVerdict verifyJwt(QByteArrayView token, const JwtRules &rules, qint64 nowMs,
                       const std::function<std::optional<RsaKey>(const QString &kid)> &keyFor)
{
    auto decoded = jwt::decode(token);
    if (!decoded)
        return TokenVerdict::refused(u"the access token is not a signed JWT"_s);
    const nlohmann::json &header = decoded->header;
    // RFC 8725 §3.1: the algorithm is ours to choose, never the token's.
    if (header.value("alg", std::string()) != "RS256")
        return TokenVerdict::refused(u"the access token is not signed with RS256"_s);
    if (!rules.type.isEmpty()
        && QByteArray::fromStdString(header.value("typ", std::string())).toLower() != rules.type)
        return TokenVerdict::refused(
            u"the token is not an access token (typ %1)"_s.arg(QString::fromLatin1(rules.type)));
    if (header.contains("jku") || header.contains("jwk") || header.contains("x5u")
        || header.contains("crit"))
        return TokenVerdict::refused(
            u"the access token names its own key or critical extensions; keys come only from "
            "the issuer's JWKS"_s);
    const auto kidIt = header.find("kid");
    if (kidIt == header.end() || !kidIt->is_string())
        return TokenVerdict::refused(u"the access token's header has no kid"_s);
    const auto key = keyFor(QString::fromStdString(kidIt->get<std::string>()));
    if (!key)
        return TokenVerdict::refused(u"the access token is signed with a key the issuer does "
                                     "not publish"_s);
    if (!key->verifyRs256(decoded->signingInput, decoded->signature))
        return TokenVerdict::refused(u"the access token's signature is not valid"_s);

    const nlohmann::json &claims = decoded->claims;
    if (text(claims, "iss") != rules.issuer)
        return TokenVerdict::refused(u"the access token is from another issuer"_s);
    if (!audienceMatches(claims, rules.audience))
        return TokenVerdict::refused(u"the access token is meant for another server (aud)"_s);
    const qint64 now = nowMs / 1000;
    const auto exp = claims.find("exp");
    if (exp == claims.end() || !exp->is_number())
        return TokenVerdict::refused(u"the access token has no expiry (exp)"_s);
    if (exp->get<double>() + JwtRules::kLeewaySeconds <= double(now))
        return TokenVerdict::refused(u"the access token has expired"_s);
    if (const auto nbf = claims.find("nbf"); nbf != claims.end()
        && (!nbf->is_number() || nbf->get<double>() > double(now + JwtRules::kLeewaySeconds)))
        return TokenVerdict::refused(u"the access token is not valid yet (nbf)"_s);

    const auto scopes = scopesOf(claims, rules.scopeClaim);
    if (!scopes)
        return TokenVerdict::refused(u"the access token's %1 claim is neither a string nor a "
                                     "list of strings"_s.arg(rules.scopeClaim));
    Principal principal;
    principal.kind = Principal::Kind::Token;
    principal.scopes = ScopeSet::parse(*scopes);
    principal.patient = text(claims, "patient");
    principal.fhirUser = text(claims, "fhirUser");
    principal.subject = text(claims, "sub");
    principal.clientId = text(claims, "client_id");
    if (principal.clientId.isEmpty())
        principal.clientId = text(claims, "azp");
    principal.tokenId = text(claims, "jti");
    // fhirUser may be an absolute URL (SMART): keep its "Type/id".
    if (principal.fhirUser.contains(u"://"_s)) {
        const QStringList parts = principal.fhirUser.split(u'/', Qt::SkipEmptyParts);
        principal.fhirUser
            = parts.size() >= 4 ? parts[parts.size() - 2] + u'/' + parts.last() : QString();
    }
    return {std::move(principal), {}, false, claims};
}

LocalTokenVerifier::LocalTokenVerifier(Store &store, SigningKeys &keys,
                                       std::function<qint64()> clock)
    : m_store(store)
    , m_keys(keys)
    , m_clock(std::move(clock))
{
}

TokenVerdict LocalTokenVerifier::verify(QByteArrayView token, const QString &baseUrl)
{
    const qint64 now = m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch();
    bool storeFailed = false;
    JwtRules rules{baseUrl, baseUrl, u"scope"_s, "at+jwt"};
    TokenVerdict verdict = verifyJwt(token, rules, now, [&](const QString &kid) {
        auto key = m_keys.publicKey(kid);
        if (!key) {
            storeFailed = true;
            return std::optional<RsaKey>();
        }
        return *key;
    });
    if (storeFailed)
        return {std::nullopt, u"cannot read the signing keys"_s, true, {}};
    if (!verdict.principal)
        return verdict;
    auto rows
        = m_store.query("SELECT t.revoked, g.revoked FROM oauth_access_token t JOIN oauth_grant g"
                        " ON g.id = t.grant_id WHERE t.jti = ?1",
                        {verdict.principal->tokenId});
    if (!rows) {
        qCWarning(lcServer).noquote() << "cannot check an access token:" << rows.error();
        return {std::nullopt, u"cannot check the access token"_s, true, {}};
    }
    if (rows->isEmpty())
        return TokenVerdict::refused(u"the access token is unknown to this server"_s);
    if (!rows->first().at(0).isNull() || !rows->first().at(1).isNull())
        return TokenVerdict::refused(u"the access token has been revoked"_s);
    return verdict;
}

} // namespace fhir::server
