#pragma once

#include "rsakey.h"

#include "schemas/result.h"

#include <QHash>
#include <QString>

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>

namespace fhir::server {

class Store;

/// The RSA key pairs a deployment signs its tokens with (table `oauth_signing_key`). The
/// first is made on first use; rotate() makes a new one current and keeps the old one in the
/// JWKS until every token it signed has expired. Each key's id is its JWK thumbprint.
///
///     SigningKeys keys(store);
///     auto signer = keys.current();             // {kid, key}
///     auto token = jwt::sign(claims, signer->key, signer->kid);
///     auto key = keys.publicKey(header["kid"]); // nullopt for an unknown or expired kid
class SigningKeys
{
public:
    /// How long a retired key stays published: longer than any token lives.
    static constexpr qint64 kRetiredLifetimeMs = 2 * 60 * 60 * 1000;

    explicit SigningKeys(Store &store, std::function<qint64()> clock = {});

    struct Signer
    {
        QString kid;
        RsaKey key;
    };
    Result<Signer> current();
    /// Makes a new current key; returns its kid.
    Result<QString> rotate();
    /// The key `kid` names, when it is current or retired but still published.
    Result<std::optional<RsaKey>> publicKey(const QString &kid);
    /// {"keys": [...]}: the public half of every published key, newest first.
    Result<nlohmann::json> jwks();

private:
    qint64 now() const;
    Result<Signer> make();
    Result<RsaKey> load(const QString &kid, const QByteArray &pem);

    Store &m_store; // not owned
    std::function<qint64()> m_clock;
    QHash<QString, RsaKey> m_loaded; // parsed keys by kid
};

} // namespace fhir::server
