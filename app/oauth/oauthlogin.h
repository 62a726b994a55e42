#pragma once

#include "pkce.h"
#include "redirectlistener.h"
#include "smartconfiguration.h"
#include "tokenset.h"

#include <QObject>
#include <QPointer>

#include <functional>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace fhir::app {

/// Who logs in where: an application registered with the server, and what it asks for.
struct OAuthClientSettings
{
    QUrl fhirBaseUrl; ///< the `aud` of the authorization request
    SmartConfiguration endpoints;
    QString clientId;
    QByteArray
        clientSecret; ///< a confidential client's; empty for a public one (from the keychain)
    QString scope; ///< space-separated
};

/// One login through the system browser (SMART App Launch standalone, RFC 8252 for native
/// apps): listens on 127.0.0.1 for the redirect, opens the authorization URL with a fresh PKCE
/// S256 verifier and a fresh `state`, checks the `state` of the first callback, and exchanges
/// the code at the token endpoint. Written on QNetworkAccessManager rather than QtNetworkAuth:
/// Qt 6.4's QOAuth2AuthorizationCodeFlow has no PKCE, and this way the listener's address,
/// its single callback and the state check are all in plain sight.
///
///     OAuthLogin login(settings, [](const QUrl &url) { return QDesktopServices::openUrl(url); });
///     connect(&login, &OAuthLogin::succeeded, this, &Session::adopt);
///     connect(&login, &OAuthLogin::failed, this, &Dialog::showError);
///     login.start();
class OAuthLogin : public QObject
{
    Q_OBJECT

public:
    /// Opens a URL in the user's browser; false when none could be opened.
    using BrowserOpener = std::function<bool(const QUrl &)>;

    OAuthLogin(OAuthClientSettings settings, BrowserOpener openBrowser, QObject *parent = nullptr);
    ~OAuthLogin() override;

    /// Begins; succeeded() or failed() follows, exactly once, unless cancel() comes first.
    void start();
    void cancel();
    /// How long the user has to log in before failed(); 10 minutes by default.
    void setTimeout(int milliseconds) { m_timeoutMs = milliseconds; }

    /// The authorization URL this attempt opened (for the dialog to show, and tests).
    QUrl authorizationUrl() const { return m_authorizationUrl; }
    QUrl redirectUri() const;

Q_SIGNALS:
    void succeeded(const fhir::app::TokenSet &tokens);
    void failed(const QString &message);

private:
    void onCallback(const AuthorizationCallback &callback);
    void exchange(const QString &code);
    void finish(const QString &failure, const TokenSet &tokens = {});

    OAuthClientSettings m_settings;
    BrowserOpener m_openBrowser;
    RedirectListener *m_listener; // owned (QObject child)
    QNetworkAccessManager *m_network; // owned (QObject child)
    QTimer *m_timer; // owned (QObject child)
    QPointer<QNetworkReply> m_reply;
    LoginSecrets m_secrets;
    QUrl m_authorizationUrl;
    int m_timeoutMs = 10 * 60 * 1000;
    bool m_finished = false;
};

/// Posts a form to a token, revocation or introspection endpoint, with the client's
/// credentials: HTTP Basic for a confidential client (RFC 6749 §2.3.1), client_id in the form
/// for a public one.
QNetworkReply *postForm(QNetworkAccessManager &network, const QUrl &url,
                        QList<QPair<QString, QString>> items, const OAuthClientSettings &client);

} // namespace fhir::app
