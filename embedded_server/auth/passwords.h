#pragma once

#include "schemas/result.h"

#include <QString>

namespace fhir::server::passwords {

/// PBKDF2-HMAC-SHA256 (RFC 8018) from OpenSSL with a 16-byte random salt, at OWASP's figure
/// for this hash (Password Storage Cheat Sheet: 600,000 iterations).
constexpr int kIterations = 600000;

/// "pbkdf2-sha256$ITERATIONS$SALT$HASH", salt and hash in base64url: the iteration count
/// travels with each hash, so raising it later leaves older hashes readable.
Result<QString> hash(const QString &password);
/// Whether `password` is the one `stored` was made from; a malformed `stored` is false.
bool verify(const QString &password, const QString &stored);

} // namespace fhir::server::passwords
