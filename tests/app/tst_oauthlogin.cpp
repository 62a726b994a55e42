// The app's OAuth 2.0 login (app/oauth/) against the embedded authorization server on
// loopback: discovery, the system browser (its part played by the test over HTTP through the
// BrowserOpener hook), the app's redirect listener, the code exchange with PKCE, FHIR calls
// with the token, a silent refresh after a 401, logout, and what goes wrong.

#include "app/fhirclient.h"
#include "app/oauth/oauthlogin.h"
#include "app/oauth/oauthsession.h"

#include "authfixture.h"
#include "embedded_server/httplistener.h"

#include <QSignalSpy>
#include <QTest>
#include <QTimer>

using namespace fhir;
using namespace fhir::app;
using namespace fhir::test;
using namespace Qt::StringLiterals;

class TestOAuthLogin : public QObject
{
    Q_OBJECT

    AuthFixture f;
    std::unique_ptr<server::HttpListener> m_listener;
    QNetworkAccessManager m_manager;
    Send m_http;
    SmartConfiguration m_endpoints;

    OAuthClientSettings settings(const QString &scope) const
    {
        return {QUrl(m_listener->baseUrl()), m_endpoints, f.appId, {}, scope};
    }

    /// The browser: follows the authorization URL through the pages as `user`, then the
    /// redirect to the app's listener, as a browser would.
    OAuthLogin::BrowserOpener browser(const QString &user, bool approve = true)
    {
        return [this, user, approve](const QUrl &url) {
            QTimer::singleShot(0, this, [this, url, user, approve] {
                OAuthBrowser pages(m_http);
                const LoginResult login
                    = logIn(pages, QUrlQuery(url).queryItems(QUrl::FullyDecoded), user, kPassword,
                            {}, approve);
                const QByteArray location = login.last.header("Location");
                if (!location.isEmpty())
                    follow(QUrl(QString::fromLatin1(location)));
            });
            return true;
        };
    }

    void follow(const QUrl &url)
    {
        QNetworkReply *reply = m_manager.get(QNetworkRequest(url));
        connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
    }

    /// Logs in and waits for the tokens.
    TokenSet logInAs(const QString &user, const QString &scope)
    {
        OAuthLogin login(settings(scope), browser(user));
        QSignalSpy ok(&login, &OAuthLogin::succeeded);
        QSignalSpy failed(&login, &OAuthLogin::failed);
        login.start();
        if (!QTest::qWaitFor([&] { return !ok.isEmpty() || !failed.isEmpty(); }, 60000)
            || ok.isEmpty()) {
            qWarning() << "login failed:"
                       << (failed.isEmpty() ? QVariant() : failed.first().first());
            return {};
        }
        return ok.first().first().value<TokenSet>();
    }

    void useServer(FhirClient &client, OAuthSession &session) const
    {
        Endpoint endpoint;
        endpoint.baseUrl = QUrl(m_listener->baseUrl());
        client.setEndpoint(endpoint);
        client.setSession(&session);
    }

    ApiResponse get(FhirClient &client, const QString &path)
    {
        QSignalSpy finished(&client, &FhirClient::finished);
        client.send(ApiRequest{"GET", path, {}, {}, {}});
        if (!finished.wait(60000))
            return {};
        return finished.first().at(1).value<ApiResponse>();
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<TokenSet>();
        QVERIFY(f.setUp());
        m_listener = std::make_unique<server::HttpListener>(f.server.get());
        auto port = m_listener->start(0);
        QVERIFY(port);
        m_http = httpSend(m_manager, u"http://127.0.0.1:%1"_s.arg(*port));
        f.now = QDateTime::currentMSecsSinceEpoch();
        // Discovery, as the Authorize dialog does it.
        QNetworkReply *reply = m_manager.get(QNetworkRequest(
            SmartConfiguration::discoveryUrl(QUrl(m_listener->baseUrl() + u"/"_s))));
        QTRY_VERIFY(reply->isFinished());
        reply->deleteLater();
        auto discovered = SmartConfiguration::parse(reply->readAll());
        QVERIFY2(discovered, qPrintable(discovered ? QString() : discovered.error()));
        m_endpoints = *discovered;
        QCOMPARE(m_endpoints.tokenEndpoint.toString(), m_listener->baseUrl() + u"/token"_s);
    }
    void cleanupTestCase()
    {
        m_listener.reset();
        f.server.reset();
        f.dir.reset();
    }

    void discoveryRefusesAServerWithoutS256()
    {
        auto parsed = SmartConfiguration::parse(
            "{\"authorization_endpoint\":\"https://a.example/auth\",\"token_endpoint\":"
            "\"https://a.example/token\",\"code_challenge_methods_supported\":[\"plain\"]}");
        QVERIFY(!parsed);
        QVERIFY(parsed.error().contains(u"S256"_s));
        const QByteArray noAuthorize = "{\"token_endpoint\":\"https://a.example/t\"}";
        QVERIFY(!SmartConfiguration::parse(noAuthorize));
    }

    void freshSecretsEachAttempt()
    {
        const LoginSecrets a = LoginSecrets::generate();
        const LoginSecrets b = LoginSecrets::generate();
        QVERIFY(a.state != b.state && a.verifier != b.verifier);
        QVERIFY(a.state.size() >= 22); // ≥ 128 bits in base64url
        QCOMPARE(a.verifier.size(), 43);
        QCOMPARE(LoginSecrets::challengeOf(u"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"_s),
                 u"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"_s); // RFC 7636 App. B
    }

    void loginThenApiThenSilentRefresh()
    {
        QUrl opened;
        OAuthLogin login(settings(u"patient/*.rs launch/patient offline_access openid fhirUser"_s),
                         [&](const QUrl &url) {
                             opened = url;
                             return browser(u"alice"_s)(url);
                         });
        QSignalSpy ok(&login, &OAuthLogin::succeeded);
        QSignalSpy failed(&login, &OAuthLogin::failed);
        login.start();
        QVERIFY(QTest::qWaitFor([&] { return !ok.isEmpty() || !failed.isEmpty(); }, 60000));
        QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).toString()));
        // The authorization URL: PKCE S256, a state, the listener's loopback redirect.
        const QUrlQuery query(opened);
        QCOMPARE(query.queryItemValue(u"code_challenge_method"_s), u"S256"_s);
        QVERIFY(!query.queryItemValue(u"state"_s).isEmpty());
        QVERIFY(query.queryItemValue(u"redirect_uri"_s, QUrl::FullyDecoded)
                    .startsWith(u"http://127.0.0.1:"_s));
        const TokenSet tokens = ok.first().first().value<TokenSet>();
        QCOMPARE(tokens.patient, u"pa"_s);
        QVERIFY(!tokens.refreshToken.isEmpty());
        QVERIFY(tokens.expiresAtMs > QDateTime::currentMSecsSinceEpoch());

        OAuthSession session(settings(QString()), tokens);
        FhirClient client;
        useServer(client, session);
        QCOMPARE(get(client, u"Patient/pa"_s).status, 200);
        QCOMPARE(get(client, u"Patient/pb"_s).status, 404);

        // Two hours on, the access token is refused: one refresh, and the request goes again.
        QSignalSpy refreshed(&session, &OAuthSession::refreshed);
        f.now += 2 * 3600 * 1000;
        const ApiResponse again = get(client, u"Patient/pa"_s);
        QCOMPARE(again.status, 200);
        QCOMPARE(refreshed.size(), 1);
        QVERIFY(session.tokens().accessToken != tokens.accessToken);
        QVERIFY(session.tokens().refreshToken != tokens.refreshToken); // rotated
        QCOMPARE(session.tokens().patient, u"pa"_s);

        // Logout revokes: the server no longer takes the tokens.
        const QByteArray lastAccess = session.tokens().accessToken;
        QSignalSpy ended(&session, &OAuthSession::ended);
        session.logout();
        QVERIFY(ended.wait(30000));
        QVERIFY(!session.isActive());
        const server::Response after = m_http({"GET",
                                               server::FhirServer::basePath() + u"/Patient/pa"_s,
                                               {},
                                               {{"Authorization", "Bearer " + lastAccess}},
                                               {}});
        QCOMPARE(after.status, 401);
    }

    void refreshFailureIsSaid()
    {
        // The server forgets the grant (its user is removed): the refresh after the 401 must
        // fail, and the answer say so.
        QVERIFY(f.as().users().create(u"dora"_s, kPassword, u"Patient/pa"_s));
        const TokenSet tokens = logInAs(u"dora"_s, u"patient/*.rs launch/patient offline_access"_s);
        QVERIFY(!tokens.isEmpty());
        OAuthSession session(settings(QString()), tokens);
        FhirClient client;
        useServer(client, session);
        QCOMPARE(get(client, u"Patient/pa"_s).status, 200);
        QVERIFY(f.as().users().remove(u"dora"_s));
        QSignalSpy ended(&session, &OAuthSession::ended);
        const ApiResponse refused = get(client, u"Patient/pa"_s);
        QCOMPARE(refused.status, 401);
        QVERIFY2(refused.problem.contains(u"could not be refreshed"_s),
                 qPrintable(refused.problem));
        QCOMPARE(ended.size(), 1);
        QVERIFY(ended.first().first().toString().contains(u"invalid_grant"_s));
        QVERIFY(!session.isActive());
    }

    void deniedInTheBrowser()
    {
        OAuthLogin login(settings(u"patient/*.rs launch/patient"_s), browser(u"alice"_s, false));
        QSignalSpy failed(&login, &OAuthLogin::failed);
        login.start();
        QVERIFY(failed.wait(60000));
        QVERIFY(failed.first().first().toString().contains(u"cancelled or not allowed"_s));
    }

    void callbackWithAnotherStateIsNotUsed()
    {
        OAuthLogin *login = nullptr;
        OAuthLogin owned(settings(u"patient/*.rs launch/patient"_s), [&](const QUrl &) {
            // An attacker's page sends the browser to the redirect URI with its own code.
            QTimer::singleShot(0, this, [&] {
                QUrl callback = login->redirectUri();
                callback.setQuery(u"code=stolen&state=not-the-one"_s);
                follow(callback);
            });
            return true;
        });
        login = &owned;
        QSignalSpy failed(&owned, &OAuthLogin::failed);
        QSignalSpy ok(&owned, &OAuthLogin::succeeded);
        owned.start();
        QVERIFY(failed.wait(30000));
        QVERIFY(failed.first().first().toString().contains(u"state differs"_s));
        QVERIFY(ok.isEmpty());
    }

    void secondCallbackFindsNothing()
    {
        QUrl redirect;
        OAuthLogin login(settings(u"patient/*.rs launch/patient"_s), [&](const QUrl &url) {
            redirect = QUrl(QUrlQuery(url).queryItemValue(u"redirect_uri"_s, QUrl::FullyDecoded));
            return browser(u"alice"_s)(url);
        });
        QSignalSpy ok(&login, &OAuthLogin::succeeded);
        login.start();
        QVERIFY(ok.wait(60000));
        redirect.setQuery(u"code=again&state=again"_s);
        QNetworkReply *reply = m_manager.get(QNetworkRequest(redirect));
        QTRY_VERIFY(reply->isFinished());
        reply->deleteLater();
        QCOMPARE(reply->error(), QNetworkReply::ConnectionRefusedError);
    }

    void noBrowserSaysWhereToGo()
    {
        OAuthLogin login(settings(u"patient/*.rs"_s), [](const QUrl &) { return false; });
        QSignalSpy failed(&login, &OAuthLogin::failed);
        login.start();
        QCOMPARE(failed.size(), 1);
        QVERIFY(failed.first().first().toString().contains(
            m_endpoints.authorizationEndpoint.toString()));
    }
};

QTEST_GUILESS_MAIN(TestOAuthLogin)
#include "tst_oauthlogin.moc"
