// Drives the embedded FHIR server over HTTP on loopback, as a client would: 4 keep-alive
// connections against a server running in its own thread. The default client is a lean one
// on raw QTcpSockets (one request in flight per connection); `--client qnam` uses
// QNetworkAccessManager instead, whose own cost (it reads response headers a byte at a time,
// one read() system call each) then dominates the figures on this 2-core machine.
//
//   build/release/bin/bench_server [--requests N] [--transaction N] [--transaction-runs K]
//                                  [--client raw|qnam]
//   build/release/bin/bench_server --serve build/release/bin/fhir-portal [--resources N]
//
// Prints one JSON object: throughput and p50/p95/p99 latency for create, read and update
// (N requests each), the time of a transaction of --transaction Patient creates, and the
// process's memory afterwards. With --transaction-runs K (default 1) the transaction is sent K
// times, one after another, and its figure is the median run: on a shared machine one run
// can be twice as slow as the next.
//
// With --serve, the server is the real `fhir-portal serve --no-auth --port 0` in a process of
// its own: the synthetic clinic is loaded into it over HTTP as transactions of 10 patients
// until it holds --resources resources (default 100,000), and the server's own memory is read
// from /proc/<pid>/status (VmRSS now, VmHWM its peak).

#include "benchsupport.h"
#include "embedded_server/fhirserver.h"
#include "embedded_server/httplistener.h"
#include "embedded_server/synthetic/generator.h"

#include "schemas/model.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

using namespace fhir::server;
using namespace Qt::StringLiterals;

namespace {

constexpr int clients = 4;

/// Owns the server and its listener inside the server thread.
class Host : public QObject
{
public:
    std::shared_ptr<const fhir::schema::Model> model;
    QString folder;
    quint16 port = 0;
    QString error;

    void start()
    {
        ServerOptions options;
        options.requireApiKey = false; // measures the FHIR work, not the key check
        auto server = FhirServer::open(model, folder, options);
        if (!server) {
            error = server.error();
            return;
        }
        m_server = std::move(server).value();
        m_listener = std::make_unique<HttpListener>(m_server.get());
        const auto listening = m_listener->start(0);
        if (!listening)
            error = listening.error();
        else
            port = *listening;
    }
    void stop()
    {
        m_listener.reset();
        m_server.reset();
    }

private:
    std::unique_ptr<FhirServer> m_server;
    std::unique_ptr<HttpListener> m_listener;
};

struct Call
{
    QByteArray verb;
    QString path;
    QByteArray body;
};

QJsonObject summary(std::vector<double> &latencies, int total, int failures, double seconds)
{
    std::sort(latencies.begin(), latencies.end());
    auto percentile = [&](double p) {
        return latencies.empty() ? 0.0 : latencies[size_t(p * double(latencies.size() - 1))];
    };
    return QJsonObject{{u"requests"_s, total},
                       {u"failures"_s, failures},
                       {u"per_second"_s, seconds > 0 ? total / seconds : 0},
                       {u"p50_ms"_s, percentile(0.50)},
                       {u"p95_ms"_s, percentile(0.95)},
                       {u"p99_ms"_s, percentile(0.99)}};
}

/// One keep-alive connection of the raw client and the response it is reading.
struct Connection
{
    std::unique_ptr<QTcpSocket> socket;
    QByteArray buffer;
    QElapsedTimer timer;
};

/// Runs `total` calls over `clients` raw keep-alive connections, one request in flight on
/// each; returns throughput and latency percentiles.
QJsonObject driveRaw(quint16 port, int total, const std::function<Call(int)> &make,
                     int expectedStatus, std::vector<QByteArray> *bodies)
{
    std::vector<double> latencies;
    latencies.reserve(size_t(total));
    int started = 0;
    int finished = 0;
    int failures = 0;
    const QByteArray host = "Host: 127.0.0.1:" + QByteArray::number(port) + "\r\n";
    std::vector<Connection> connections(clients);
    QEventLoop loop;
    auto send = [&](Connection &c) {
        if (started >= total)
            return;
        const Call call = make(started++);
        QByteArray request = call.verb + " /fhir/r4" + call.path.toUtf8() + " HTTP/1.1\r\n" + host
            + "Accept: application/fhir+json\r\n";
        if (!call.body.isEmpty())
            request += "Content-Type: application/fhir+json\r\nContent-Length: "
                + QByteArray::number(call.body.size()) + "\r\n";
        request += "\r\n" + call.body;
        c.timer.start();
        c.socket->write(request);
    };
    auto receive = [&](Connection &c) {
        c.buffer += c.socket->readAll();
        while (true) {
            const qsizetype end = c.buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const qsizetype at = c.buffer.indexOf("\r\nContent-Length: ");
            const qint64 length = at < 0 || at > end
                ? 0
                : c.buffer.mid(at + 18, c.buffer.indexOf("\r\n", at + 2) - at - 18).toLongLong();
            if (c.buffer.size() < end + 4 + length)
                return;
            latencies.push_back(double(c.timer.nsecsElapsed()) / 1e6);
            if (c.buffer.mid(9, 3).toInt() != expectedStatus)
                ++failures;
            if (bodies)
                bodies->push_back(c.buffer.mid(end + 4, length));
            c.buffer.remove(0, end + 4 + length);
            if (++finished == total) {
                loop.quit();
                return;
            }
            send(c);
        }
    };
    for (Connection &c : connections) {
        c.socket = std::make_unique<QTcpSocket>();
        c.socket->connectToHost(QHostAddress::LocalHost, port);
        if (!c.socket->waitForConnected(5000))
            return QJsonObject{{u"error"_s, c.socket->errorString()}};
        QObject::connect(c.socket.get(), &QTcpSocket::readyRead, &loop, [&] { receive(c); });
    }
    QElapsedTimer wall;
    wall.start();
    for (Connection &c : connections)
        send(c);
    if (total > 0)
        loop.exec();
    return summary(latencies, total, failures, double(wall.nsecsElapsed()) / 1e9);
}

/// Runs `total` calls with `clients` in flight through QNetworkAccessManager.
QJsonObject driveQnam(QNetworkAccessManager &nam, const QString &base, int total,
                      const std::function<Call(int)> &make, int expectedStatus,
                      std::vector<QByteArray> *bodies)
{
    std::vector<double> latencies;
    latencies.reserve(size_t(total));
    int started = 0;
    int finished = 0;
    int failures = 0;
    QEventLoop loop;
    QElapsedTimer wall;
    wall.start();
    std::function<void()> next = [&] {
        if (started >= total)
            return;
        const Call call = make(started++);
        QNetworkRequest request(QUrl(base + call.path));
        if (!call.body.isEmpty())
            request.setRawHeader("Content-Type", "application/fhir+json");
        auto *timer = new QElapsedTimer;
        timer->start();
        QNetworkReply *reply = nam.sendCustomRequest(request, call.verb, call.body);
        QObject::connect(reply, &QNetworkReply::finished, &loop, [&, reply, timer] {
            latencies.push_back(double(timer->nsecsElapsed()) / 1e6);
            delete timer;
            if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt()
                != expectedStatus)
                ++failures;
            if (bodies)
                bodies->push_back(reply->readAll());
            reply->deleteLater();
            if (++finished == total)
                loop.quit();
            else
                next();
        });
    };
    for (int i = 0; i < clients && i < total; ++i)
        next();
    if (total > 0)
        loop.exec();
    return summary(latencies, total, failures, double(wall.nsecsElapsed()) / 1e9);
}

/// A field of /proc/<pid>/status in KiB ("VmRSS:", "VmHWM:"); -1 if unknown.
double kibOfProcess(qint64 pid, const char *field)
{
    QFile status(u"/proc/%1/status"_s.arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith(field))
            return line.mid(qsizetype(qstrlen(field))).trimmed().split(' ').first().toDouble();
    }
    return -1;
}

/// A transaction Bundle that PUTs each resource under its own id.
QByteArray transactionOf(std::vector<nlohmann::json> &resources)
{
    nlohmann::json entries = nlohmann::json::array();
    for (nlohmann::json &r : resources) {
        const std::string url
            = r.at("resourceType").get<std::string>() + "/" + r.at("id").get<std::string>();
        nlohmann::json entry = nlohmann::json::object();
        entry["fullUrl"] = url;
        entry["resource"] = std::move(r);
        entry["request"] = {{"method", "PUT"}, {"url", url}};
        entries.push_back(std::move(entry));
    }
    const nlohmann::json bundle
        = {{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", std::move(entries)}};
    return QByteArray::fromStdString(bundle.dump());
}

/// Starts `binary serve` on a new folder, loads `target` resources over HTTP and reads the
/// server process's memory.
QJsonObject measureServe(
    const QString &binary, qint64 target,
    const std::function<QJsonObject(quint16, int, const std::function<Call(int)> &)> &drive)
{
    QTemporaryDir dir;
    QProcess serve;
    serve.setProgram(binary);
    serve.setArguments({u"serve"_s, u"--no-auth"_s, u"--port"_s, u"0"_s, u"--data"_s, dir.path()});
    serve.setProcessChannelMode(QProcess::SeparateChannels);
    serve.setStandardErrorFile(QProcess::nullDevice());
    serve.start();
    if (!serve.waitForStarted(10000))
        return QJsonObject{{u"error"_s, u"cannot start %1"_s.arg(binary)}};
    // serve prints "FHIR R4 server: http://127.0.0.1:PORT/fhir/r4", then a line per request.
    static const QRegularExpression urlLine(u"FHIR R4 server: http://127\\.0\\.0\\.1:(\\d+)/"_s);
    QByteArray printed;
    quint16 port = 0;
    QElapsedTimer waiting;
    waiting.start();
    while (port == 0 && waiting.elapsed() < 30000 && serve.state() == QProcess::Running) {
        serve.waitForReadyRead(1000);
        printed += serve.readAllStandardOutput();
        if (const auto match = urlLine.match(QString::fromUtf8(printed)); match.hasMatch())
            port = quint16(match.captured(1).toUInt());
    }
    if (port == 0)
        return QJsonObject{
            {u"error"_s, QString(u"serve printed no URL: "_s + QString::fromUtf8(printed))}};
    QObject::connect(&serve, &QProcess::readyReadStandardOutput, &serve,
                     [&serve] { serve.readAllStandardOutput(); }); // the request log

    const double startKib = kibOfProcess(serve.processId(), "VmRSS:");
    fhir::synthetic::Options options;
    // ~94 resources a patient: enough patients for the target (the clinic's size follows).
    options.patients = int(target / 80) + 10;
    const fhir::synthetic::Generator generator(options);
    qint64 loaded = 0;
    int nextPatient = 0;
    bool shared = false;
    constexpr int patientsPerTransaction = 10;
    // Transactions one after another on one connection (the server writes one at a time).
    QElapsedTimer timer;
    timer.start();
    int transactions = 0;
    int failures = 0;
    while (loaded < target && nextPatient + patientsPerTransaction <= options.patients) {
        std::vector<nlohmann::json> batch;
        if (!shared) {
            batch = generator.sharedResources();
            shared = true;
        }
        for (int i = 0; i < patientsPerTransaction; ++i) {
            std::vector<nlohmann::json> record = generator.patientRecord(nextPatient++);
            batch.insert(batch.end(), std::make_move_iterator(record.begin()),
                         std::make_move_iterator(record.end()));
        }
        loaded += qint64(batch.size());
        const QByteArray body = transactionOf(batch);
        const QJsonObject sent = drive(port, 1, [&](int) { return Call{"POST", QString(), body}; });
        failures += sent[u"failures"_s].toInt();
        ++transactions;
    }
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    QJsonObject out{{u"resources"_s, loaded},
                    {u"transactions"_s, transactions},
                    {u"failures"_s, failures},
                    {u"seconds"_s, seconds},
                    {u"resources_per_second"_s, double(loaded) / seconds},
                    {u"server_rss_mib_at_start"_s, startKib / 1024},
                    {u"server_rss_mib"_s, kibOfProcess(serve.processId(), "VmRSS:") / 1024},
                    {u"server_peak_rss_mib"_s, kibOfProcess(serve.processId(), "VmHWM:") / 1024}};
    serve.terminate();
    if (!serve.waitForFinished(30000))
        serve.kill();
    out[u"server_exit_code"_s] = serve.exitCode();
    return out;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    int requests = 2000;
    int transactionSize = 10000;
    int transactionRuns = 1;
    bool qnam = false;
    QString serveBinary;
    qint64 serveResources = 100'000;
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == u"--requests"_s)
            requests = args[i + 1].toInt();
        else if (args[i] == u"--serve"_s)
            serveBinary = args[i + 1];
        else if (args[i] == u"--resources"_s)
            serveResources = args[i + 1].toLongLong();
        else if (args[i] == u"--transaction"_s)
            transactionSize = args[i + 1].toInt();
        else if (args[i] == u"--transaction-runs"_s)
            transactionRuns = std::max(1, args[i + 1].toInt());
        else if (args[i] == u"--client"_s)
            qnam = args[i + 1] == u"qnam"_s;
    }

    if (!serveBinary.isEmpty()) {
        const QJsonObject result
            = measureServe(serveBinary, serveResources,
                           [](quint16 port, int total, const std::function<Call(int)> &make) {
                               return driveRaw(port, total, make, 200, nullptr);
                           });
        std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Indented).constData());
        return result.contains(u"error"_s) || result[u"failures"_s].toInt() != 0 ? 1 : 0;
    }

    auto model = fhir::schema::Model::loadDefault();
    if (!model) {
        std::fprintf(stderr, "cannot load the model: %s\n", qPrintable(model.error()));
        return 1;
    }
    QTemporaryDir dir;
    QThread thread;
    Host host;
    host.model = *model;
    host.folder = dir.path();
    host.moveToThread(&thread);
    thread.start();
    QMetaObject::invokeMethod(
        &host, [&] { host.start(); }, Qt::BlockingQueuedConnection);
    if (!host.error.isEmpty()) {
        std::fprintf(stderr, "cannot start the server: %s\n", qPrintable(host.error));
        thread.quit();
        thread.wait();
        return 1;
    }
    const QString base = u"http://127.0.0.1:%1/fhir/r4"_s.arg(host.port);
    QNetworkAccessManager nam;
    auto drive = [&](int total, const std::function<Call(int)> &make, int expectedStatus,
                     std::vector<QByteArray> *bodies = nullptr) {
        return qnam ? driveQnam(nam, base, total, make, expectedStatus, bodies)
                    : driveRaw(host.port, total, make, expectedStatus, bodies);
    };

    const QByteArray patient
        = R"({"resourceType":"Patient","name":[{"family":"Chalmers","given":["Peter"]}],)"
          R"("gender":"male","birthDate":"1974-12-25"})";
    std::vector<QByteArray> created;
    QJsonObject result;
    result[u"create"_s] = drive(
        requests,
        [&](int) {
            return Call{"POST", u"/Patient"_s, patient};
        },
        201, &created);
    QStringList ids;
    for (const QByteArray &body : created) {
        const auto json = nlohmann::json::parse(body.toStdString(), nullptr, false);
        if (json.is_object() && json.contains("id"))
            ids.append(QString::fromStdString(json["id"].get<std::string>()));
    }
    if (ids.isEmpty())
        ids.append(u"none"_s);
    result[u"read"_s] = drive(
        requests,
        [&](int i) {
            return Call{"GET", u"/Patient/"_s + ids[i % ids.size()], {}};
        },
        200);
    result[u"update"_s] = drive(
        requests,
        [&](int i) {
            const QString &id = ids[i % ids.size()];
            auto json = nlohmann::json::parse(patient.toStdString());
            json["id"] = id.toStdString();
            return Call{"PUT", u"/Patient/"_s + id, QByteArray::fromStdString(json.dump())};
        },
        200);

    nlohmann::json bundle = {{"resourceType", "Bundle"}, {"type", "transaction"}};
    nlohmann::json entries = nlohmann::json::array();
    const auto resource = nlohmann::json::parse(patient.toStdString());
    for (int i = 0; i < transactionSize; ++i)
        entries.push_back({{"fullUrl", "urn:uuid:00000000-0000-0000-0000-" + std::to_string(i)},
                           {"resource", resource},
                           {"request", {{"method", "POST"}, {"url", "Patient"}}}});
    bundle["entry"] = std::move(entries);
    const QByteArray bundleBody = QByteArray::fromStdString(bundle.dump());
    std::vector<double> runs;
    int failures = 0;
    for (int run = 0; run < transactionRuns; ++run) {
        QElapsedTimer timer;
        timer.start();
        const QJsonObject tx = drive(
            1,
            [&](int) {
                return Call{"POST", QString(), bundleBody};
            },
            200);
        runs.push_back(double(timer.nsecsElapsed()) / 1e9);
        failures += tx[u"failures"_s].toInt();
    }
    QJsonArray perRun;
    for (const double seconds : runs)
        perRun.append(transactionSize / seconds);
    std::sort(runs.begin(), runs.end());
    const double seconds = runs[runs.size() / 2];
    result[u"transaction"_s] = QJsonObject{{u"resources"_s, transactionSize},
                                           {u"runs"_s, transactionRuns},
                                           {u"failures"_s, failures},
                                           {u"seconds"_s, seconds},
                                           {u"resources_per_second"_s, transactionSize / seconds},
                                           {u"resources_per_second_each_run"_s, perRun}};
    result[u"rss_mib"_s] = bench::kibFromStatus("VmRSS:") / 1024;
    result[u"peak_rss_mib"_s] = bench::kibFromStatus("VmHWM:") / 1024;
    result[u"client"_s] = qnam ? u"QNetworkAccessManager"_s : u"raw QTcpSocket"_s;
    result[u"note"_s] = u"client and server share one process; memory is of both"_s;

    QMetaObject::invokeMethod(
        &host, [&] { host.stop(); }, Qt::BlockingQueuedConnection);
    thread.quit();
    thread.wait();
    std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Indented).constData());
    const bool ok = result[u"create"_s][u"failures"_s].toInt() == 0
        && result[u"read"_s][u"failures"_s].toInt() == 0
        && result[u"update"_s][u"failures"_s].toInt() == 0 && failures == 0;
    return ok ? 0 : 1;
}
