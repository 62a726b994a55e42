#pragma once

#include "schemas/result.h"

#include <QByteArray>
#include <QString>

#include <nlohmann/json.hpp>

#include <memory>

typedef struct evp_pkey_st EVP_PKEY;

namespace fhir::server {

/// An RSA key held by OpenSSL: a deployment's signing key pair, or a public key read from a
/// JWKS. RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 §3.3) is the one algorithm.
///
///     auto key = RsaKey::generate();
///     auto signature = key->signRs256(data);
///     auto published = RsaKey::fromJwk(key->publicJwk(kid));
///     published->verifyRs256(data, *signature); // true
class RsaKey
{
public:
    /// Keys shorter than this are refused wherever they come from (RFC 7518 §3.3).
    static constexpr int kMinimumBits = 2048;

    /// A new key pair from OpenSSL's CSPRNG.
    static Result<RsaKey> generate(int bits = kMinimumBits);
    /// A key pair from PKCS#8 PEM, as privatePem() writes it.
    static Result<RsaKey> fromPrivatePem(const QByteArray &pem);
    /// A public key from a JWK (RFC 7517): kty RSA with n and e in base64url.
    static Result<RsaKey> fromJwk(const nlohmann::json &jwk);

    bool isNull() const { return !m_key; }
    bool hasPrivateKey() const { return m_private; }
    int bits() const;

    /// PKCS#8 PEM of the key pair; empty for a public key.
    QByteArray privatePem() const;
    /// The public key as a JWK for a JWKS: kty, use, alg, kid, n, e.
    nlohmann::json publicJwk(const QString &kid) const;
    /// The JWK thumbprint (RFC 7638) in base64url: a stable key id.
    QString thumbprint() const;

    Result<QByteArray> signRs256(QByteArrayView data) const;
    bool verifyRs256(QByteArrayView data, QByteArrayView signature) const;

private:
    RsaKey(std::shared_ptr<EVP_PKEY> key, bool hasPrivate);
    /// Modulus and exponent, big-endian, without leading zeros.
    std::pair<QByteArray, QByteArray> publicNumbers() const;

    std::shared_ptr<EVP_PKEY> m_key;
    bool m_private = false;
};

} // namespace fhir::server
