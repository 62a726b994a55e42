#include "apikeys.h"

#include "embedded_server/serverlogging.h"
#include "embedded_server/store.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

constexpr int kIdBytes = 6; // 12 hex digits: unique enough for one deployment's keys
constexpr int kSecretBytes = 32;
constexpr qsizetype kIdLength = 2 * kIdBytes;
constexpr qsizetype kSecretLength = 43; // base64url of 32 bytes, no padding
constexpr qsizetype kKeyLength = ApiKeyStore::kPrefix.size() + kIdLength + 1 + kSecretLength;
constexpr int kHashBytes = 32;

Result<QByteArray> randomBytes(int count)
{
    QByteArray bytes(count, Qt::Uninitialized);
    if (RAND_bytes(reinterpret_cast<unsigned char *>(bytes.data()), count) != 1)
        return Error{u"the system's random number generator failed"_s};
    return bytes;
}

QByteArray sha256(QByteArrayView data)
{
    QByteArray digest(kHashBytes, Qt::Uninitialized);
    unsigned int length = 0;
    if (EVP_Digest(data.data(), size_t(data.size()),
                   reinterpret_cast<unsigned char *>(digest.data()), &length, EVP_sha256(), nullptr)
            != 1
        || length != kHashBytes)
        return {};
    return digest;
}

bool isLowerHex(QByteArrayView text)
{
    for (const char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

bool isBase64Url(QByteArrayView text)
{
    for (const char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-'
              || c == '_'))
            return false;
    }
    return true;
}

/// The id of a well-formed key, or an empty string.
QString keyId(QByteArrayView key)
{
    const qsizetype idAt = ApiKeyStore::kPrefix.size();
    if (key.size() != kKeyLength || !key.startsWith(ApiKeyStore::kPrefix)
        || key.at(idAt + kIdLength) != '_' || !isLowerHex(key.sliced(idAt, kIdLength))
        || !isBase64Url(key.sliced(idAt + kIdLength + 1)))
        return {};
    return QString::fromLatin1(key.sliced(idAt, kIdLength));
}

QDateTime utc(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC);
}

} // namespace

ApiKeyStore::ApiKeyStore(Store &store, std::function<qint64()> clock)
    : m_store(store)
    , m_clock(std::move(clock))
{
}

qint64 ApiKeyStore::now() const
{
    return m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch();
}

Result<NewApiKey> ApiKeyStore::create(const QString &name)
{
    const QString trimmed = name.trimmed();
    if (trimmed.isEmpty() || trimmed.size() > 200)
        return Error{u"an API key needs a name of 1 to 200 characters"_s};
    auto id = randomBytes(kIdBytes);
    auto secret = randomBytes(kSecretBytes);
    if (!id || !secret)
        return Error{id ? secret.error() : id.error()};
    const QByteArray hexId = id->toHex();
    const QByteArray key = kPrefix.toByteArray() + hexId + '_'
        + secret->toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    Q_ASSERT(key.size() == kKeyLength);
    const QByteArray hash = sha256(key);
    if (hash.isEmpty())
        return Error{u"cannot hash the new API key"_s};

    NewApiKey made;
    made.info.id = QString::fromLatin1(hexId);
    made.info.name = trimmed;
    made.info.hint = QString::fromLatin1(key.left(kPrefix.size() + kIdLength));
    made.info.created = utc(now());
    made.secret = QString::fromLatin1(key);
    auto inserted = m_store.query(
        "INSERT INTO api_key (id, name, hint, secret_hash, created) VALUES (?1, ?2, ?3, ?4, ?5)",
        {made.info.id, made.info.name, made.info.hint, hash,
         made.info.created.toMSecsSinceEpoch()});
    if (!inserted)
        return Error{u"cannot store the API key: %1"_s.arg(inserted.error())};
    qCInfo(lcServer).noquote() << "API key" << made.info.hint << "created";
    return made;
}

Result<QList<ApiKeyInfo>> ApiKeyStore::list()
{
    auto rows = m_store.query(
        "SELECT id, name, hint, created, last_used FROM api_key ORDER BY created, id");
    if (!rows)
        return Error{rows.error()};
    QList<ApiKeyInfo> keys;
    for (const QVariantList &row : std::as_const(*rows)) {
        ApiKeyInfo info;
        info.id = row.at(0).toString();
        info.name = row.at(1).toString();
        info.hint = row.at(2).toString();
        info.created = utc(row.at(3).toLongLong());
        if (!row.at(4).isNull())
            info.lastUsed = utc(row.at(4).toLongLong());
        keys.append(std::move(info));
    }
    return keys;
}

Result<bool> ApiKeyStore::revoke(const QString &id)
{
    auto deleted = m_store.query("DELETE FROM api_key WHERE id = ?1", {id});
    if (!deleted)
        return Error{deleted.error()};
    const bool existed = m_store.changes() > 0;
    if (existed)
        qCInfo(lcServer).noquote() << "API key" << id << "revoked";
    return existed;
}

Result<bool> ApiKeyStore::verify(QByteArrayView presented)
{
    const QString id = keyId(presented);
    if (id.isEmpty())
        return false;
    auto rows = m_store.query("SELECT secret_hash, last_used FROM api_key WHERE id = ?1", {id});
    if (!rows)
        return Error{rows.error()};
    const QByteArray hash = sha256(presented);
    if (rows->isEmpty() || hash.isEmpty())
        return false;
    const QByteArray stored = rows->first().at(0).toByteArray();
    if (stored.size() != kHashBytes
        || CRYPTO_memcmp(stored.constData(), hash.constData(), kHashBytes) != 0)
        return false;

    const QVariant lastUsed = rows->first().at(1);
    const qint64 time = now();
    if (lastUsed.isNull() || time - lastUsed.toLongLong() >= kLastUsedResolutionMs) {
        // A failure to record the use must not refuse a valid key.
        if (auto ok = m_store.query("UPDATE api_key SET last_used = ?2 WHERE id = ?1", {id, time});
            !ok)
            qCWarning(lcServer).noquote() << "cannot record the use of API key" << id << ok.error();
    }
    return true;
}

} // namespace fhir::server
