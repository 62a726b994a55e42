#include "externalprovider.h"

#include "embedded_server/serverlogging.h"

#include <QDateTime>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QThread>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace fhir::server {

ExternalProvider::ExternalProvider(ExternalProviderSettings settings, Fetch fetch,
                                   std::function<qint64()> clock)
    : m_settings(std::move(settings))
    , m_fetch(fetch ? std::move(fetch) : Fetch(&ExternalProvider::blockingGet))
    , m_clock(std::move(clock))
{
    while (m_settings.issuer.endsWith(u'/') && m_settings.issuer.size() > 1
           && !m_settings.issuer.endsWith(u"://"_s))
        m_settings.issuer.chop(1);
}

qint64 ExternalProvider::now() const
{
    return m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch();
}

Result<QByteArray> ExternalProvider::blockingGet(const QUrl &url)
{
    Result<QByteArray> result = Error{u"no answer from %1"_s.arg(url.toString())};
    // A thread of its own with its own event loop: the caller's loop must not run (it would
    // serve other requests in the middle of this one).
    std::unique_ptr<QThread> thread(QThread::create([&] {
        QNetworkAccessManager manager;
        QNetworkRequest request(url);
        request.setRawHeader("Accept", "application/json");
        request.setTransferTimeout(kFetchTimeoutMs);
        QNetworkReply *reply = manager.get(request);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        QTimer::singleShot(kFetchTimeoutMs + 1000, &loop, &QEventLoop::quit);
        loop.exec();
        if (!reply->isFinished())
            result = Error{
                u"%1 did not answer within %2 s"_s.arg(url.toString()).arg(kFetchTimeoutMs / 1000)};
        else if (reply->error() != QNetworkReply::NoError)
            result = Error{u"cannot fetch %1: %2"_s.arg(url.toString(), reply->errorString())};
        else
            result = reply->readAll();
        delete reply;
    }));
    thread->start();
    thread->wait();
    return result;
}

Result<bool> ExternalProvider::refreshKeys()
{
    m_lastFetchMs = now();
    QString jwksUri = m_settings.jwksUri;
    if (jwksUri.isEmpty()) {
        const QUrl discovery(m_settings.issuer + u"/.well-known/openid-configuration"_s);
        auto body = m_fetch(discovery);
        if (!body)
            return Error{body.error()};
        const auto config = nlohmann::json::parse(body->toStdString(), nullptr, false);
        if (!config.is_object() || !config.value("jwks_uri", nlohmann::json()).is_string())
            return Error{u"%1 has no jwks_uri"_s.arg(discovery.toString())};
        // OpenID Connect Discovery §4.3: the document's issuer is the one asked for.
        if (config.value("issuer", std::string()) != m_settings.issuer.toStdString())
            return Error{u"%1 names another issuer"_s.arg(discovery.toString())};
        jwksUri = QString::fromStdString(config.at("jwks_uri").get<std::string>());
    }
    auto body = m_fetch(QUrl(jwksUri));
    if (!body)
        return Error{body.error()};
    const auto jwks = nlohmann::json::parse(body->toStdString(), nullptr, false);
    if (!jwks.is_object() || !jwks.value("keys", nlohmann::json()).is_array())
        return Error{u"%1 is not a JWKS"_s.arg(jwksUri)};
    QHash<QString, RsaKey> keys;
    for (const auto &jwk : jwks.at("keys")) {
        if (!jwk.is_object() || jwk.value("kty", std::string()) != "RSA"
            || !jwk.value("kid", nlohmann::json()).is_string()
            || jwk.value("use", std::string("sig")) != "sig")
            continue;
        if (auto key = RsaKey::fromJwk(jwk))
            keys.insert(QString::fromStdString(jwk.at("kid").get<std::string>()), *key);
    }
    m_keys = std::move(keys);
    return true;
}

TokenVerdict ExternalProvider::verify(QByteArrayView token, const QString &baseUrl)
{
    const JwtRules rules{m_settings.issuer,
                         m_settings.audience.isEmpty() ? baseUrl : m_settings.audience,
                         m_settings.scopeClaim,
                         {}};
    QString fetchProblem;
    auto keyFor = [&](const QString &kid) -> std::optional<RsaKey> {
        if (!m_keys.contains(kid)
            && (m_lastFetchMs < 0 || now() - m_lastFetchMs >= kRefetchIntervalMs)) {
            if (auto ok = refreshKeys(); !ok) {
                fetchProblem = ok.error();
                qCWarning(lcServer).noquote()
                    << "cannot read the keys of the OpenID provider:" << ok.error();
            }
        }
        const auto it = m_keys.constFind(kid);
        return it == m_keys.constEnd() ? std::nullopt : std::optional<RsaKey>(*it);
    };
    TokenVerdict verdict = verifyJwt(token, rules, now(), keyFor);
    if (!verdict.principal && !fetchProblem.isEmpty() && m_keys.isEmpty())
        return {std::nullopt, u"cannot read the keys of the OpenID provider"_s, true, {}};
    return verdict;
}

} // namespace fhir::server
