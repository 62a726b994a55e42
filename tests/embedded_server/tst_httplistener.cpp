// The HTTP adapter on real loopback sockets: status lines, headers, keep-alive, large bodies,
// the body limit, the Host check and CORS. FHIR behaviour itself is tested in tst_fhirserver.

#include "embedded_server/fhirserver.h"
#include "embedded_server/httplistener.h"

#include "testmodel.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace fhir::server;
using namespace Qt::StringLiterals;
using Json = nlohmann::json;

namespace {

struct Reply
{
    int status = 0;
    QByteArray reason;
    QByteArray body;
    QList<QNetworkReply::RawHeaderPair> headers;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &[key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
    Json json() const { return Json::parse(body.toStdString(), nullptr, false); }
};

/// A response read off a raw socket.
struct RawResponse
{
    QByteArray statusLine;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &[key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
};

/// Runs the event loop until `socket` emits `signal` or disconnects. No timeout: a hang is a
/// failure the test runner reports, and a timed wait would make the test flaky on a busy host.
template<typename Signal> void waitFor(QTcpSocket &socket, Signal signal)
{
    QEventLoop loop;
    QObject::connect(&socket, signal, &loop, &QEventLoop::quit);
    QObject::connect(&socket, &QTcpSocket::disconnected, &loop, &QEventLoop::quit);
    loop.exec();
}

/// Reads one response (its body by Content-Length, none for HEAD).
RawResponse readResponse(QTcpSocket &socket, bool head = false)
{
    QByteArray buffer;
    RawResponse response;
    qsizetype headerEnd = -1;
    qsizetype length = -1;
    while (true) {
        buffer += socket.readAll();
        if (headerEnd < 0) {
            headerEnd = buffer.indexOf("\r\n\r\n");
            if (headerEnd >= 0) {
                const QList<QByteArray> lines = buffer.left(headerEnd).split('\n');
                response.statusLine = lines.value(0).trimmed();
                for (qsizetype i = 1; i < lines.size(); ++i) {
                    const qsizetype colon = lines[i].indexOf(':');
                    response.headers.append(
                        {lines[i].left(colon).trimmed(), lines[i].mid(colon + 1).trimmed()});
                }
                length = head ? 0 : response.header("Content-Length").toLongLong();
            }
        }
        if (headerEnd >= 0 && buffer.size() >= headerEnd + 4 + length) {
            response.body = buffer.mid(headerEnd + 4, length);
            return response;
        }
        if (socket.state() != QAbstractSocket::ConnectedState)
            return response; // closed before a whole response came
        waitFor(socket, &QTcpSocket::readyRead);
    }
}

/// Sends one raw request and reads one response.
RawResponse exchange(QTcpSocket &socket, const QByteArray &request, bool head = false)
{
    socket.write(request);
    return readResponse(socket, head);
}

} // namespace

class TestHttpListener : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FhirServer> m_server;
    std::unique_ptr<HttpListener> m_listener;
    QNetworkAccessManager m_nam;

    QUrl url(const QString &path) const { return QUrl(m_listener->baseUrl() + path); }

    Reply send(const QByteArray &verb, const QString &path, const QByteArray &body = {},
               const QList<QPair<QByteArray, QByteArray>> &headers = {})
    {
        QNetworkRequest request(url(path));
        if (!body.isEmpty())
            request.setRawHeader("Content-Type", "application/fhir+json");
        for (const auto &[name, value] : headers)
            request.setRawHeader(name, value);
        // A custom "HEAD" would wait for the body its Content-Length announces.
        QNetworkReply *reply
            = verb == "HEAD" ? m_nam.head(request) : m_nam.sendCustomRequest(request, verb, body);
        if (!reply->isFinished()) {
            QEventLoop loop;
            connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
            loop.exec();
        }
        Reply result;
        result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        result.reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toByteArray();
        result.body = reply->readAll();
        result.headers = reply->rawHeaderPairs();
        result.error = reply->error();
        reply->deleteLater();
        return result;
    }

    void connectRaw(QTcpSocket &socket)
    {
        socket.connectToHost(QHostAddress::LocalHost, m_listener->port());
        if (socket.state() != QAbstractSocket::ConnectedState)
            waitFor(socket, &QTcpSocket::connected);
        QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);
    }

    QByteArray hostPort() const { return "127.0.0.1:" + QByteArray::number(m_listener->port()); }

private Q_SLOTS:
    void initTestCase()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        ServerOptions options;
        options.requireApiKey = false; // API keys over HTTP are tested in tst_apikeygate
        auto server = FhirServer::open(loadTestModel(), m_dir->path(), options);
        QVERIFY2(server, qPrintable(server.error()));
        m_server = std::move(server).value();
        m_listener = std::make_unique<HttpListener>(m_server.get());
        const auto port = m_listener->start(0);
        QVERIFY2(port, qPrintable(port.error()));
        QVERIFY(*port > 0);
        QCOMPARE(m_listener->port(), *port);
        QCOMPARE(m_listener->baseUrl(), u"http://127.0.0.1:%1/fhir/r4"_s.arg(*port));
        QCOMPARE(m_server->options().baseUrl, m_listener->baseUrl());
        // Loopback only.
        for (const QTcpServer *tcp : m_listener->servers())
            QCOMPARE(tcp->serverAddress(), QHostAddress(QHostAddress::LocalHost));
    }

    void cleanupTestCase()
    {
        m_listener.reset();
        m_server.reset();
        m_dir.reset();
    }

    void startTwiceFails()
    {
        const auto again = m_listener->start(0);
        QVERIFY(!again);
    }

    void metadata()
    {
        const Reply r = send("GET", u"/metadata"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.reason, QByteArray("OK"));
        QCOMPARE(r.header("Content-Type"), QByteArray("application/fhir+json; charset=utf-8"));
        QCOMPARE(r.header("Content-Length").toLongLong(), r.body.size());
        const Json cs = r.json();
        QVERIFY(cs["resourceType"] == "CapabilityStatement");
        QVERIFY(cs["implementation"]["url"] == m_listener->baseUrl().toStdString());
    }

    void crudOverHttp()
    {
        const Reply created
            = send("POST", u"/Patient"_s, "{\"resourceType\":\"Patient\",\"gender\":\"female\"}");
        QCOMPARE(created.status, 201);
        QCOMPARE(created.reason, QByteArray("Created"));
        QCOMPARE(created.header("ETag"), QByteArray("W/\"1\""));
        QVERIFY(!created.header("Last-Modified").isEmpty());
        const QByteArray location = created.header("Location");
        QVERIFY2(location.startsWith(QByteArray(m_listener->baseUrl().toUtf8() + "/Patient/")),
                 location.constData());
        const QString id = QString::fromStdString(created.json()["id"].get<std::string>());

        const Reply read = send("GET", u"/Patient/"_s + id);
        QCOMPARE(read.status, 200);
        QCOMPARE(read.body, created.body);

        const QByteArray body = QByteArray::fromStdString(
            Json{{"resourceType", "Patient"}, {"id", id.toStdString()}, {"gender", "male"}}.dump());
        const Reply stale = send("PUT", u"/Patient/"_s + id, body, {{"If-Match", "W/\"7\""}});
        QCOMPARE(stale.status, 412);
        QCOMPARE(stale.reason, QByteArray("Precondition Failed"));
        const Reply updated = send("PUT", u"/Patient/"_s + id, body, {{"If-Match", "W/\"1\""}});
        QCOMPARE(updated.status, 200);
        QCOMPARE(updated.header("ETag"), QByteArray("W/\"2\""));

        const Reply minimal
            = send("PUT", u"/Patient/"_s + id, body, {{"Prefer", "return=minimal"}});
        QCOMPARE(minimal.status, 200);
        QVERIFY(minimal.body.isEmpty());
        QCOMPARE(minimal.header("Content-Length"), QByteArray("0"));

        const Reply deleted = send("DELETE", u"/Patient/"_s + id);
        QCOMPARE(deleted.status, 204);
        QCOMPARE(deleted.reason, QByteArray("No Content"));
        const Reply gone = send("GET", u"/Patient/"_s + id);
        QCOMPARE(gone.status, 410);
        QCOMPARE(gone.reason, QByteArray("Gone"));
        QVERIFY(gone.json()["resourceType"] == "OperationOutcome");

        const Reply history = send("GET", u"/Patient/"_s + id + u"/_history"_s);
        QCOMPARE(history.status, 200);
        QVERIFY(history.json()["total"] == 4);
    }

    void errorStatusLines_data()
    {
        QTest::addColumn<QByteArray>("verb");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<QByteArray>("accept");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("reason");
        const QByteArray json = "application/fhir+json";
        QTest::newRow("400") << QByteArray("POST") << u"/Patient"_s << QByteArray("{oops") << json
                             << QByteArray() << 400 << QByteArray("Bad Request");
        QTest::newRow("404 type") << QByteArray("GET") << u"/Nope/1"_s << QByteArray()
                                  << QByteArray() << QByteArray() << 404 << QByteArray("Not Found");
        QTest::newRow("404 path") << QByteArray("GET") << u"/../../x"_s << QByteArray()
                                  << QByteArray() << QByteArray() << 404 << QByteArray("Not Found");
        QTest::newRow("405") << QByteArray("POST") << u"/Patient/1"_s << QByteArray("{}") << json
                             << QByteArray() << 405 << QByteArray("Method Not Allowed");
        QTest::newRow("406") << QByteArray("GET") << u"/metadata"_s << QByteArray() << QByteArray()
                             << QByteArray("application/fhir+xml") << 406
                             << QByteArray("Not Acceptable");
        QTest::newRow("415") << QByteArray("POST") << u"/Patient"_s << QByteArray("<Patient/>")
                             << QByteArray("application/fhir+xml") << QByteArray() << 415
                             << QByteArray("Unsupported Media Type");
    }
    void errorStatusLines()
    {
        QFETCH(QByteArray, verb);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QFETCH(QByteArray, accept);
        QFETCH(int, status);
        QFETCH(QByteArray, reason);
        QList<QPair<QByteArray, QByteArray>> headers;
        if (!contentType.isEmpty())
            headers.append({"Content-Type", contentType});
        if (!accept.isEmpty())
            headers.append({"Accept", accept});
        const Reply r = send(verb, path, body, headers);
        QCOMPARE(r.status, status);
        QCOMPARE(r.reason, reason);
        QCOMPARE(r.header("Content-Type"), QByteArray("application/fhir+json; charset=utf-8"));
        QVERIFY(r.json()["resourceType"] == "OperationOutcome");
        if (status == 405)
            QCOMPARE(r.header("Allow"), QByteArray("GET, PUT, PATCH, DELETE"));
    }

    // Query values arrive decoded: %2B is a '+', and links encode it again.
    void encodedQuery()
    {
        const Reply r
            = send("GET", u"/Patient?_lastUpdated=ge2000-01-01T00:00:00%2B01:00&_count=1"_s);
        QCOMPARE(r.status, 200);
        const Json bundle = r.json();
        QVERIFY(bundle["type"] == "searchset");
        const std::string self = bundle["link"][0]["url"].get<std::string>();
        QVERIFY2(self.find("_lastUpdated=ge2000-01-01T00%3A00%3A00%2B01%3A00") != std::string::npos,
                 self.c_str());
        const Reply bare = send("GET", u"/Patient?_lastUpdated=ge2000-01-01T00:00:00+01:00"_s);
        // A bare '+' is taken literally (not as a space), as curl users often send it.
        QCOMPARE(bare.status, 200);
    }

    void largeBody()
    {
        // 15 MB of base64: well over any socket buffer, just under the 16 MB limit.
        const QByteArray data(15 * 1024 * 1024, 'A');
        const QByteArray body
            = "{\"resourceType\":\"Binary\",\"contentType\":\"text/plain\",\"data\":\"" + data
            + "\"}";
        const Reply created = send("POST", u"/Binary"_s, body, {{"Prefer", "return=minimal"}});
        QCOMPARE(created.status, 201);
        const QString location = QString::fromUtf8(created.header("Location"));
        // HEAD: the stored size, without the cost of sending 15 MB back in a debug build.
        const Reply read = send("HEAD", location.mid(m_listener->baseUrl().size()));
        QCOMPARE(read.status, 200);
        QVERIFY(read.header("Content-Length").toLongLong() > body.size());
    }

    void bodyOverLimit()
    {
        const QByteArray body(17 * 1024 * 1024, ' ');
        const Reply r = send("POST", u"/Patient"_s, body);
        QCOMPARE(r.status, 413);
        QCOMPARE(r.reason, QByteArray("Request Entity Too Large")); // Qt 6.4's phrase
        QVERIFY(r.json()["issue"][0]["code"] == "too-costly");
        // The connection is still usable, and nothing was stored.
        QCOMPARE(send("GET", u"/metadata"_s).status, 200);
    }

    // Several requests on one connection (HTTP/1.1 keep-alive), then a HEAD.
    void keepAlive()
    {
        QTcpSocket socket;
        connectRaw(socket);
        const QByteArray get = "GET /fhir/r4/Patient?_count=1 HTTP/1.1\r\nHost: " + hostPort()
            + "\r\nAccept: application/fhir+json\r\n\r\n";
        for (int i = 0; i < 3; ++i) {
            const RawResponse r = exchange(socket, get);
            QCOMPARE(r.statusLine, QByteArray("HTTP/1.1 200 OK"));
            QCOMPARE(r.header("Content-Length").toLongLong(), r.body.size());
            QVERIFY(Json::parse(r.body.toStdString())["type"] == "searchset");
            QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);
        }
        const RawResponse notFound = exchange(
            socket, "GET /fhir/r4/Patient/nope HTTP/1.1\r\nHost: " + hostPort() + "\r\n\r\n");
        QCOMPARE(notFound.statusLine, QByteArray("HTTP/1.1 404 Not Found"));
        const RawResponse head = exchange(
            socket, "HEAD /fhir/r4/metadata HTTP/1.1\r\nHost: " + hostPort() + "\r\n\r\n", true);
        QCOMPARE(head.statusLine, QByteArray("HTTP/1.1 200 OK"));
        QVERIFY(head.header("Content-Length").toLongLong() > 0);
        // Still in step after a HEAD: the next answer starts at its status line.
        const RawResponse after = exchange(socket, get);
        QCOMPARE(after.statusLine, QByteArray("HTTP/1.1 200 OK"));
    }

    void connectionClose()
    {
        QTcpSocket socket;
        connectRaw(socket);
        const RawResponse r = exchange(socket,
                                       "GET /fhir/r4/metadata HTTP/1.1\r\nHost: " + hostPort()
                                           + "\r\nConnection: close\r\n\r\n");
        QCOMPARE(r.statusLine, QByteArray("HTTP/1.1 200 OK"));
        if (socket.state() != QAbstractSocket::UnconnectedState)
            waitFor(socket, &QTcpSocket::disconnected);
        QCOMPARE(socket.state(), QAbstractSocket::UnconnectedState);
    }

    // A transaction with one bad entry over HTTP: refused as a whole, nothing stored.
    void transactionAtomicity()
    {
        const qint64 before = send("GET", u"/_history?_count=0"_s).json()["total"].get<qint64>();
        const Json bundle
            = {{"resourceType", "Bundle"},
               {"type", "transaction"},
               {"entry",
                {{{"resource", {{"resourceType", "Patient"}, {"id", "atomic"}}},
                  {"request", {{"method", "PUT"}, {"url", "Patient/atomic"}}}},
                 {{"fullUrl", "urn:uuid:0d4ac5b2-4c5e-4a3e-9b0a-1f4f3c2e7d10"},
                  {"resource", {{"resourceType", "Patient"}, {"gender", "male"}}},
                  {"request", {{"method", "POST"}, {"url", "Patient"}}}},
                 {{"resource", {{"resourceType", "Observation"}, {"code", {{"text", "x"}}}}},
                  {"request", {{"method", "POST"}, {"url", "Observation"}}}}}}};
        const Reply r = send("POST", QString(), QByteArray::fromStdString(bundle.dump()));
        QCOMPARE(r.status, 422); // Observation.status is required
        QVERIFY(r.json()["resourceType"] == "OperationOutcome");
        QCOMPARE(send("GET", u"/Patient/atomic"_s).status, 404);
        QCOMPARE(send("GET", u"/_history?_count=0"_s).json()["total"].get<qint64>(), before);
    }

    // Two clients on two connections update the same version at once: the server serialises
    // them, so one wins and the other gets 412 (http.html#concurrency).
    void concurrentIfMatch()
    {
        const QByteArray body = "{\"resourceType\":\"Patient\",\"id\":\"race\"}";
        QCOMPARE(send("PUT", u"/Patient/race"_s, body).status, 201);
        const QByteArray request = "PUT /fhir/r4/Patient/race HTTP/1.1\r\nHost: " + hostPort()
            + "\r\nContent-Type: application/fhir+json\r\nIf-Match: W/\"1\"\r\n"
              "Content-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n" + body;
        QTcpSocket first;
        QTcpSocket second;
        connectRaw(first);
        connectRaw(second);
        // Both requests are on the wire before either answer is read.
        first.write(request);
        second.write(request);
        first.flush();
        second.flush();
        const RawResponse a = readResponse(first);
        const RawResponse b = readResponse(second);
        QList<QByteArray> lines{a.statusLine, b.statusLine};
        std::sort(lines.begin(), lines.end());
        QCOMPARE(lines, QList<QByteArray>({"HTTP/1.1 200 OK", "HTTP/1.1 412 Precondition Failed"}));
        QCOMPARE(send("GET", u"/Patient/race"_s).header("ETag"), QByteArray("W/\"2\""));
    }

    // Qt HttpServer 6.4 reads at most 80 kB of header fields; past it the listener gets the
    // request line alone and answers 400 with an OperationOutcome (Qt gives no way to tell
    // an overflow apart, so no 431), then closes the connection. No crash, and the server
    // still serves everyone else.
    void oversizedHeader_data()
    {
        QTest::addColumn<int>("size");
        QTest::addColumn<bool>("served");
        QTest::newRow("60 kB") << 60 * 1024 << true;
        QTest::newRow("100 kB") << 100 * 1024 << false;
        QTest::newRow("1 MB") << 1024 * 1024 << false;
    }
    void oversizedHeader()
    {
        QFETCH(int, size);
        QFETCH(bool, served);
        QTcpSocket socket;
        connectRaw(socket);
        if (!served)
            QTest::ignoreMessage(QtWarningMsg, "refused a request without header fields or Host");
        const RawResponse r
            = exchange(socket,
                       "GET /fhir/r4/metadata HTTP/1.1\r\nHost: " + hostPort()
                           + "\r\nX-Padding: " + QByteArray(size, 'a') + "\r\n\r\n");
        if (served) {
            QCOMPARE(r.statusLine, QByteArray("HTTP/1.1 200 OK"));
        } else {
            QCOMPARE(r.statusLine, QByteArray("HTTP/1.1 400 Bad Request"));
            QVERIFY(Json::parse(r.body.toStdString())["resourceType"] == "OperationOutcome");
            if (socket.state() != QAbstractSocket::UnconnectedState)
                waitFor(socket, &QTcpSocket::disconnected);
            QCOMPARE(socket.state(), QAbstractSocket::UnconnectedState);
        }
        QCOMPARE(send("GET", u"/metadata"_s).status, 200);
    }

    // DNS-rebinding defence: only our own address and port are served.
    void hostHeader_data()
    {
        QTest::addColumn<QByteArray>("host"); // "-" for none
        QTest::addColumn<int>("status");
        QTest::newRow("loopback") << QByteArray("127.0.0.1:%1") << 200;
        QTest::newRow("localhost") << QByteArray("localhost:%1") << 200;
        QTest::newRow("localhost upper") << QByteArray("LOCALHOST:%1") << 200;
        QTest::newRow("rebound name") << QByteArray("evil.example:%1") << 421;
        QTest::newRow("other port") << QByteArray("127.0.0.1:1") << 421;
        QTest::newRow("no port") << QByteArray("127.0.0.1") << 421;
        QTest::newRow("suffix") << QByteArray("localhost.evil.example:%1") << 421;
        QTest::newRow("missing") << QByteArray("-") << 400; // RFC 9112 §3.2
        QTest::newRow("empty") << QByteArray("") << 400;
    }
    void hostHeader()
    {
        QFETCH(QByteArray, host);
        QFETCH(int, status);
        host.replace("%1", QByteArray::number(m_listener->port()));
        if (status == 421)
            QTest::ignoreMessage(QtWarningMsg, "refused a request for another host");
        if (status == 400)
            QTest::ignoreMessage(QtWarningMsg, "refused a request without header fields or Host");
        QTcpSocket socket;
        connectRaw(socket);
        const QByteArray hostLine = host == "-" ? QByteArray() : "Host: " + host + "\r\n";
        const RawResponse r
            = exchange(socket, "DELETE /fhir/r4/Patient/x HTTP/1.1\r\n" + hostLine + "\r\n");
        QCOMPARE(r.statusLine.split(' ').value(1).toInt(), status == 200 ? 204 : status);
        if (status != 200) {
            const Json outcome = Json::parse(r.body.toStdString());
            QVERIFY(outcome["resourceType"] == "OperationOutcome");
            QVERIFY(outcome["issue"][0]["code"] == (status == 421 ? "security" : "invalid"));
        }
    }

    // CORS (Fetch standard; SECURITY.md "The server as a whole"): the server's own origin and
    // the allowed ones get preflights and Access-Control-Allow-Origin; writes from any other
    // origin are refused, reads from one get no CORS headers (the browser hides them).
    void cors_data()
    {
        QTest::addColumn<QByteArray>("verb");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("origin");
        QTest::addColumn<bool>("preflight");
        QTest::addColumn<int>("status");
        QTest::addColumn<bool>("allowed"); // whether Access-Control-Allow-Origin is sent
        const QByteArray app = "http://localhost:3000";
        const QByteArray evil = "http://evil.example";
        const QString patients = u"/Patient"_s;
        QTest::newRow("preflight, allowed origin")
            << QByteArray("OPTIONS") << patients << app << true << 204 << true;
        QTest::newRow("preflight, origin in upper case")
            << QByteArray("OPTIONS") << patients << QByteArray("HTTP://LOCALHOST:3000") << true
            << 204 << true;
        QTest::newRow("preflight, own origin")
            << QByteArray("OPTIONS") << patients << QByteArray("http://127.0.0.1:%1") << true << 204
            << true;
        QTest::newRow("preflight, other origin")
            << QByteArray("OPTIONS") << patients << evil << true << 403 << false;
        QTest::newRow("preflight, opaque origin")
            << QByteArray("OPTIONS") << patients << QByteArray("null") << true << 403 << false;
        QTest::newRow("preflight, other port")
            << QByteArray("OPTIONS") << patients << QByteArray("http://localhost:3001") << true
            << 403 << false;
        QTest::newRow("write, allowed origin")
            << QByteArray("POST") << patients << app << false << 201 << true;
        QTest::newRow("write, other origin")
            << QByteArray("POST") << patients << evil << false << 403 << false;
        QTest::newRow("delete, other origin")
            << QByteArray("DELETE") << u"/Patient/x"_s << evil << false << 403 << false;
        QTest::newRow("read, allowed origin")
            << QByteArray("GET") << u"/metadata"_s << app << false << 200 << true;
        QTest::newRow("read, other origin")
            << QByteArray("GET") << u"/metadata"_s << evil << false << 200 << false;
        QTest::newRow("no origin (curl)")
            << QByteArray("POST") << patients << QByteArray() << false << 201 << false;
    }
    void cors()
    {
        QFETCH(QByteArray, verb);
        QFETCH(QString, path);
        QFETCH(QByteArray, origin);
        QFETCH(bool, preflight);
        QFETCH(int, status);
        QFETCH(bool, allowed);
        m_listener->setAllowedOrigins({u"http://localhost:3000"_s, u"*"_s});
        QCOMPARE(m_listener->allowedOrigins(), QStringList{u"http://localhost:3000"_s});
        origin.replace("%1", QByteArray::number(m_listener->port()));
        QList<QPair<QByteArray, QByteArray>> headers;
        if (!origin.isEmpty())
            headers.append({"Origin", origin});
        if (preflight)
            headers.append({{"Access-Control-Request-Method", "POST"},
                            {"Access-Control-Request-Headers", "content-type, x-api-key"}});
        const QByteArray body
            = verb == "POST" ? QByteArray("{\"resourceType\":\"Patient\"}") : QByteArray();
        const Reply r = send(verb, path, body, headers);
        QCOMPARE(r.status, status);
        QCOMPARE(r.header("Access-Control-Allow-Origin"), allowed ? origin : QByteArray());
        if (!origin.isEmpty())
            QCOMPARE(r.header("Vary"), QByteArray("Origin"));
        if (status == 204) {
            QVERIFY(r.header("Access-Control-Allow-Methods").contains("PATCH"));
            QVERIFY(r.header("Access-Control-Allow-Headers").contains("x-api-key"));
            QVERIFY(r.body.isEmpty());
        }
        if (status == 403)
            QVERIFY(r.json()["issue"][0]["code"] == "security");
        if (allowed && !preflight)
            QVERIFY(r.header("Access-Control-Expose-Headers").contains("Location"));
    }

    // A browser sends no credentials with a preflight: a server that wants a key answers it
    // all the same, and its 401 to the real request carries the CORS headers, so the page can
    // read why.
    void corsPreflightNeedsNoKey()
    {
        QTemporaryDir dir;
        auto server = FhirServer::open(loadTestModel(), dir.path(), ServerOptions{});
        QVERIFY2(server, qPrintable(server.error()));
        QVERIFY((*server)->options().requireApiKey);
        HttpListener keyed(server->get());
        keyed.setAllowedOrigins({u"http://localhost:3000"_s});
        QVERIFY(keyed.start(0));
        QNetworkRequest request(QUrl(keyed.baseUrl() + u"/Patient"_s));
        request.setRawHeader("Origin", "http://localhost:3000");
        request.setRawHeader("Access-Control-Request-Method", "GET");
        auto wait = [](QNetworkReply *reply) {
            QEventLoop loop;
            connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
            loop.exec();
            reply->deleteLater();
            return std::pair{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                             reply->rawHeader("Access-Control-Allow-Origin")};
        };
        const auto preflight = wait(m_nam.sendCustomRequest(request, "OPTIONS"));
        QCOMPARE(preflight.first, 204);
        QCOMPARE(preflight.second, QByteArray("http://localhost:3000"));
        const auto refused = wait(m_nam.get(request));
        QCOMPARE(refused.first, 401);
        QCOMPARE(refused.second, QByteArray("http://localhost:3000"));
    }
};

QTEST_GUILESS_MAIN(TestHttpListener)
#include "tst_httplistener.moc"
