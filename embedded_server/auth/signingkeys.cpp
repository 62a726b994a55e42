#include "signingkeys.h"

#include "embedded_server/serverlogging.h"
#include "embedded_server/store.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace fhir::server {

SigningKeys::SigningKeys(Store &store, std::function<qint64()> clock)
    : m_store(store)
    , m_clock(std::move(clock))
{
}

qint64 SigningKeys::now() const
{
    return m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch();
}

Result<RsaKey> SigningKeys::load(const QString &kid, const QByteArray &pem)
{
    if (const auto it = m_loaded.constFind(kid); it != m_loaded.constEnd())
        return *it;
    auto key = RsaKey::fromPrivatePem(pem);
    if (!key)
        return key;
    m_loaded.insert(kid, *key);
    return key;
}

Result<SigningKeys::Signer> SigningKeys::make()
{
    auto key = RsaKey::generate();
    if (!key)
        return Error{key.error()};
    Signer signer{key->thumbprint(), *key};
    auto inserted = m_store.query(
        "INSERT INTO oauth_signing_key (kid, private_key, created) VALUES (?1, ?2, ?3)",
        {signer.kid, key->privatePem(), now()});
    if (!inserted)
        return Error{u"cannot store the signing key: %1"_s.arg(inserted.error())};
    m_loaded.insert(signer.kid, signer.key);
    qCInfo(lcServer).noquote() << "OAuth signing key" << signer.kid << "made";
    return signer;
}

Result<SigningKeys::Signer> SigningKeys::current()
{
    auto rows = m_store.query("SELECT kid, private_key FROM oauth_signing_key"
                              " WHERE retired IS NULL ORDER BY created DESC, kid LIMIT 1");
    if (!rows)
        return Error{rows.error()};
    if (rows->isEmpty())
        return make();
    const QString kid = rows->first().at(0).toString();
    auto key = load(kid, rows->first().at(1).toByteArray());
    if (!key)
        return Error{key.error()};
    return Signer{kid, *key};
}

Result<QString> SigningKeys::rotate()
{
    const qint64 time = now();
    // Keys retired long enough ago have no live token left to check.
    if (auto purged = m_store.query("DELETE FROM oauth_signing_key WHERE retired < ?1",
                                    {time - kRetiredLifetimeMs});
        !purged)
        return Error{purged.error()};
    auto retired
        = m_store.query("UPDATE oauth_signing_key SET retired = ?1 WHERE retired IS NULL", {time});
    if (!retired)
        return Error{retired.error()};
    auto made = make();
    if (!made)
        return Error{made.error()};
    return made->kid;
}

Result<std::optional<RsaKey>> SigningKeys::publicKey(const QString &kid)
{
    auto rows = m_store.query("SELECT private_key FROM oauth_signing_key WHERE kid = ?1"
                              " AND (retired IS NULL OR retired >= ?2)",
                              {kid, now() - kRetiredLifetimeMs});
    if (!rows)
        return Error{rows.error()};
    if (rows->isEmpty())
        return std::optional<RsaKey>();
    auto key = load(kid, rows->first().at(0).toByteArray());
    if (!key)
        return Error{key.error()};
    return std::optional<RsaKey>(*key);
}

Result<nlohmann::json> SigningKeys::jwks()
{
    // A JWKS asked for before any token was issued still has a key to show.
    if (auto signer = current(); !signer)
        return Error{signer.error()};
    auto rows = m_store.query("SELECT kid, private_key FROM oauth_signing_key"
                              " WHERE retired IS NULL OR retired >= ?1 ORDER BY created DESC",
                              {now() - kRetiredLifetimeMs});
    if (!rows)
        return Error{rows.error()};
    nlohmann::json keys = nlohmann::json::array();
    for (const QVariantList &row : std::as_const(*rows)) {
        const QString kid = row.at(0).toString();
        auto key = load(kid, row.at(1).toByteArray());
        if (!key)
            return Error{key.error()};
        keys.push_back(key->publicJwk(kid));
    }
    return nlohmann::json{{"keys", keys}};
}

} // namespace fhir::server
