// RemoteProbe over real loopback connections: a plain HTTP server with canned answers, a TLS
// server with a self-signed certificate (made by the openssl tool), and a closed port.

#include "app/remoteprobe.h"

#include "cannedhttpserver.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace fhir::app;
using namespace Qt::StringLiterals;
using Outcome = ProbeResult::Outcome;

Q_DECLARE_METATYPE(fhir::app::ProbeResult::Outcome)

namespace {

QByteArray capability(const QString &type, const QString &version)
{
    QJsonObject o{{u"resourceType"_s, type}, {u"status"_s, u"active"_s}};
    if (!version.isEmpty())
        o.insert(u"fhirVersion"_s, version);
    o.insert(u"software"_s, QJsonObject{{u"name"_s, u"HAPI FHIR"_s}, {u"version"_s, u"7.0"_s}});
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

std::optional<ProbeResult> probeAndWait(RemoteProbe &probe, const QUrl &url,
                                        const QList<QPair<QByteArray, QByteArray>> &headers = {})
{
    std::optional<ProbeResult> result;
    QObject context;
    probe.probe(url, headers, &context, [&result](const ProbeResult &r) { result = r; });
    if (!QTest::qWaitFor([&result] { return result.has_value(); }, 20000))
        return std::nullopt;
    return result;
}

QUrl local(quint16 port, const QString &scheme = u"http"_s)
{
    return QUrl(u"%1://127.0.0.1:%2/fhir/r4/"_s.arg(scheme).arg(port));
}

} // namespace

class TestRemoteProbe : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void interpret_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("wwwAuthenticate");
        QTest::addColumn<Outcome>("outcome");
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("version");
        QTest::newRow("R4") << 200 << capability(u"CapabilityStatement"_s, u"4.0.1"_s)
                            << QByteArray() << Outcome::Ok << u"HAPI FHIR 7.0"_s << u"4.0.1"_s;
        QTest::newRow("R5") << 200 << capability(u"CapabilityStatement"_s, u"5.0.0"_s)
                            << QByteArray() << Outcome::OtherFhirVersion << u"5.0.0 (R5)"_s
                            << u"5.0.0"_s;
        QTest::newRow("STU3") << 200 << capability(u"CapabilityStatement"_s, u"3.0.2"_s)
                              << QByteArray() << Outcome::OtherFhirVersion << u"(STU3)"_s
                              << u"3.0.2"_s;
        QTest::newRow("DSTU2 Conformance")
            << 200 << capability(u"Conformance"_s, u"1.0.2"_s) << QByteArray()
            << Outcome::OtherFhirVersion << u"1.0.2 (DSTU2)"_s << u"1.0.2"_s;
        QTest::newRow("no version")
            << 200 << capability(u"CapabilityStatement"_s, {}) << QByteArray()
            << Outcome::OtherFhirVersion << u"no FHIR version"_s << QString();
        QTest::newRow("another resource")
            << 200 << capability(u"OperationOutcome"_s, {}) << QByteArray() << Outcome::NotFhir
            << u"answered a OperationOutcome"_s << QString();
        QTest::newRow("html") << 200 << QByteArray("<html><body>Welcome</body></html>")
                              << QByteArray() << Outcome::NotFhir << u"not FHIR JSON"_s
                              << QString();
        QTest::newRow("401 bearer")
            << 401 << QByteArray() << QByteArray("Bearer realm=\"fhir\"") << Outcome::Unauthorized
            << u"It asks for: Bearer realm=\"fhir\""_s << QString();
        QTest::newRow("404") << 404 << QByteArray() << QByteArray() << Outcome::HttpError
                             << u"HTTP 404"_s << QString();
    }
    void interpret()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, wwwAuthenticate);
        QFETCH(Outcome, outcome);
        QFETCH(QString, message);
        QFETCH(QString, version);
        const ProbeResult result = RemoteProbe::interpret(status, body, wwwAuthenticate);
        QCOMPARE(result.outcome, outcome);
        QVERIFY2(result.message.contains(message), qPrintable(result.message));
        QCOMPARE(result.fhirVersion, version);
        QCOMPARE(result.httpStatus, status);
    }

    void r4ServerOverHttp()
    {
        CannedServer server;
        server.body = capability(u"CapabilityStatement"_s, u"4.0.1"_s);
        RemoteProbe probe;
        const auto result = probeAndWait(probe, local(server.port()), {{"X-Tenant", "t1"}});
        QVERIFY(result);
        QVERIFY2(result->ok(), qPrintable(result->message));
        QVERIFY(server.lastRequest.startsWith("GET /fhir/r4/metadata HTTP/1.1\r\n"));
        QVERIFY(server.lastRequest.contains("X-Tenant: t1\r\n"));
        QVERIFY(server.lastRequest.contains("Accept: application/fhir+json\r\n"));
    }

    void unauthorizedOverHttp()
    {
        CannedServer server;
        server.status = 401;
        server.extraHeaders = "WWW-Authenticate: Bearer\r\n";
        RemoteProbe probe;
        const auto result = probeAndWait(probe, local(server.port()));
        QVERIFY(result);
        QCOMPARE(result->outcome, Outcome::Unauthorized);
        QCOMPARE(result->httpStatus, 401);
    }

    void closedPortIsUnreachable()
    {
        quint16 port = 0;
        {
            QTcpServer reserve;
            QVERIFY(reserve.listen(QHostAddress::LocalHost));
            port = reserve.serverPort();
        }
        RemoteProbe probe;
        const auto result = probeAndWait(probe, local(port));
        QVERIFY(result);
        QCOMPARE(result->outcome, Outcome::Unreachable);
        QVERIFY2(result->message.contains(u"cannot be reached"_s), qPrintable(result->message));
    }

    void untrustedCertificateIsATlsError()
    {
        QTemporaryDir dir;
        const QString key = dir.filePath(u"key.pem"_s);
        const QString cert = dir.filePath(u"cert.pem"_s);
        QProcess openssl;
        openssl.start(u"openssl"_s,
                      {u"req"_s, u"-x509"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s,
                       u"ec_paramgen_curve:prime256v1"_s, u"-nodes"_s, u"-days"_s, u"1"_s,
                       u"-subj"_s, u"/CN=127.0.0.1"_s, u"-keyout"_s, key, u"-out"_s, cert});
        QVERIFY2(openssl.waitForFinished(20000) && openssl.exitCode() == 0,
                 openssl.readAllStandardError().constData());
        QFile keyFile(key);
        QFile certFile(cert);
        QVERIFY(keyFile.open(QIODevice::ReadOnly) && certFile.open(QIODevice::ReadOnly));
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setPrivateKey(QSslKey(keyFile.readAll(), QSsl::Ec));
        tls.setLocalCertificate(QSslCertificate(certFile.readAll()));
        auto *sslServer = new QSslServer;
        sslServer->setSslConfiguration(tls);
        CannedServer server(sslServer);
        server.body = capability(u"CapabilityStatement"_s, u"4.0.1"_s);

        RemoteProbe probe;
        const auto result = probeAndWait(probe, local(server.port(), u"https"_s));
        QVERIFY(result);
        QCOMPARE(result->outcome, Outcome::TlsError);
        QVERIFY2(result->message.contains(u"TLS"_s), qPrintable(result->message));
        QVERIFY(server.lastRequest.isEmpty()); // nothing was sent over the untrusted link
    }

    void notAUrl()
    {
        RemoteProbe probe;
        const auto result = probeAndWait(probe, QUrl(u"ftp://example.org/fhir"_s));
        QVERIFY(result);
        QVERIFY(!result->ok());
        QVERIFY(result->message.contains(u"not an http(s) URL"_s));
    }
};

QTEST_GUILESS_MAIN(TestRemoteProbe)
#include "tst_remoteprobe.moc"
