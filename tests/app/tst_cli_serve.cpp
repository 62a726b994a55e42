// The real fhir-portal binary in a terminal: `serve` prints its URL and a key, serves, stops
// cleanly on SIGTERM or SIGINT and keeps its data; `import` loads files and says what it could
// not. FHIR_PORTAL_BINARY is the built executable.

#include "embedded_server/fhirserver.h"

#include "embedded_server/auth/oauthbrowser.h"
#include "httptestclient.h"
#include "servertestsupport.h"
#include "testmodel.h"

#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <csignal>

using namespace fhir::server;
using namespace Qt::StringLiterals;
using Json = nlohmann::json;

namespace {

constexpr int kTimeoutMs = 60'000; // generous: a loaded machine under ASan is slow

Json putEntry(const QByteArray &resource)
{
    const Json r = Json::parse(resource.toStdString());
    const std::string url = "Patient/" + r["id"].get<std::string>();
    return {{"resource", r}, {"request", {{"method", "PUT"}, {"url", url}}}};
}

QByteArray transaction(const std::vector<Json> &entries)
{
    return QByteArray::fromStdString(
        Json{{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", entries}}.dump());
}

/// A running `fhir-portal serve`, with what it printed.
class ServeProcess
{
public:
    explicit ServeProcess(const QStringList &arguments)
    {
        m_process.setProgram(QStringLiteral(FHIR_PORTAL_BINARY));
        m_process.setArguments(QStringList{u"serve"_s} + arguments);
        m_process.start();
    }
    ~ServeProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }

    /// Waits until the banner is out; false when the process ended first.
    bool waitUntilServing()
    {
        QElapsedTimer timer;
        timer.start();
        while (!out().contains("Stop with Ctrl+C.") && timer.elapsed() < kTimeoutMs) {
            if (m_process.state() == QProcess::NotRunning)
                return false;
            m_process.waitForReadyRead(200);
        }
        return out().contains("Stop with Ctrl+C.");
    }
    /// Waits until standard output holds `text`.
    bool waitForOutput(const QByteArray &text)
    {
        QElapsedTimer timer;
        timer.start();
        while (!out().contains(text) && timer.elapsed() < kTimeoutMs
               && m_process.state() != QProcess::NotRunning)
            m_process.waitForReadyRead(200);
        return out().contains(text);
    }

    /// Sends `signal` and waits for the exit; the exit code, or -1 on a crash or hang.
    int stop(int signal)
    {
        ::kill(pid_t(m_process.processId()), signal);
        if (!m_process.waitForFinished(kTimeoutMs)
            || m_process.exitStatus() != QProcess::NormalExit)
            return -1;
        out();
        return m_process.exitCode();
    }
    int waitForExit()
    {
        if (!m_process.waitForFinished(kTimeoutMs)
            || m_process.exitStatus() != QProcess::NormalExit)
            return -1;
        out();
        return m_process.exitCode();
    }

    const QByteArray &out()
    {
        m_out += m_process.readAllStandardOutput();
        m_err += m_process.readAllStandardError();
        return m_out;
    }
    const QByteArray &err()
    {
        out();
        return m_err;
    }

    QString url() { return capture(u"^FHIR R4 server: (\\S+)$"_s); }
    QByteArray newKey()
    {
        return capture(u"^API key \\(new, shown only this once\\): (\\S+)$"_s).toLatin1();
    }

private:
    QString capture(const QString &pattern)
    {
        const QRegularExpression re(pattern, QRegularExpression::MultilineOption);
        return re.match(QString::fromLocal8Bit(out())).captured(1);
    }

    QProcess m_process;
    QByteArray m_out;
    QByteArray m_err;
};

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runBinary(const QStringList &arguments, const QByteArray &input = {})
{
    QProcess process;
    process.start(QStringLiteral(FHIR_PORTAL_BINARY), arguments);
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(kTimeoutMs) || process.exitStatus() != QProcess::NormalExit)
        return {};
    return {process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
}

} // namespace

class TestCliServe : public QObject
{
    Q_OBJECT

    std::shared_ptr<const fhir::schema::Model> m_model;
    std::unique_ptr<QTemporaryDir> m_dir;

    QString data() const { return m_dir->filePath(u"data"_s); }

    QString write(const QString &name, const QByteArray &content)
    {
        return writeTestFile(m_dir->filePath(name), content);
    }

    qint64 patients() { return searchTotal(m_model, data(), u"/Patient"_s); }

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }
    void init() { m_dir = std::make_unique<QTemporaryDir>(); }
    void cleanup() { m_dir.reset(); }

    void serveStopsCleanlyAndKeepsData_data()
    {
        QTest::addColumn<int>("signal");
        QTest::newRow("SIGTERM") << int(SIGTERM);
        QTest::newRow("SIGINT (Ctrl+C)") << int(SIGINT);
    }
    void serveStopsCleanlyAndKeepsData()
    {
        QFETCH(int, signal);
        QNetworkAccessManager nam;
        QByteArray key;
        {
            ServeProcess serve({u"--port"_s, u"0"_s, u"--data"_s, data()});
            QVERIFY2(serve.waitUntilServing(), serve.err().constData());
            const QString url = serve.url();
            key = serve.newKey();
            QVERIFY2(url.startsWith(u"http://127.0.0.1:"_s), serve.out().constData());
            QVERIFY2(key.startsWith("fpk_"), serve.out().constData());
            QVERIFY(serve.out().contains(QByteArray("Data folder: " + data().toLocal8Bit())));
            QCOMPARE(sendHttp(nam, "PUT", url + u"/Patient/p1"_s, key, testPatient("p1")).status,
                     201);
            QCOMPARE(sendHttp(nam, "GET", url + u"/Patient/p1"_s, {}).status, 401);
            QCOMPARE(sendHttp(nam, "GET", url + u"/Patient/p1"_s, key).status, 200);
            QVERIFY(serve.waitForOutput("GET /fhir/r4/Patient/p1 200"));
            QVERIFY(serve.out().contains("PUT /fhir/r4/Patient/p1 201"));
            QVERIFY(serve.out().contains("GET /fhir/r4/Patient/p1 401"));
            QCOMPARE(serve.stop(signal), 0);
            QVERIFY(!serve.err().contains(key.mid(17)));
        }
        QCOMPARE(patients(), 1);
    }

    // Later starts list the keys by their hints, never their secrets, and make a new key only
    // when asked; the old keys still work.
    void laterStartsListKeys()
    {
        QByteArray key;
        {
            ServeProcess first({u"--data"_s, data()});
            QVERIFY(first.waitUntilServing());
            key = first.newKey();
            QCOMPARE(first.stop(SIGTERM), 0);
        }
        ServeProcess again({u"--data"_s, data(), u"--new-key"_s});
        QVERIFY2(again.waitUntilServing(), again.err().constData());
        QVERIFY(again.out().contains(QByteArray("  " + key.left(16) + "... \"serve\"")));
        QVERIFY(!again.out().contains(key.mid(17)));
        const QByteArray newKey = again.newKey();
        QVERIFY2(newKey.startsWith("fpk_") && newKey != key, again.out().constData());
        QNetworkAccessManager nam;
        QCOMPARE(sendHttp(nam, "GET", again.url() + u"/Patient"_s, key).status, 200);
        QCOMPARE(sendHttp(nam, "GET", again.url() + u"/Patient"_s, newKey).status, 200);
        QCOMPARE(again.stop(SIGTERM), 0);
    }

    // The issue's newcomer: users and applications from the command line, serve --oauth-only,
    // a login through the pages over HTTP, then the API with the token.
    void oauthFromTheCommandLine()
    {
        const QString bundle
            = write(u"pa.json"_s,
                    transaction({putEntry(R"({"resourceType":"Patient","id":"pa"})"),
                                 putEntry(R"({"resourceType":"Patient","id":"pb"})")}));
        QCOMPARE(runBinary({u"import"_s, bundle, u"--data"_s, data()}).exitCode, 0);
        const Run user = runBinary(
            {u"auth"_s, u"add-user"_s, u"alice"_s, u"--patient"_s, u"pa"_s, u"--data"_s, data()},
            "correct horse\n");
        QVERIFY2(user.exitCode == 0, user.err.constData());
        QVERIFY(user.out.contains("Added user alice, who is Patient/pa"));
        QVERIFY(!user.out.contains("correct horse"));
        const Run client = runBinary({u"auth"_s, u"add-client"_s, u"My app"_s, u"--redirect-uri"_s,
                                      u"http://127.0.0.1/callback"_s, u"--scopes"_s,
                                      u"patient/*.rs launch/patient"_s, u"--data"_s, data()});
        QVERIFY2(client.exitCode == 0, client.err.constData());
        const QRegularExpression idLine(u"client_id: (fpc_[0-9a-f]{16})"_s);
        const QString clientId = idLine.match(QString::fromUtf8(client.out)).captured(1);
        QVERIFY2(!clientId.isEmpty(), client.out.constData());
        QVERIFY(!client.out.contains("client_secret")); // public: no secret
        const Run list = runBinary({u"auth"_s, u"list"_s, u"--data"_s, data()});
        QCOMPARE(list.exitCode, 0);
        QVERIFY(list.out.contains("alice (Patient/pa)"));
        QVERIFY(list.out.contains(QByteArray(clientId.toLatin1() + " \"My app\", public")));
        const Run confidential
            = runBinary({u"auth"_s, u"add-client"_s, u"Backend"_s, u"--client-credentials"_s,
                         u"--scopes"_s, u"system/*.rs"_s, u"--data"_s, data()});
        QVERIFY2(confidential.out.contains("client_secret (shown only this once): fcs_"),
                 confidential.out.constData());
        QVERIFY(runBinary({u"auth"_s, u"remove-user"_s, u"nobody"_s, u"--data"_s, data()}).exitCode
                == 1);

        ServeProcess serve({u"--data"_s, data(), u"--oauth-only"_s});
        QVERIFY2(serve.waitUntilServing(), serve.err().constData());
        const QString url = serve.url();
        QVERIFY2(serve.out().contains(
                     QString(u"OAuth 2.0 / SMART: "_s + url + u"/.well-known/smart-configuration"_s)
                         .toUtf8()),
                 serve.out().constData());
        QVERIFY(serve.newKey().isEmpty()); // no API keys
        QNetworkAccessManager nam;
        const auto refused = sendHttp(nam, "GET", url + u"/Patient/pa"_s, {});
        QCOMPARE(refused.status, 401);

        const QString origin = url.left(url.indexOf(u"/fhir/r4"_s));
        fhir::test::Send http = fhir::test::httpSend(nam, origin);
        fhir::test::OAuthBrowser browser(http);
        fhir::test::AuthorizeRequest request;
        request.clientId = clientId;
        request.redirectUri = u"http://127.0.0.1:9/callback"_s;
        request.scope = u"patient/*.rs launch/patient"_s;
        request.aud = url;
        const auto login = fhir::test::logIn(browser, request, u"alice"_s, u"correct horse"_s);
        QVERIFY2(!login.code.isEmpty(), login.last.body.left(300).constData());
        const auto tokens = fhir::test::tokenCall(http,
                                                  {{u"grant_type"_s, u"authorization_code"_s},
                                                   {u"code"_s, login.code},
                                                   {u"redirect_uri"_s, request.redirectUri},
                                                   {u"client_id"_s, clientId},
                                                   {u"code_verifier"_s, request.pkce.verifier}});
        QCOMPARE(tokens.status, 200);
        const QByteArray bearer = "Bearer " + tokens.text("access_token").toLatin1();
        const fhir::server::Response read = http({"GET",
                                                  FhirServer::basePath() + u"/Patient/pa"_s,
                                                  {},
                                                  {{"Authorization", bearer}},
                                                  {}});
        QCOMPARE(read.status, 200);
        const fhir::server::Response other = http({"GET",
                                                   FhirServer::basePath() + u"/Patient/pb"_s,
                                                   {},
                                                   {{"Authorization", bearer}},
                                                   {}});
        QCOMPARE(other.status, 404);
        QCOMPARE(serve.stop(SIGTERM), 0);
    }

    void noAuthIsExplicit()
    {
        ServeProcess serve({u"--data"_s, data(), u"--no-auth"_s});
        QVERIFY(serve.waitUntilServing());
        QVERIFY(serve.out().contains("Authentication: none (--no-auth)"));
        QVERIFY(serve.newKey().isEmpty());
        QNetworkAccessManager nam;
        QCOMPARE(sendHttp(nam, "GET", serve.url() + u"/Patient"_s, {}).status, 200);
        QCOMPARE(serve.stop(SIGTERM), 0);
    }

    // A web app on an origin the owner named may call the server from a browser: its
    // preflight is answered without a key; another origin's is refused (SECURITY.md).
    void corsOriginFromTheCommandLine()
    {
        ServeProcess serve(
            {u"--data"_s, data(), u"--no-auth"_s, u"--cors-origin"_s, u"http://localhost:3000"_s});
        QVERIFY(serve.waitUntilServing());
        QVERIFY(serve.out().contains("Cross-origin requests allowed from: http://localhost:3000"));
        QNetworkAccessManager nam;
        auto preflight = [&](const QByteArray &origin) {
            QNetworkRequest request{QUrl(serve.url() + u"/Patient"_s)};
            request.setRawHeader("Origin", origin);
            request.setRawHeader("Access-Control-Request-Method", "POST");
            request.setRawHeader("Access-Control-Request-Headers", "content-type");
            QNetworkReply *reply = nam.sendCustomRequest(request, "OPTIONS");
            QEventLoop loop;
            QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
            loop.exec();
            reply->deleteLater();
            return std::pair{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                             reply->rawHeader("Access-Control-Allow-Origin")};
        };
        const auto allowed = preflight("http://localhost:3000");
        QCOMPARE(allowed.first, 204);
        QCOMPARE(allowed.second, QByteArray("http://localhost:3000"));
        const auto refused = preflight("http://evil.example");
        QCOMPARE(refused.first, 403);
        QVERIFY(refused.second.isEmpty());
        QCOMPARE(serve.stop(SIGTERM), 0);
    }

    void seedsAnEmptyStoreOnly()
    {
        {
            ServeProcess serve({u"--data"_s, data(), u"--seed-patients"_s, u"1"_s});
            QVERIFY2(serve.waitUntilServing(), serve.err().constData());
            QVERIFY2(serve.err().contains("loaded 1 synthetic patients"), serve.err().constData());
            QCOMPARE(serve.stop(SIGTERM), 0);
        }
        QCOMPARE(patients(), 1);
        ServeProcess again({u"--data"_s, data(), u"--seed-patients"_s, u"1"_s});
        QVERIFY(again.waitUntilServing());
        QVERIFY(again.err().contains("the store already holds data"));
        QVERIFY(again.newKey().isEmpty()); // a later start makes no key unless asked
        QVERIFY(again.out().contains("API keys (their secrets were shown when they were made"));
        QCOMPARE(again.stop(SIGTERM), 0);
        QCOMPARE(patients(), 1);
    }

    void portInUse()
    {
        QTcpServer occupier;
        QVERIFY(occupier.listen(QHostAddress::LocalHost));
        const QString port = QString::number(occupier.serverPort());
        const Run run = runBinary({u"serve"_s, u"--port"_s, port, u"--data"_s, data()});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QByteArray("fhir-portal serve: cannot listen on 127.0.0.1:"
                                             + port.toLatin1())),
                 run.err.constData());
    }

    void unusableDataFolder()
    {
        const QString file = write(u"a-file"_s, "not a folder");
        const Run run = runBinary({u"serve"_s, u"--data"_s, file});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("cannot use the data folder"), run.err.constData());
    }

    void importGoodBundle()
    {
        const QString path = write(
            u"good.json"_s, transaction({putEntry(testPatient("a")), putEntry(testPatient("b"))}));
        const Run run = runBinary({u"import"_s, path, u"--data"_s, data()});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.out, QByteArray("good.json: 2 loaded\n"));
        QCOMPARE(patients(), 2);
    }

    void importBrokenTransactionChangesNothing()
    {
        const QString path
            = write(u"broken.json"_s,
                    transaction({putEntry(testPatient("a")), putEntry(testPatient("b", "robot"))}));
        const Run run = runBinary({u"import"_s, u"--data"_s, data(), path});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.out.startsWith("broken.json: not loaded: the transaction was refused"),
                 run.out.constData());
        QVERIFY2(run.out.contains("entry 1 (PUT Patient/b)"), run.out.constData());
        QCOMPARE(patients(), 0);
    }

    void importNdjsonWithABadLine()
    {
        const QString path = write(u"patients.ndjson"_s,
                                   testPatient("a") + "\n{oops\n" + testPatient("b") + '\n'
                                       + testPatient("c", "robot") + '\n');
        const QString good = write(u"one.json"_s, testPatient("d"));
        const Run run = runBinary({u"import"_s, path, good, u"--data"_s, data()});
        QCOMPARE(run.exitCode, 1);
        const QList<QByteArray> lines = run.out.split('\n');
        QCOMPARE(lines.value(0), QByteArray("patients.ndjson: 2 loaded, 2 not loaded"));
        QVERIFY2(lines.value(1).startsWith("  line 2: not valid JSON"), run.out.constData());
        QVERIFY2(lines.value(2).startsWith("  line 4: Patient.gender"), run.out.constData());
        QCOMPARE(lines.value(3), QByteArray("one.json: 1 loaded"));
        QCOMPARE(patients(), 3);
    }
};

QTEST_GUILESS_MAIN(TestCliServe)
#include "tst_cli_serve.moc"
