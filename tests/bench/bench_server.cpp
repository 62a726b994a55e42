// Drives the embedded FHIR server over HTTP on loopback, as a client would: 4 keep-alive
// connections (QNetworkAccessManager) against a server running in its own thread.
//
//   build/release/bin/bench_server [--requests N] [--transaction N]
//
// Prints one JSON object: throughput and p50/p95/p99 latency for create, read and update
// (N requests each), the time of one transaction of --transaction Patient creates, and the
// process's memory afterwards.

#include "benchsupport.h"
#include "embedded_server/fhirserver.h"
#include "embedded_server/httplistener.h"

#include "schemas/model.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
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

/// Runs `total` calls with `clients` in flight; returns throughput and latency percentiles.
QJsonObject drive(QNetworkAccessManager &nam, const QString &base, int total,
                  const std::function<Call(int)> &make, int expectedStatus,
                  std::vector<QByteArray> *bodies = nullptr)
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
    const double seconds = double(wall.nsecsElapsed()) / 1e9;
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

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    int requests = 2000;
    int transactionSize = 10000;
    const QStringList args = app.arguments();
    for (qsizetype i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == u"--requests"_s)
            requests = args[i + 1].toInt();
        else if (args[i] == u"--transaction"_s)
            transactionSize = args[i + 1].toInt();
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

    const QByteArray patient
        = R"({"resourceType":"Patient","name":[{"family":"Chalmers","given":["Peter"]}],)"
          R"("gender":"male","birthDate":"1974-12-25"})";
    std::vector<QByteArray> created;
    QJsonObject result;
    result[u"create"_s] = drive(
        nam, base, requests,
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
        nam, base, requests,
        [&](int i) {
            return Call{"GET", u"/Patient/"_s + ids[i % ids.size()], {}};
        },
        200);
    result[u"update"_s] = drive(
        nam, base, requests,
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
    QElapsedTimer timer;
    timer.start();
    const QJsonObject tx = drive(
        nam, base, 1,
        [&](int) {
            return Call{"POST", QString(), bundleBody};
        },
        200);
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    result[u"transaction"_s]
        = QJsonObject{{u"resources"_s, transactionSize},
                      {u"failures"_s, tx[u"failures"_s]},
                      {u"seconds"_s, seconds},
                      {u"resources_per_second"_s, seconds > 0 ? transactionSize / seconds : 0}};
    result[u"rss_mib"_s] = bench::kibFromStatus("VmRSS:") / 1024;
    result[u"peak_rss_mib"_s] = bench::kibFromStatus("VmHWM:") / 1024;
    result[u"note"_s] = u"client and server share one process; memory is of both"_s;

    QMetaObject::invokeMethod(
        &host, [&] { host.stop(); }, Qt::BlockingQueuedConnection);
    thread.quit();
    thread.wait();
    std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Indented).constData());
    const bool ok = result[u"create"_s][u"failures"_s].toInt() == 0
        && result[u"read"_s][u"failures"_s].toInt() == 0
        && result[u"update"_s][u"failures"_s].toInt() == 0 && tx[u"failures"_s].toInt() == 0;
    return ok ? 0 : 1;
}
