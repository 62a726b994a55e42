// The OAuth 2.0 code flow over real HTTP on loopback, as a native app does it (RFC 8252): the
// app listens on 127.0.0.1 on a port of its own, the test plays the browser through the
// embedded server's HTTP listener (login page, form posts, consent), follows the redirect to
// the app's listener, and the app exchanges the code, calls the FHIR API with the token,
// refreshes, introspects and revokes.

#include "authfixture.h"

#include "embedded_server/httplistener.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using namespace fhir::server;
using namespace fhir::test;
using namespace Qt::StringLiterals;

namespace {

/// The native app's redirect listener: takes one request, remembers its target, answers a
/// small page.
class RedirectListener : public QObject
{
public:
    RedirectListener()
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            QTcpSocket *socket = m_server.nextPendingConnection();
            connect(socket, &QTcpSocket::readyRead, socket, [this, socket] {
                m_received += socket->readAll();
                if (!m_received.contains("\r\n\r\n"))
                    return;
                socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 11\r\n"
                              "Connection: close\r\n\r\nLogged in.\n");
                socket->disconnectFromHost();
                m_server.close(); // the first callback only
            });
        });
    }
    quint16 port() const { return m_server.serverPort(); }
    /// "/callback?code=...&state=..." of the request line.
    QByteArray target() const
    {
        const QList<QByteArray> line = m_received.split('\r').first().split(' ');
        return line.size() >= 2 ? line[1] : QByteArray();
    }

private:
    QTcpServer m_server;
    QByteArray m_received;
};

} // namespace

class TestOAuthLoopback : public QObject
{
    Q_OBJECT

    AuthFixture f;
    std::unique_ptr<HttpListener> m_listener;
    QNetworkAccessManager m_manager;
    Send m_http;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(f.setUp());
        m_listener = std::make_unique<HttpListener>(f.server.get());
        auto port = m_listener->start(0);
        QVERIFY2(port, qPrintable(port ? QString() : port.error()));
        m_http = httpSend(m_manager, u"http://127.0.0.1:%1"_s.arg(*port));
        f.now = QDateTime::currentMSecsSinceEpoch();
    }
    void cleanupTestCase()
    {
        m_listener.reset();
        f.server.reset();
        f.dir.reset();
    }

    void wholeFlowOverHttp()
    {
        RedirectListener app;
        QVERIFY(app.port() != 0);
        OAuthBrowser browser(m_http);
        AuthorizeRequest request
            = f.appRequest(u"patient/*.rs openid fhirUser launch/patient offline_access"_s);
        request.redirectUri = u"http://127.0.0.1:%1/callback"_s.arg(app.port());
        const LoginResult login = logIn(browser, request, u"bob"_s, kPassword, u"pb"_s);
        QCOMPARE(login.last.status, 303);
        const QByteArray location = login.last.header("Location");
        QVERIFY2(location.startsWith(QByteArray(request.redirectUri.toLatin1() + '?')),
                 location.constData());

        // The browser follows the redirect to the app's listener.
        QNetworkReply *reply = m_manager.get(QNetworkRequest(QUrl(QString::fromLatin1(location))));
        QTRY_VERIFY(reply->isFinished());
        reply->deleteLater();
        const QByteArray target = app.target();
        QVERIFY(target.startsWith("/callback?"));
        QCOMPARE(queryValue("http://app" + target, u"state"_s), request.state);
        const QString code = queryValue("http://app" + target, u"code"_s);
        QVERIFY(!code.isEmpty());

        // The app exchanges the code and calls the API.
        const TokenReply tokens = tokenCall(m_http,
                                            {{u"grant_type"_s, u"authorization_code"_s},
                                             {u"code"_s, code},
                                             {u"redirect_uri"_s, request.redirectUri},
                                             {u"client_id"_s, f.appId},
                                             {u"code_verifier"_s, request.pkce.verifier}});
        QVERIFY2(tokens.status == 200, tokens.response.body.constData());
        QCOMPARE(tokens.response.header("Cache-Control"), QByteArray("no-store"));
        QCOMPARE(tokens.text("patient"), u"pb"_s);
        const QByteArray bearer = "Bearer " + tokens.text("access_token").toLatin1();
        Response read = m_http({"GET",
                                FhirServer::basePath() + u"/Patient/pb"_s,
                                {},
                                {{"Authorization", bearer}},
                                {}});
        QCOMPARE(read.status, 200);
        Response other = m_http({"GET",
                                 FhirServer::basePath() + u"/Patient/pa"_s,
                                 {},
                                 {{"Authorization", bearer}},
                                 {}});
        QCOMPARE(other.status, 404);

        // Refresh, introspect, revoke.
        const TokenReply refreshed = tokenCall(m_http,
                                               {{u"grant_type"_s, u"refresh_token"_s},
                                                {u"refresh_token"_s, tokens.text("refresh_token")},
                                                {u"client_id"_s, f.appId}});
        QCOMPARE(refreshed.status, 200);
        const QString access = refreshed.text("access_token");
        auto form = [&](const QString &endpoint, const form::Items &items) {
            return m_http({"POST",
                           FhirServer::basePath() + u'/' + endpoint,
                           {},
                           {{"Content-Type", "application/x-www-form-urlencoded"}},
                           form::encode(items)});
        };
        Response introspected
            = form(u"introspect"_s, {{u"token"_s, access}, {u"client_id"_s, f.appId}});
        QCOMPARE(introspected.status, 200);
        QCOMPARE(parseJson(introspected.body).value("active", false), true);
        QCOMPARE(form(u"revoke"_s, {{u"token"_s, access}, {u"client_id"_s, f.appId}}).status, 200);
        introspected = form(u"introspect"_s, {{u"token"_s, access}, {u"client_id"_s, f.appId}});
        QCOMPARE(parseJson(introspected.body).value("active", true), false);
        read = m_http({"GET",
                       FhirServer::basePath() + u"/Patient/pb"_s,
                       {},
                       {{"Authorization", "Bearer " + access.toLatin1()}},
                       {}});
        QCOMPARE(read.status, 401);
        QVERIFY(read.header("WWW-Authenticate").contains("invalid_token"));
    }

    void authorizeQueryIsReadAsAForm()
    {
        // OAuth libraries write the spaces of the scope as '+': every scope must be granted.
        Send plus = httpSend(m_manager, u"http://127.0.0.1:%1"_s.arg(m_listener->port()), true);
        OAuthBrowser browser(plus);
        const AuthorizeRequest request
            = f.appRequest(u"patient/Observation.rs patient/Condition.rs launch/patient"_s);
        const LoginResult login = logIn(browser, request, u"alice"_s, kPassword);
        QVERIFY2(!login.code.isEmpty(), login.last.body.left(300).constData());
        const TokenReply tokens = tokenCall(m_http,
                                            {{u"grant_type"_s, u"authorization_code"_s},
                                             {u"code"_s, login.code},
                                             {u"redirect_uri"_s, request.redirectUri},
                                             {u"client_id"_s, f.appId},
                                             {u"code_verifier"_s, request.pkce.verifier}});
        const QStringList granted = tokens.text("scope").split(u' ');
        QVERIFY2(granted.contains(u"patient/Observation.rs"_s), qPrintable(tokens.text("scope")));
        QVERIFY(granted.contains(u"patient/Condition.rs"_s));
        QCOMPARE(tokens.text("patient"), u"pa"_s);
    }
};

QTEST_GUILESS_MAIN(TestOAuthLoopback)
#include "tst_oauthloopback.moc"
