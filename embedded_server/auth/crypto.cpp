#include "crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

using namespace Qt::StringLiterals;

namespace fhir::server::crypto {

Result<QByteArray> randomBytes(int count)
{
    QByteArray bytes(count, Qt::Uninitialized);
    if (RAND_bytes(reinterpret_cast<unsigned char *>(bytes.data()), count) != 1)
        return Error{u"the system's random number generator failed"_s};
    return bytes;
}

Result<QByteArray> randomToken(int count)
{
    auto bytes = randomBytes(count);
    if (!bytes)
        return bytes;
    return base64Url(*bytes);
}

QByteArray sha256(QByteArrayView data)
{
    QByteArray digest(32, Qt::Uninitialized);
    unsigned int length = 0;
    if (EVP_Digest(data.data(), size_t(data.size()),
                   reinterpret_cast<unsigned char *>(digest.data()), &length, EVP_sha256(), nullptr)
            != 1
        || length != 32)
        return {};
    return digest;
}

QByteArray hmacSha256(QByteArrayView key, QByteArrayView data)
{
    QByteArray mac(32, Qt::Uninitialized);
    unsigned int length = 0;
    if (!HMAC(EVP_sha256(), key.data(), int(key.size()),
              reinterpret_cast<const unsigned char *>(data.data()), size_t(data.size()),
              reinterpret_cast<unsigned char *>(mac.data()), &length)
        || length != 32)
        return {};
    return mac;
}

bool equalConstantTime(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), size_t(a.size())) == 0;
}

QByteArray base64Url(QByteArrayView data)
{
    return data.toByteArray().toBase64(QByteArray::Base64UrlEncoding
                                       | QByteArray::OmitTrailingEquals);
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

std::optional<QByteArray> fromBase64Url(QByteArrayView text)
{
    while (text.endsWith('='))
        text.chop(1);
    if (!isBase64Url(text) || text.size() % 4 == 1)
        return std::nullopt;
    auto decoded = QByteArray::fromBase64Encoding(text.toByteArray(),
                                                  QByteArray::Base64UrlEncoding
                                                      | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    return *decoded;
}

} // namespace fhir::server::crypto
