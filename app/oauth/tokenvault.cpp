#include "tokenvault.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace fhir::app {

TokenVault::TokenVault(SecretStore &secrets)
    : m_secrets(secrets)
{
}

QString TokenVault::tokensKey(const QString &deploymentId)
{
    return deploymentId + u"/oauth-tokens"_s;
}

QString TokenVault::clientSecretKey(const QString &deploymentId)
{
    return deploymentId + u"/oauth-client-secret"_s;
}

QByteArray TokenVault::serialize(const TokenSet &t)
{
    const QJsonObject o{{u"access_token"_s, QString::fromLatin1(t.accessToken)},
                        {u"refresh_token"_s, QString::fromLatin1(t.refreshToken)},
                        {u"id_token"_s, QString::fromLatin1(t.idToken)},
                        {u"scope"_s, t.scope},
                        {u"patient"_s, t.patient},
                        {u"expires_at"_s, t.expiresAtMs}};
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

std::optional<TokenSet> TokenVault::deserialize(const QByteArray &bytes)
{
    const QJsonObject o = QJsonDocument::fromJson(bytes).object();
    TokenSet t;
    t.accessToken = o.value("access_token"_L1).toString().toLatin1();
    if (t.accessToken.isEmpty())
        return std::nullopt;
    t.refreshToken = o.value("refresh_token"_L1).toString().toLatin1();
    t.idToken = o.value("id_token"_L1).toString().toLatin1();
    t.scope = o.value("scope"_L1).toString();
    t.patient = o.value("patient"_L1).toString();
    t.expiresAtMs = o.value("expires_at"_L1).toInteger(0);
    return t;
}

void TokenVault::save(const QString &deploymentId, const TokenSet &tokens, QObject *context,
                      SecretStore::Callback done)
{
    m_secrets.write(tokensKey(deploymentId), serialize(tokens), context, std::move(done));
}

void TokenVault::load(const QString &deploymentId, QObject *context, Loaded done)
{
    m_secrets.read(tokensKey(deploymentId), context,
                   [done = std::move(done)](const SecretResult &result) {
                       done(result.ok() ? deserialize(result.secret) : std::nullopt, result);
                   });
}

void TokenVault::forget(const QString &deploymentId, QObject *context, SecretStore::Callback done)
{
    m_secrets.remove(tokensKey(deploymentId), context, std::move(done));
}

} // namespace fhir::app
