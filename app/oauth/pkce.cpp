#include "pkce.h"

#include <QCryptographicHash>
#include <QRandomGenerator>

namespace fhir::app {

namespace {

/// 32 bytes of the system CSPRNG (getrandom) in base64url: 43 characters of [A-Za-z0-9-_].
QString randomText()
{
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()),
                                          bytes.size() / int(sizeof(quint32)));
    return QString::fromLatin1(
        bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

} // namespace

QString LoginSecrets::challengeOf(const QString &verifier)
{
    return QString::fromLatin1(
        QCryptographicHash::hash(verifier.toLatin1(), QCryptographicHash::Sha256)
            .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

LoginSecrets LoginSecrets::generate()
{
    LoginSecrets secrets;
    secrets.verifier = randomText();
    secrets.challenge = challengeOf(secrets.verifier);
    secrets.state = randomText();
    return secrets;
}

} // namespace fhir::app
