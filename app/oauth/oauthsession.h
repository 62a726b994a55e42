#pragma once

#include "oauthlogin.h"
#include "tokenset.h"

#include <QObject>
#include <QPointer>

#include <functional>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace fhir::app {

/// A logged-in session: the tokens, kept fresh. Refreshes a minute before the access token
/// expires (or at once when asked, after a 401) with the refresh token, taking the rotated
/// one; logout() revokes (RFC 7009) and forgets. Without a refresh token a session ends when
/// its access token does.
///
///     OAuthSession session(settings, tokens);
///     request.setRawHeader("Authorization", session.authorization());
///     connect(&session, &OAuthSession::ended, this, &Window::askToLogInAgain);
class OAuthSession : public QObject
{
    Q_OBJECT

public:
    /// How long before expiry the refresh happens.
    static constexpr qint64 kRefreshMarginMs = 60 * 1000;

    OAuthSession(OAuthClientSettings client, TokenSet tokens, std::function<qint64()> clock = {},
                 QObject *parent = nullptr);
    ~OAuthSession() override;

    const TokenSet &tokens() const { return m_tokens; }
    const OAuthClientSettings &client() const { return m_client; }
    bool isActive() const { return !m_tokens.isEmpty(); }
    /// "Bearer <access token>", or empty once the session has ended.
    QByteArray authorization() const;

    /// Refreshes now; refreshed() or ended() follows. A refresh already running is joined.
    void refresh();
    bool isRefreshing() const { return m_reply != nullptr; }
    /// Revokes the refresh token (and so its grant) at the server when it has a revocation
    /// endpoint, then forgets every token; ended() follows.
    void logout();

Q_SIGNALS:
    /// New tokens (the refresh token rotated): store them in place of the old ones.
    void refreshed(const fhir::app::TokenSet &tokens);
    /// The session is over: logged out, or the refresh failed (`reason` says why).
    void ended(const QString &reason);

private:
    void schedule();
    void end(const QString &reason);
    qint64 now() const;

    OAuthClientSettings m_client;
    TokenSet m_tokens;
    std::function<qint64()> m_clock;
    QNetworkAccessManager *m_network; // owned (QObject child)
    QTimer *m_timer; // owned (QObject child)
    QPointer<QNetworkReply> m_reply;
};

} // namespace fhir::app
