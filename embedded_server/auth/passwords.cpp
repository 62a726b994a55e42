#include "passwords.h"

#include "crypto.h"

#include <QStringList>

#include <openssl/evp.h>

using namespace Qt::StringLiterals;

namespace fhir::server::passwords {

namespace {

constexpr int kSaltBytes = 16;
constexpr int kHashBytes = 32;
constexpr QLatin1StringView kScheme = "pbkdf2-sha256"_L1;

QByteArray derive(const QString &password, const QByteArray &salt, int iterations)
{
    const QByteArray utf8 = password.toUtf8();
    QByteArray out(kHashBytes, Qt::Uninitialized);
    if (PKCS5_PBKDF2_HMAC(utf8.constData(), int(utf8.size()),
                          reinterpret_cast<const unsigned char *>(salt.constData()),
                          int(salt.size()), iterations, EVP_sha256(), kHashBytes,
                          reinterpret_cast<unsigned char *>(out.data()))
        != 1)
        return {};
    return out;
}

} // namespace

Result<QString> hash(const QString &password)
{
    auto salt = crypto::randomBytes(kSaltBytes);
    if (!salt)
        return Error{salt.error()};
    const QByteArray derived = derive(password, *salt, kIterations);
    if (derived.isEmpty())
        return Error{u"OpenSSL cannot hash the password"_s};
    return QString(kScheme + u'$' + QString::number(kIterations) + u'$'
                   + QString::fromLatin1(crypto::base64Url(*salt)) + u'$'
                   + QString::fromLatin1(crypto::base64Url(derived)));
}

bool verify(const QString &password, const QString &stored)
{
    const QStringList parts = stored.split(u'$');
    if (parts.size() != 4 || parts[0] != kScheme)
        return false;
    bool ok = false;
    const int iterations = parts[1].toInt(&ok);
    // The upper bound keeps a tampered row from stalling a login for hours.
    if (!ok || iterations < 1 || iterations > 10 * kIterations)
        return false;
    const auto salt = crypto::fromBase64Url(parts[2].toLatin1());
    const auto expected = crypto::fromBase64Url(parts[3].toLatin1());
    if (!salt || !expected || expected->size() != kHashBytes)
        return false;
    return crypto::equalConstantTime(derive(password, *salt, iterations), *expected);
}

} // namespace fhir::server::passwords
