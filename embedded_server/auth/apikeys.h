#pragma once

#include "schemas/result.h"

#include <QByteArrayView>
#include <QDateTime>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace fhir::server {

class Store;

/// An API key as the store remembers it: never the secret itself.
struct ApiKeyInfo
{
    QString id; ///< public identifier, used to revoke
    QString name;
    QString hint; ///< the first characters of the secret, enough to recognise it
    QDateTime created; ///< UTC
    std::optional<QDateTime> lastUsed; ///< UTC
};

/// A key just made: the only moment its secret exists outside the client.
struct NewApiKey
{
    ApiKeyInfo info;
    QString secret;
};

/// The API keys of one deployment, in its database (table `api_key`).
///
/// A key reads `fpk_<id>_<secret>`: `fpk_` says what it is (and lets secret scanners find a
/// leaked one), `<id>` is 12 hex digits naming the key in public, `<secret>` is 32 bytes from
/// OpenSSL's CSPRNG in base64url. The store keeps only SHA-256 of the whole key (a 256-bit
/// random secret needs no slow hash), compares hashes in constant time, and keeps the key's
/// first 16 characters (`fpk_<id>`, no secret bits) as the hint users recognise it by.
///
/// Last use is recorded to the minute: a key's row is written at most once a minute, so
/// serving a request rarely writes.
///
///     ApiKeyStore keys(store);
///     auto made = keys.create(u"Postman"_s); // show made->secret once, then forget it
///     keys.verify(request.header("x-api-key")) // true, false, or an Error of the database
class ApiKeyStore
{
public:
    /// `clock` gives milliseconds since the epoch (UTC); the system clock when empty.
    explicit ApiKeyStore(Store &store, std::function<qint64()> clock = {});

    static constexpr QByteArrayView kPrefix = "fpk_";
    /// Last use is written when the stored value is at least this old.
    static constexpr qint64 kLastUsedResolutionMs = 60 * 1000;

    /// Makes a key called `name` (1 to 200 characters, not blank).
    Result<NewApiKey> create(const QString &name);
    /// Every key, oldest first.
    Result<QList<ApiKeyInfo>> list();
    /// Forgets a key: true when it existed.
    Result<bool> revoke(const QString &id);
    /// Whether `presented` is a key of this store; records its use. A malformed, unknown or
    /// revoked key is false, never an error.
    Result<bool> verify(QByteArrayView presented);

private:
    qint64 now() const;

    Store &m_store; // not owned
    std::function<qint64()> m_clock;
};

} // namespace fhir::server
