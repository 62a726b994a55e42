#pragma once

#include "schemas/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <optional>

namespace fhir::server::crypto {

/// The small set of OpenSSL primitives the auth code shares: random bytes from OpenSSL's
/// CSPRNG, SHA-256, constant-time comparison and base64url (RFC 4648 §5, no padding).
///
///     auto secret = crypto::randomToken(32); // 43 characters of base64url
///     QByteArray stored = crypto::sha256(secret.value());

/// `count` bytes from OpenSSL's CSPRNG.
Result<QByteArray> randomBytes(int count);
/// `count` random bytes as base64url without padding: an unguessable token for URLs and forms.
Result<QByteArray> randomToken(int count);

/// SHA-256 of `data` (32 bytes), or empty when OpenSSL fails.
QByteArray sha256(QByteArrayView data);
/// HMAC-SHA256 of `data` under `key` (32 bytes), or empty when OpenSSL fails.
QByteArray hmacSha256(QByteArrayView key, QByteArrayView data);

/// Whether two byte strings are equal, in time that depends only on their lengths.
bool equalConstantTime(QByteArrayView a, QByteArrayView b);

QByteArray base64Url(QByteArrayView data);
/// The bytes of base64url text (padding tolerated), or nothing when it is not base64url.
std::optional<QByteArray> fromBase64Url(QByteArrayView text);
/// Whether every character is of the base64url alphabet.
bool isBase64Url(QByteArrayView text);

} // namespace fhir::server::crypto
