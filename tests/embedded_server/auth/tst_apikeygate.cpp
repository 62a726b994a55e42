// The API-key gate, through the transport-free core and over real HTTP on loopback.

#include "embedded_server/auth/apikeygate.h"
#include "embedded_server/auth/apikeys.h"
#include "embedded_server/fhirserver.h"
#include "embedded_server/httplistener.h"

#include "testmodel.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace fhir::server;
using namespace Qt::StringLiterals;
using Json = nlohmann::json;

namespace {

enum class Key { None, Good, Wrong, Revoked, Malformed };

Json parse(const QByteArray &body)
{
    return Json::parse(body.toStdString(), nullptr, false);
}

QByteArray patientBody()
{
    return QByteArray::fromStdString(
        Json{{"resourceType", "Patient"}, {"id", "p1"}, {"gender", "female"}}.dump());
}

} // namespace

Q_DECLARE_METATYPE(Key)

class TestApiKeyGate : public QObject
{
    Q_OBJECT

    std::shared_ptr<const fhir::schema::Model> m_model;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FhirServer> m_server;
    QByteArray m_good;
    QByteArray m_revoked;

    QByteArray keyFor(Key key) const
    {
        switch (key) {
        case Key::None:
            return {};
        case Key::Good:
            return m_good;
        case Key::Wrong:
            return m_good.chopped(2) + (m_good.endsWith("AA") ? "BB" : "AA");
        case Key::Revoked:
            return m_revoked;
        case Key::Malformed:
            return "Bearer " + m_good;
        }
        return {};
    }

    Response call(const QByteArray &method, const QString &path, Key key,
                  const QByteArray &body = {})
    {
        Request request{method, FhirServer::basePath() + path, {}, {}, body};
        if (!body.isEmpty())
            request.headers.append(
                {QByteArray("Content-Type"), QByteArray("application/fhir+json")});
        if (key != Key::None)
            request.headers.append(
                {QByteArray("X-Api-Key"), keyFor(key)}); // names are case-insensitive
        return m_server->handle(request);
    }

    static void verifyUnauthorized(const Response &r)
    {
        QCOMPARE(r.status, 401);
        QVERIFY(r.header("WWW-Authenticate").contains("x-api-key"));
        const Json outcome = parse(r.body);
        QCOMPARE(outcome.value("resourceType", ""), std::string("OperationOutcome"));
        QCOMPARE(outcome["issue"][0].value("code", ""), std::string("login"));
        QCOMPARE(outcome["issue"][0].value("severity", ""), std::string("error"));
    }

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        auto server = FhirServer::open(m_model, m_dir->path()); // API keys by default
        QVERIFY2(server, qPrintable(server.error()));
        m_server = std::move(server).value();
        ApiKeyStore keys(m_server->store());
        m_good = keys.create(u"good"_s)->secret.toLatin1();
        const NewApiKey revoked = *keys.create(u"revoked"_s);
        m_revoked = revoked.secret.toLatin1();
        QVERIFY(*keys.revoke(revoked.info.id));
    }

    void cleanup()
    {
        m_server.reset();
        m_dir.reset();
    }

    void core_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<Key>("key");
        QTest::addColumn<int>("status");
        QTest::newRow("search, no key") << QByteArray("GET") << u"/Patient"_s << Key::None << 401;
        QTest::newRow("search, wrong key")
            << QByteArray("GET") << u"/Patient"_s << Key::Wrong << 401;
        QTest::newRow("search, revoked key")
            << QByteArray("GET") << u"/Patient"_s << Key::Revoked << 401;
        QTest::newRow("search, malformed key")
            << QByteArray("GET") << u"/Patient"_s << Key::Malformed << 401;
        QTest::newRow("search, good key") << QByteArray("GET") << u"/Patient"_s << Key::Good << 200;
        QTest::newRow("create, no key")
            << QByteArray("PUT") << u"/Patient/p1"_s << Key::None << 401;
        QTest::newRow("create, good key")
            << QByteArray("PUT") << u"/Patient/p1"_s << Key::Good << 201;
        QTest::newRow("history, revoked key")
            << QByteArray("GET") << u"/_history"_s << Key::Revoked << 401;
        QTest::newRow("unknown path, no key")
            << QByteArray("GET") << u"/Nope"_s << Key::None << 401;
        QTest::newRow("unknown path, good key")
            << QByteArray("GET") << u"/Nope"_s << Key::Good << 404;
        // capabilities.html: a client discovers the server, and how to authenticate, here.
        QTest::newRow("metadata, no key")
            << QByteArray("GET") << u"/metadata"_s << Key::None << 200;
        QTest::newRow("metadata, wrong key")
            << QByteArray("GET") << u"/metadata"_s << Key::Wrong << 200;
        QTest::newRow("POST metadata, no key")
            << QByteArray("POST") << u"/metadata"_s << Key::None << 401;
    }
    void core()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(Key, key);
        QFETCH(int, status);
        const QByteArray body = method == "PUT" ? patientBody() : QByteArray();
        const Response r = call(method, path, key, body);
        if (status == 401)
            verifyUnauthorized(r);
        else
            QCOMPARE(r.status, status);
    }

    void refusedWriteChangesNothing()
    {
        verifyUnauthorized(call("PUT", u"/Patient/p1"_s, Key::Wrong, patientBody()));
        QCOMPARE(call("GET", u"/Patient/p1"_s, Key::Good).status, 404);
    }

    void capabilityStatementDescribesApiKeys()
    {
        const Json cs = parse(call("GET", u"/metadata"_s, Key::None).body);
        const Json security = cs["rest"][0]["security"];
        QCOMPARE(security["service"][0].value("text", ""), std::string("API key"));
        QVERIFY(security.value("description", "").find("x-api-key") != std::string::npos);
        // The listener answers CORS for the allowed origins (tst_httplistener::cors).
        QCOMPARE(security.value("cors", false), true);
    }

    void serverWithoutAuthIsOpen()
    {
        m_server.reset();
        ServerOptions options;
        options.requireApiKey = false;
        auto server = FhirServer::open(m_model, m_dir->path(), options);
        QVERIFY(server);
        m_server = std::move(server).value();
        QCOMPARE(call("PUT", u"/Patient/p1"_s, Key::None, patientBody()).status, 201);
        QCOMPARE(call("GET", u"/Patient/p1"_s, Key::None).status, 200);
        QCOMPARE(call("GET", u"/Patient/p1"_s, Key::Wrong).status, 200);
        const Json cs = parse(call("GET", u"/metadata"_s, Key::None).body);
        QVERIFY(!cs["rest"][0]["security"].contains("service"));
        QCOMPARE(cs["rest"][0]["security"].value("cors", false), true);
    }

    void overHttp_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<Key>("key");
        QTest::addColumn<int>("status");
        QTest::newRow("no key") << u"/Patient"_s << Key::None << 401;
        QTest::newRow("wrong key") << u"/Patient"_s << Key::Wrong << 401;
        QTest::newRow("revoked key") << u"/Patient"_s << Key::Revoked << 401;
        QTest::newRow("good key") << u"/Patient"_s << Key::Good << 200;
        QTest::newRow("metadata") << u"/metadata"_s << Key::None << 200;
    }
    void overHttp()
    {
        QFETCH(QString, path);
        QFETCH(Key, key);
        QFETCH(int, status);
        HttpListener listener(m_server.get());
        QVERIFY(listener.start(0));
        QSignalSpy served(&listener, &HttpListener::requestServed);
        QNetworkAccessManager nam;
        QNetworkRequest request(QUrl(listener.baseUrl() + path));
        if (key != Key::None)
            request.setRawHeader("x-api-key", keyFor(key));
        QNetworkReply *reply = nam.get(request);
        QEventLoop loop;
        connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        reply->deleteLater();
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), status);
        if (status == 401) {
            QVERIFY(reply->rawHeader("WWW-Authenticate").contains("x-api-key"));
            QCOMPARE(parse(reply->readAll())["issue"][0].value("code", ""), std::string("login"));
        }
        // One log line, and the key is not in it.
        QCOMPARE(served.size(), 1);
        const QString line = served.first().first().toString();
        QVERIFY2(line.startsWith(u"GET /fhir/r4"_s + path + u' ' + QString::number(status)),
                 qPrintable(line));
        QVERIFY(!line.contains(QString::fromLatin1(m_good.mid(17))));
    }
};

QTEST_GUILESS_MAIN(TestApiKeyGate)
#include "tst_apikeygate.moc"
