#include "rsakey.h"

#include "crypto.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

std::shared_ptr<EVP_PKEY> own(EVP_PKEY *key)
{
    return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

QByteArray bytesOf(const BIGNUM *number)
{
    QByteArray bytes(BN_num_bytes(number), Qt::Uninitialized);
    BN_bn2bin(number, reinterpret_cast<unsigned char *>(bytes.data()));
    return bytes;
}

std::unique_ptr<BIGNUM, decltype(&BN_free)> bignum(const QByteArray &bytes)
{
    return {BN_bin2bn(reinterpret_cast<const unsigned char *>(bytes.constData()), int(bytes.size()),
                      nullptr),
            BN_free};
}

} // namespace

RsaKey::RsaKey(std::shared_ptr<EVP_PKEY> key, bool hasPrivate)
    : m_key(std::move(key))
    , m_private(hasPrivate)
{
}

Result<RsaKey> RsaKey::generate(int bits)
{
    if (bits < kMinimumBits)
        return Error{u"an RSA key needs at least %1 bits"_s.arg(kMinimumBits)};
    EVP_PKEY *key = EVP_RSA_gen(static_cast<unsigned int>(bits));
    if (!key)
        return Error{u"OpenSSL cannot make an RSA key"_s};
    return RsaKey(own(key), true);
}

Result<RsaKey> RsaKey::fromPrivatePem(const QByteArray &pem)
{
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.constData(), int(pem.size())),
                                                  BIO_free);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (!key)
        return Error{u"the stored signing key is not a PEM private key"_s};
    RsaKey result(own(key), true);
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || result.bits() < kMinimumBits)
        return Error{
            u"the stored signing key is not an RSA key of at least %1 bits"_s.arg(kMinimumBits)};
    return result;
}

Result<RsaKey> RsaKey::fromJwk(const nlohmann::json &jwk)
{
    if (!jwk.is_object() || jwk.value("kty", std::string()) != "RSA")
        return Error{u"the JWK is not an RSA key"_s};
    const auto n = crypto::fromBase64Url(QByteArray::fromStdString(jwk.value("n", std::string())));
    const auto e = crypto::fromBase64Url(QByteArray::fromStdString(jwk.value("e", std::string())));
    if (!n || !e || n->isEmpty() || e->isEmpty())
        return Error{u"the JWK's n or e is missing or not base64url"_s};
    auto modulus = bignum(*n);
    auto exponent = bignum(*e);
    std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> build(OSSL_PARAM_BLD_new(),
                                                                          OSSL_PARAM_BLD_free);
    if (!modulus || !exponent || !build
        || !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get())
        || !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()))
        return Error{u"OpenSSL cannot read the JWK"_s};
    std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(
        OSSL_PARAM_BLD_to_param(build.get()), OSSL_PARAM_free);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(
        EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), EVP_PKEY_CTX_free);
    EVP_PKEY *key = nullptr;
    if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1
        || EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return Error{u"OpenSSL cannot read the JWK"_s};
    RsaKey result(own(key), false);
    if (result.bits() < kMinimumBits)
        return Error{u"the JWK's RSA key has fewer than %1 bits"_s.arg(kMinimumBits)};
    return result;
}

int RsaKey::bits() const
{
    return m_key ? EVP_PKEY_get_bits(m_key.get()) : 0;
}

QByteArray RsaKey::privatePem() const
{
    if (!m_key || !m_private)
        return {};
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio
        || PEM_write_bio_PrivateKey(bio.get(), m_key.get(), nullptr, nullptr, 0, nullptr, nullptr)
            != 1)
        return {};
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, qsizetype(length));
}

std::pair<QByteArray, QByteArray> RsaKey::publicNumbers() const
{
    BIGNUM *n = nullptr;
    BIGNUM *e = nullptr;
    std::pair<QByteArray, QByteArray> numbers;
    if (m_key && EVP_PKEY_get_bn_param(m_key.get(), OSSL_PKEY_PARAM_RSA_N, &n) == 1
        && EVP_PKEY_get_bn_param(m_key.get(), OSSL_PKEY_PARAM_RSA_E, &e) == 1)
        numbers = {bytesOf(n), bytesOf(e)};
    BN_free(n);
    BN_free(e);
    return numbers;
}

nlohmann::json RsaKey::publicJwk(const QString &kid) const
{
    const auto [n, e] = publicNumbers();
    return {{"kty", "RSA"},
            {"use", "sig"},
            {"alg", "RS256"},
            {"kid", kid.toStdString()},
            {"n", crypto::base64Url(n).toStdString()},
            {"e", crypto::base64Url(e).toStdString()}};
}

QString RsaKey::thumbprint() const
{
    // RFC 7638 §3.2: the required members in lexicographic order, no whitespace.
    const auto [n, e] = publicNumbers();
    const QByteArray canonical = R"({"e":")" + crypto::base64Url(e) + R"(","kty":"RSA","n":")"
        + crypto::base64Url(n) + R"("})";
    return QString::fromLatin1(crypto::base64Url(crypto::sha256(canonical)));
}

Result<QByteArray> RsaKey::signRs256(QByteArrayView data) const
{
    if (!m_key || !m_private)
        return Error{u"no private key to sign with"_s};
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                    EVP_MD_CTX_free);
    size_t length = 0;
    if (!context
        || EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, m_key.get()) != 1
        || EVP_DigestSign(context.get(), nullptr, &length,
                          reinterpret_cast<const unsigned char *>(data.data()), size_t(data.size()))
            != 1)
        return Error{u"OpenSSL cannot sign"_s};
    QByteArray signature(qsizetype(length), Qt::Uninitialized);
    if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char *>(signature.data()), &length,
                       reinterpret_cast<const unsigned char *>(data.data()), size_t(data.size()))
        != 1)
        return Error{u"OpenSSL cannot sign"_s};
    signature.truncate(qsizetype(length));
    return signature;
}

bool RsaKey::verifyRs256(QByteArrayView data, QByteArrayView signature) const
{
    if (!m_key)
        return false;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                    EVP_MD_CTX_free);
    return context
        && EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, m_key.get()) == 1
        && EVP_DigestVerify(
               context.get(), reinterpret_cast<const unsigned char *>(signature.data()),
               size_t(signature.size()), reinterpret_cast<const unsigned char *>(data.data()),
               size_t(data.size()))
        == 1;
}

} // namespace fhir::server
