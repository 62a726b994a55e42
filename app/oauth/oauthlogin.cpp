#include "oauthlogin.h"

#include "embedded_server/auth/formdata.h"

#include <QDateTime>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace fhir::app {

QNetworkReply *postForm(QNetworkAccessManager &network, const QUrl &url,
                        QList<QPair<QString, QString>> items, const OAuthClientSettings &client)
{
    QNetworkRequest request(url);
    request.setRawHeader("Content-Type", "application/x-www-form-urlencoded");
    request.setRawHeader("Accept", "application/json");
    request.setTransferTimeout(30000);
    if (client.clientSecret.isEmpty()) {
        items.append({u"client_id"_s, client.clientId});
    } else {
        const QByteArray credentials = QUrl::toPercentEncoding(client.clientId) + ':'
            + QUrl::toPercentEncoding(QString::fromUtf8(client.clientSecret));
        request.setRawHeader("Authorization", "Basic " + credentials.toBase64());
    }
    return network.post(request, server::form::encode(items));
}

OAuthLogin::OAuthLogin(OAuthClientSettings settings, BrowserOpener openBrowser, QObject *parent)
    : QObject(parent)
    , m_settings(std::move(settings))
    , m_openBrowser(std::move(openBrowser))
    , m_listener(new RedirectListener(this))
    , m_network(new QNetworkAccessManager(this))
    , m_timer(new QTimer(this))
{
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this,
            [this] { finish(u"the login was not finished in the browser in time; try again"_s); });
    connect(m_listener, &RedirectListener::received, this, &OAuthLogin::onCallback);
}

OAuthLogin::~OAuthLogin()
{
    if (m_reply)
        m_reply->abort();
}

QUrl OAuthLogin::redirectUri() const
{
    return m_listener->redirectUri();
}

void OAuthLogin::start()
{
    if (!m_settings.endpoints.isUsable())
        return finish(u"the server's authorization and token endpoints are not known"_s);
    if (m_settings.clientId.isEmpty())
        return finish(u"a client id is needed: register the app with the server first"_s);
    if (!m_listener->listen())
        return finish(u"cannot listen on 127.0.0.1 for the login's redirect: %1"_s.arg(
            m_listener->errorString()));
    m_secrets = LoginSecrets::generate();
    const QByteArray query = server::form::encode({{u"response_type"_s, u"code"_s},
                                                   {u"client_id"_s, m_settings.clientId},
                                                   {u"redirect_uri"_s, redirectUri().toString()},
                                                   {u"scope"_s, m_settings.scope},
                                                   {u"state"_s, m_secrets.state},
                                                   {u"aud"_s, m_settings.fhirBaseUrl.toString()},
                                                   {u"code_challenge"_s, m_secrets.challenge},
                                                   {u"code_challenge_method"_s, u"S256"_s}});
    m_authorizationUrl = m_settings.endpoints.authorizationEndpoint;
    const QString existing = m_authorizationUrl.query(QUrl::FullyEncoded);
    m_authorizationUrl.setQuery((existing.isEmpty() ? QString() : existing + u'&')
                                    + QString::fromLatin1(query),
                                QUrl::StrictMode);
    m_timer->start(m_timeoutMs);
    if (!m_openBrowser || !m_openBrowser(m_authorizationUrl))
        finish(u"no web browser could be opened; open this address yourself: %1"_s.arg(
            m_authorizationUrl.toString()));
}

void OAuthLogin::cancel()
{
    m_finished = true;
    m_timer->stop();
    m_listener->close();
    if (m_reply)
        m_reply->abort();
}

void OAuthLogin::onCallback(const AuthorizationCallback &callback)
{
    if (m_finished)
        return;
    // RFC 6749 §10.12: a callback whose state is not this attempt's is not ours to use.
    if (callback.state != m_secrets.state)
        return finish(u"the login's answer does not belong to this attempt (its state differs); "
                      "nothing was used. Try again."_s);
    if (!callback.issuer.isEmpty() && !m_settings.endpoints.issuer.isEmpty()
        && callback.issuer != m_settings.endpoints.issuer)
        return finish(u"the login's answer names another issuer (%1); nothing was used"_s.arg(
            callback.issuer.left(200)));
    if (!callback.error.isEmpty()) {
        if (callback.error == u"access_denied"_s)
            return finish(u"the login was cancelled or not allowed in the browser"_s
                          + (callback.errorDescription.isEmpty()
                                 ? QString()
                                 : u" (%1)"_s.arg(callback.errorDescription.left(200))));
        return finish(u"the server refused the login: %1 %2"_s.arg(
            callback.error.left(60), callback.errorDescription.left(200)));
    }
    if (callback.code.isEmpty())
        return finish(u"the login's answer has no code"_s);
    exchange(callback.code);
}

void OAuthLogin::exchange(const QString &code)
{
    m_reply = postForm(*m_network, m_settings.endpoints.tokenEndpoint,
                       {{u"grant_type"_s, u"authorization_code"_s},
                        {u"code"_s, code},
                        {u"redirect_uri"_s, redirectUri().toString()},
                        {u"code_verifier"_s, m_secrets.verifier}},
                       m_settings);
    connect(m_reply, &QNetworkReply::finished, this, [this, reply = m_reply.data()] {
        reply->deleteLater();
        const QByteArray body = reply->readAll();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 0)
            return finish(u"cannot reach the token endpoint: %1"_s.arg(reply->errorString()));
        if (status != 200)
            return finish(
                u"the token endpoint refused the code: %1"_s.arg(TokenSet::errorOf(body)));
        auto tokens = TokenSet::parse(body, QDateTime::currentMSecsSinceEpoch());
        if (!tokens)
            return finish(tokens.error());
        finish({}, *tokens);
    });
}

void OAuthLogin::finish(const QString &failure, const TokenSet &tokens)
{
    if (m_finished)
        return;
    m_finished = true;
    m_timer->stop();
    m_listener->close();
    // The verifier has done its work; nothing of this attempt is kept.
    m_secrets = {};
    if (failure.isEmpty())
        Q_EMIT succeeded(tokens);
    else
        Q_EMIT failed(failure);
}

} // namespace fhir::app
