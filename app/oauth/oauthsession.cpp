#include "oauthsession.h"

#include <QDateTime>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace fhir::app {

OAuthSession::OAuthSession(OAuthClientSettings client, TokenSet tokens,
                           std::function<qint64()> clock, QObject *parent)
    : QObject(parent)
    , m_client(std::move(client))
    , m_tokens(std::move(tokens))
    , m_clock(std::move(clock))
    , m_network(new QNetworkAccessManager(this))
    , m_timer(new QTimer(this))
{
    m_timer->setSingleShot(true);
    connect(m_timer, &QTimer::timeout, this, [this] {
        if (m_tokens.refreshToken.isEmpty())
            end(u"the access token has expired and there is no refresh token: log in again"_s);
        else
            refresh();
    });
    schedule();
}

OAuthSession::~OAuthSession()
{
    if (m_reply)
        m_reply->abort();
}

qint64 OAuthSession::now() const
{
    return m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch();
}

QByteArray OAuthSession::authorization() const
{
    return m_tokens.isEmpty() ? QByteArray() : "Bearer " + m_tokens.accessToken;
}

void OAuthSession::schedule()
{
    m_timer->stop();
    if (m_tokens.isEmpty() || m_tokens.expiresAtMs <= 0)
        return;
    const qint64 wait = std::max<qint64>(0, m_tokens.expiresAtMs - kRefreshMarginMs - now());
    m_timer->start(int(std::min<qint64>(wait, std::numeric_limits<int>::max())));
}

void OAuthSession::refresh()
{
    if (m_reply)
        return;
    if (m_tokens.refreshToken.isEmpty())
        return end(u"the access token was refused and there is no refresh token: log in again"_s);
    m_reply = postForm(*m_network, m_client.endpoints.tokenEndpoint,
                       {{u"grant_type"_s, u"refresh_token"_s},
                        {u"refresh_token"_s, QString::fromLatin1(m_tokens.refreshToken)}},
                       m_client);
    connect(m_reply, &QNetworkReply::finished, this, [this, reply = m_reply.data()] {
        reply->deleteLater();
        m_reply = nullptr;
        const QByteArray body = reply->readAll();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 0)
            return end(u"cannot reach the token endpoint to refresh the login: %1"_s.arg(
                reply->errorString()));
        if (status != 200)
            return end(u"the login could not be refreshed (%1): log in again"_s.arg(
                TokenSet::errorOf(body)));
        auto fresh = TokenSet::parse(body, now());
        if (!fresh)
            return end(fresh.error());
        // A server that does not rotate keeps the old refresh token valid; the patient in
        // context stays what it was when the refresh does not repeat it.
        if (fresh->refreshToken.isEmpty())
            fresh.value().refreshToken = m_tokens.refreshToken;
        if (fresh->patient.isEmpty())
            fresh.value().patient = m_tokens.patient;
        m_tokens = std::move(fresh).value();
        schedule();
        Q_EMIT refreshed(m_tokens);
    });
}

void OAuthSession::logout()
{
    const QByteArray token
        = m_tokens.refreshToken.isEmpty() ? m_tokens.accessToken : m_tokens.refreshToken;
    const QUrl revocation = m_client.endpoints.revocationEndpoint;
    if (m_reply)
        m_reply->abort();
    if (!token.isEmpty() && revocation.isValid()) {
        QNetworkReply *reply = postForm(*m_network, revocation,
                                        {{u"token"_s, QString::fromLatin1(token)}}, m_client);
        // Forgotten at once whatever the server says; the answer only ends the session.
        m_tokens = {};
        m_timer->stop();
        connect(reply, &QNetworkReply::finished, this, [this, reply] {
            reply->deleteLater();
            end(u"logged out"_s);
        });
        return;
    }
    end(u"logged out"_s);
}

void OAuthSession::end(const QString &reason)
{
    m_tokens = {};
    m_timer->stop();
    Q_EMIT ended(reason);
}

} // namespace fhir::app
