// The FHIR client against a real embedded server on loopback, and against raw sockets that
// misbehave the ways real servers do: refuse, stall, answer HTML, demand credentials, or
// speak plain HTTP where TLS was expected.

#include "app/fhirclient.h"
#include "embedded_server/auth/apikeys.h"
#include "embedded_server/fhirserver.h"
#include "embedded_server/httplistener.h"

#include "testmodel.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace fhir;
using namespace fhir::app;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(fhir::app::ApiResponse::Failure)

namespace {

/// A socket server that records what it receives and answers with fixed bytes (or never).
class CannedServer : public QTcpServer
{
public:
    /// With `atOnce`, answers the first bytes received (a TLS ClientHello has no blank line).
    explicit CannedServer(QByteArray answer, bool atOnce = false)
        : m_answer(std::move(answer))
    {
        listen(QHostAddress::LocalHost, 0);
        connect(this, &QTcpServer::newConnection, this, [this, atOnce] {
            while (QTcpSocket *socket = nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket, atOnce] {
                    received += socket->readAll();
                    if (!m_answer.isEmpty() && (atOnce || received.contains("\r\n\r\n"))) {
                        socket->write(m_answer);
                        socket->disconnectFromHost();
                    }
                });
            }
        });
    }
    QByteArray received;

private:
    QByteArray m_answer;
};

} // namespace

class TestFhirClient : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<server::FhirServer> m_server;
    std::unique_ptr<server::HttpListener> m_listener;
    QByteArray m_apiKey; // the server requires one, as a deployment does

    Endpoint embedded() const
    {
        Endpoint e;
        e.deploymentId = u"test"_s;
        e.name = u"Embedded"_s;
        e.baseUrl = QUrl(m_listener->baseUrl());
        e.isEmbedded = true;
        e.apiKey = m_apiKey;
        return e;
    }

    static ApiResponse run(FhirClient &client, const ApiRequest &request)
    {
        QSignalSpy spy(&client, &FhirClient::finished);
        client.send(request);
        if (spy.isEmpty() && !spy.wait(20000))
            qFatal("no answer");
        return spy.first().at(1).value<ApiResponse>();
    }

    static ApiRequest get(const QString &path)
    {
        ApiRequest r;
        r.path = path;
        return r;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        auto server = server::FhirServer::open(loadTestModel(), m_dir->path());
        QVERIFY2(server, qPrintable(server.error()));
        m_server = std::move(server).value();
        auto key = server::ApiKeyStore(m_server->store()).create(u"tst_fhirclient"_s);
        QVERIFY2(key, qPrintable(key.error()));
        m_apiKey = key->secret.toUtf8();
        m_listener = std::make_unique<server::HttpListener>(m_server.get());
        QVERIFY(m_listener->start(0));
    }

    void cleanupTestCase()
    {
        m_listener.reset();
        m_server.reset();
    }

    void readsTheCapabilityStatement()
    {
        FhirClient client;
        client.setEndpoint(embedded());
        const ApiResponse r = run(client, get(u"metadata"_s));
        QCOMPARE(r.failure, ApiResponse::Failure::None);
        QCOMPARE(r.status, 200);
        QVERIFY(r.ok());
        QVERIFY(r.isJson());
        QVERIFY(r.body.contains("CapabilityStatement"));
        QVERIFY(r.elapsedMs >= 0);
        QVERIFY2(r.problem.isEmpty(), qPrintable(r.problem));
        QCOMPARE(r.url.toString(), m_listener->baseUrl() + u"/metadata"_s);
    }

    void createsAndExplainsNotFound()
    {
        FhirClient client;
        client.setEndpoint(embedded());
        ApiRequest create;
        create.method = "POST";
        create.path = u"Patient"_s;
        create.body = "{\"resourceType\": \"Patient\", \"gender\": \"male\"}";
        const ApiResponse created = run(client, create);
        QCOMPARE(created.status, 201);
        QCOMPARE(created.reason, QByteArray("Created"));
        QVERIFY(created.header("location").contains("/Patient/"));
        QCOMPARE(created.header("ETag"), QByteArray("W/\"1\""));

        const ApiResponse missing = run(client, get(u"Patient/nobody"_s));
        QCOMPARE(missing.status, 404);
        QCOMPARE(missing.failure, ApiResponse::Failure::None);
        QVERIFY(missing.body.contains("OperationOutcome"));
        QVERIFY2(missing.problem.contains(u"404 Not Found"_s), qPrintable(missing.problem));
    }

    void sendsTheEndpointsHeadersAndKey()
    {
        CannedServer canned("HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\n"
                            "Content-Length: 27\r\n\r\n{\"resourceType\": \"Bundle\"}\n");
        Endpoint e;
        e.baseUrl = QUrl(u"http://127.0.0.1:%1/base"_s.arg(canned.serverPort()));
        e.headers = {{"X-Tenant", "north"}};
        e.apiKey = "k-123";
        FhirClient client;
        client.setEndpoint(e);
        ApiRequest r = get(u"Patient"_s);
        r.query = {{u"name"_s, u"O'Brien Jr"_s}};
        r.headers = {{"Prefer", "handling=strict"}};
        const ApiResponse response = run(client, r);
        QCOMPARE(response.status, 200);
        QVERIFY2(canned.received.startsWith("GET /base/Patient?name=O%27Brien%20Jr HTTP/1.1"),
                 canned.received.constData());
        for (const QByteArray &line :
             {QByteArray("Prefer: handling=strict"), QByteArray("Accept: application/fhir+json"),
              QByteArray("X-Tenant: north"), QByteArray("x-api-key: k-123")})
            QVERIFY2(canned.received.contains(line), line.constData());
    }

    void explainsFailures_data()
    {
        QTest::addColumn<QByteArray>("answer");
        QTest::addColumn<QString>("scheme");
        QTest::addColumn<ApiResponse::Failure>("failure");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("words");
        QTest::newRow("html instead of FHIR")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n"
                          "<p>Login</p>\n")
            << u"http"_s << ApiResponse::Failure::None << 200 << u"not FHIR JSON"_s;
        QTest::newRow("401") << QByteArray("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")
                             << u"http"_s << ApiResponse::Failure::None << 401
                             << u"Check the API key"_s;
        QTest::newRow("403") << QByteArray("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                             << u"http"_s << ApiResponse::Failure::None << 403
                             << u"do not allow this request"_s;
        QTest::newRow("silence is a timeout")
            << QByteArray() << u"http"_s << ApiResponse::Failure::Timeout << 0
            << u"did not answer within 0.5 s"_s;
        // TLS against a server that answers in plain HTTP: the handshake fails, and the client
        // says so rather than carrying on.
        QTest::newRow("tls handshake")
            << QByteArray("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n") << u"https"_s
            << ApiResponse::Failure::Tls << 0 << u"secure connection"_s;
    }

    void explainsFailures()
    {
        QFETCH(QByteArray, answer);
        QFETCH(QString, scheme);
        QFETCH(ApiResponse::Failure, failure);
        QFETCH(int, status);
        QFETCH(QString, words);
        CannedServer canned(answer, scheme == u"https"_s);
        Endpoint e;
        e.baseUrl = QUrl(u"%1://127.0.0.1:%2/fhir"_s.arg(scheme).arg(canned.serverPort()));
        FhirClient client;
        client.setEndpoint(e);
        client.setTimeout(scheme == u"https"_s ? 5000 : 500);
        const ApiResponse r = run(client, get(u"metadata"_s));
        QCOMPARE(r.failure, failure);
        QCOMPARE(r.status, status);
        QVERIFY2(r.problem.contains(words), qPrintable(r.problem));
    }

    void unreachable()
    {
        quint16 port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        } // closed: nothing listens there now
        Endpoint e;
        e.baseUrl = QUrl(u"http://127.0.0.1:%1/fhir"_s.arg(port));
        FhirClient client;
        client.setEndpoint(e);
        const ApiResponse r = run(client, get(u"metadata"_s));
        QCOMPARE(r.failure, ApiResponse::Failure::Unreachable);
        QVERIFY2(r.problem.contains(u"Could not connect to 127.0.0.1:%1"_s.arg(port)),
                 qPrintable(r.problem));
    }

    void noEndpoint()
    {
        FhirClient client;
        const ApiResponse r = run(client, get(u"metadata"_s));
        QCOMPARE(r.failure, ApiResponse::Failure::Other);
        QVERIFY2(r.problem.contains(u"No endpoint"_s), qPrintable(r.problem));
    }

    void cancelStopsARunningRequest()
    {
        CannedServer silent({});
        Endpoint e;
        e.baseUrl = QUrl(u"http://127.0.0.1:%1/fhir"_s.arg(silent.serverPort()));
        FhirClient client;
        client.setEndpoint(e);
        QSignalSpy spy(&client, &FhirClient::finished);
        client.send(get(u"metadata"_s));
        QVERIFY(client.isBusy());
        QTRY_VERIFY(!silent.received.isEmpty()); // the request is out
        client.cancel();
        QCOMPARE(spy.size(), 1);
        QVERIFY(!client.isBusy());
        QCOMPARE(spy.first().at(1).value<ApiResponse>().failure, ApiResponse::Failure::Cancelled);
    }
};

QTEST_GUILESS_MAIN(TestFhirClient)
#include "tst_fhirclient.moc"
