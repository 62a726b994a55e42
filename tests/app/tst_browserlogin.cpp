// The one end-to-end login with a real browser (issue 13): Debian's Chromium, headless,
// driven by puppeteer-core (tests/support/oidc-provider/browser-login.mjs), opens the URL the
// app's OAuthLogin hands to its BrowserOpener, logs in on the embedded server's own pages and
// approves; the redirect reaches the app's loopback listener, the app exchanges the code and
// calls the FHIR API with the token.

#include "app/fhirclient.h"
#include "app/oauth/oauthlogin.h"
#include "app/oauth/oauthsession.h"

#include "authfixture.h"
#include "embedded_server/httplistener.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

using namespace fhir;
using namespace fhir::app;
using namespace fhir::test;
using namespace Qt::StringLiterals;

class TestBrowserLogin : public QObject
{
    Q_OBJECT

    AuthFixture f;
    std::unique_ptr<server::HttpListener> m_listener;

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<TokenSet>();
        QVERIFY(f.setUp());
        m_listener = std::make_unique<server::HttpListener>(f.server.get());
        QVERIFY(m_listener->start(0));
        f.now = QDateTime::currentMSecsSinceEpoch();
    }
    void cleanupTestCase()
    {
        m_listener.reset();
        f.server.reset();
        f.dir.reset();
    }

    void logInWithChromium()
    {
        const QString base = m_listener->baseUrl();
        SmartConfiguration endpoints;
        endpoints.authorizationEndpoint = QUrl(base + u"/authorize"_s);
        endpoints.tokenEndpoint = QUrl(base + u"/token"_s);
        endpoints.revocationEndpoint = QUrl(base + u"/revoke"_s);
        endpoints.issuer = base;
        QProcess browser;
        browser.setProcessChannelMode(QProcess::SeparateChannels);
        OAuthLogin login({QUrl(base), endpoints, f.appId, {}, u"patient/*.rs launch/patient"_s},
                         [&](const QUrl &url) {
                             browser.start(
                                 QStringLiteral(FHIR_OIDC_NODE),
                                 {QStringLiteral(FHIR_OIDC_PROVIDER_DIR) + u"/browser-login.mjs"_s,
                                  url.toString(QUrl::FullyEncoded), u"alice"_s, kPassword});
                             return browser.waitForStarted(10000);
                         });
        QSignalSpy ok(&login, &OAuthLogin::succeeded);
        QSignalSpy failed(&login, &OAuthLogin::failed);
        login.start();
        // The login ends with the app's answer; a browser that gave up ends it too.
        const bool answered = QTest::qWaitFor(
            [&] {
                return !ok.isEmpty() || !failed.isEmpty()
                    || (browser.state() == QProcess::NotRunning
                        && browser.exitStatus() == QProcess::NormalExit && browser.exitCode() != 0);
            },
            120000);
        browser.waitForFinished(30000);
        const QByteArray said = browser.readAllStandardOutput() + browser.readAllStandardError();
        QVERIFY2(answered, said.constData());
        QVERIFY2(
            failed.isEmpty(),
            qPrintable(failed.value(0).value(0).toString() + u" / "_s + QString::fromUtf8(said)));
        const QJsonObject result = QJsonDocument::fromJson(said.split('\n').first()).object();
        QVERIFY2(result.value(u"ok"_s).toBool(), said.constData());
        // The browser ended on the app's own page, at its loopback listener.
        QVERIFY2(result.value(u"url"_s).toString().startsWith(login.redirectUri().toString()),
                 said.constData());

        const TokenSet tokens = ok.first().first().value<TokenSet>();
        QCOMPARE(tokens.patient, u"pa"_s);
        OAuthSession session({QUrl(base), endpoints, f.appId, {}, {}}, tokens);
        FhirClient client;
        Endpoint endpoint;
        endpoint.baseUrl = QUrl(base);
        client.setEndpoint(endpoint);
        client.setSession(&session);
        QSignalSpy finished(&client, &FhirClient::finished);
        client.send(ApiRequest{"GET", u"Patient/pa"_s, {}, {}, {}});
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.first().at(1).value<ApiResponse>().status, 200);
    }
};

QTEST_GUILESS_MAIN(TestBrowserLogin)
#include "tst_browserlogin.moc"
