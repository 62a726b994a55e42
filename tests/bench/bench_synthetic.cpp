// Measures the synthetic clinic: generation alone, streaming one patient record at a time,
// and with --load, generation and loading into a new embedded store as transactions.
//
//   build/release/bin/bench_synthetic [--patients N] [--seed S] [--load]
//   build/release/bin/bench_synthetic --patients N --import-ndjson
//
// With --import-ndjson, the clinic is written to one NDJSON file (a resource a line, streamed
// to disk), then imported into a new store with importFile() as `fhir-portal import` does:
// resources/s and the peak RSS show whether memory stays bounded by the file's size.
//
// Prints one JSON object.

#include "benchsupport.h"
#include "embedded_server/fileimporter.h"
#include "embedded_server/synthetic/generator.h"
#include "embedded_server/syntheticloader.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    auto option = [&args](const char *name, qint64 fallback) {
        const qsizetype i = args.indexOf(QLatin1String(name));
        return i > 0 && i + 1 < args.size() ? args.at(i + 1).toLongLong() : fallback;
    };
    fhir::synthetic::Options options;
    options.patients = int(option("--patients", 1000));
    options.seed = std::uint64_t(option("--seed", 1));

    if (args.contains(QStringLiteral("--import-ndjson"))) {
        auto model = fhir::schema::Model::loadDefault();
        QTemporaryDir dir;
        if (!model || !dir.isValid()) {
            std::fprintf(stderr, "cannot load the model or make a folder\n");
            return 1;
        }
        const QString path = dir.filePath(QStringLiteral("clinic.ndjson"));
        QElapsedTimer timer;
        timer.start();
        qint64 lines = 0;
        {
            QFile file(path);
            if (!file.open(QIODevice::WriteOnly)) {
                std::fprintf(stderr, "cannot write %s\n", qPrintable(path));
                return 1;
            }
            const fhir::synthetic::Generator generator(options);
            auto write = [&](const std::vector<nlohmann::json> &resources) {
                for (const auto &r : resources) {
                    file.write(QByteArray::fromStdString(r.dump()).append('\n'));
                    ++lines;
                }
            };
            write(generator.sharedResources());
            for (int i = 0; i < options.patients; ++i)
                write(generator.patientRecord(i));
        }
        const double writeSeconds = double(timer.nsecsElapsed()) / 1e9;
        const double rssBeforeKib = bench::kibFromStatus("VmHWM:");

        fhir::server::ServerOptions serverOptions;
        serverOptions.requireApiKey = false;
        auto server = fhir::server::FhirServer::open(*model, dir.filePath(QStringLiteral("store")),
                                                     serverOptions);
        if (!server) {
            std::fprintf(stderr, "%s\n", qPrintable(server.error()));
            return 1;
        }
        timer.restart();
        const fhir::server::FileImportReport report = fhir::server::importFile(**server, path);
        const double seconds = double(timer.nsecsElapsed()) / 1e9;
        QJsonObject out;
        out[QStringLiteral("patients")] = options.patients;
        out[QStringLiteral("ndjson_lines")] = lines;
        out[QStringLiteral("ndjson_mb")] = double(QFileInfo(path).size()) / (1024 * 1024);
        out[QStringLiteral("write_seconds")] = writeSeconds;
        out[QStringLiteral("loaded")] = report.loaded;
        out[QStringLiteral("problems")] = int(report.problems.size());
        out[QStringLiteral("error")] = report.error;
        out[QStringLiteral("import_seconds")] = seconds;
        out[QStringLiteral("resources_per_second")] = double(report.loaded) / seconds;
        out[QStringLiteral("peak_rss_mb_before_import")] = rssBeforeKib / 1024;
        out[QStringLiteral("peak_rss_mb")] = bench::kibFromStatus("VmHWM:") / 1024;
        std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
        return report.ok() && report.loaded == lines ? 0 : 1;
    }

    if (args.contains(QStringLiteral("--load"))) {
        auto model = fhir::schema::Model::loadDefault();
        QTemporaryDir dir;
        if (!model || !dir.isValid()) {
            std::fprintf(stderr, "cannot load the model or make a folder\n");
            return 1;
        }
        QElapsedTimer timer;
        timer.start();
        fhir::server::ServerOptions serverOptions;
        serverOptions.requireApiKey = false;
        auto server = fhir::server::FhirServer::open(*model, dir.path(), serverOptions);
        if (!server) {
            std::fprintf(stderr, "%s\n", qPrintable(server.error()));
            return 1;
        }
        const auto report
            = fhir::server::loadSynthetic(**server, fhir::synthetic::Generator(options), {},
                                          nullptr, int(option("--per-transaction", 10)));
        if (!report) {
            std::fprintf(stderr, "%s\n", qPrintable(report.error()));
            return 1;
        }
        const double seconds = double(timer.nsecsElapsed()) / 1e9;
        QJsonObject out;
        out[QStringLiteral("patients")] = report->patientsLoaded;
        out[QStringLiteral("resources_loaded")] = report->resourcesLoaded;
        out[QStringLiteral("seconds")] = seconds;
        out[QStringLiteral("resources_per_second")] = double(report->resourcesLoaded) / seconds;
        out[QStringLiteral("peak_rss_mb")] = bench::kibFromStatus("VmHWM:") / 1024;

        // Searches on the loaded store, in process (no HTTP): median ms over 50 runs each.
        QJsonObject searches;
        for (const auto &[name, query] :
             {std::pair{
                  "Patient?gender=male&_count=20",
                  QList<QPair<QString, QString>>{{QStringLiteral("gender"), QStringLiteral("male")},
                                                 {QStringLiteral("_count"), QStringLiteral("20")}}},
              std::pair{"Observation?patient=[id]&_count=20", QList<QPair<QString, QString>>{}},
              // search over several types, composites, _has, _content, $everything at type level
              std::pair{"?_type=Patient,Observation&_lastUpdated=gt2000-01-01&_count=20",
                        QList<QPair<QString, QString>>{
                            {QStringLiteral("_type"), QStringLiteral("Patient,Observation")},
                            {QStringLiteral("_lastUpdated"), QStringLiteral("gt2000-01-01")},
                            {QStringLiteral("_count"), QStringLiteral("20")}}},
              std::pair{
                  "?_count=20",
                  QList<QPair<QString, QString>>{{QStringLiteral("_count"), QStringLiteral("20")}}},
              std::pair{
                  "Observation?component-code-value-quantity=8480-6$gt140&_count=20",
                  QList<QPair<QString, QString>>{{QStringLiteral("component-code-value-quantity"),
                                                  QStringLiteral("8480-6$gt140")},
                                                 {QStringLiteral("_count"), QStringLiteral("20")}}},
              std::pair{
                  "Patient?_has:Observation:patient:code=85354-9&_count=20",
                  QList<QPair<QString, QString>>{
                      {QStringLiteral("_has:Observation:patient:code"), QStringLiteral("85354-9")},
                      {QStringLiteral("_count"), QStringLiteral("20")}}},
              std::pair{"Patient?_content=female&_count=20",
                        QList<QPair<QString, QString>>{
                            {QStringLiteral("_content"), QStringLiteral("female")},
                            {QStringLiteral("_count"), QStringLiteral("20")}}},
              std::pair{"Patient/$everything?_count=20",
                        QList<QPair<QString, QString>>{
                            {QStringLiteral("_count"), QStringLiteral("20")}}}}) {
            fhir::server::Request request;
            request.method = QByteArrayLiteral("GET");
            request.path = fhir::server::FhirServer::basePath() + u'/'
                + QString::fromLatin1(name).section(u'?', 0, 0);
            request.query = query;
            if (query.isEmpty()) { // one patient's observations, through the reference index
                request.path
                    = fhir::server::FhirServer::basePath() + QStringLiteral("/Observation");
                const auto first = (*server)->handle(
                    {QByteArrayLiteral("GET"),
                     fhir::server::FhirServer::basePath() + QStringLiteral("/Patient"),
                     {{QStringLiteral("_count"), QStringLiteral("1")}},
                     {},
                     {}});
                const auto bundle = nlohmann::json::parse(first.body.toStdString(), nullptr, false);
                const std::string id = bundle.is_object() && bundle.contains("entry")
                    ? bundle["entry"][0]["resource"]["id"].get<std::string>()
                    : std::string();
                request.query = {{QStringLiteral("patient"), QString::fromStdString(id)},
                                 {QStringLiteral("_count"), QStringLiteral("20")}};
            }
            std::vector<double> runs;
            qint64 total = 0;
            for (int i = 0; i < 50; ++i) {
                QElapsedTimer t;
                t.start();
                const auto response = (*server)->handle(request);
                runs.push_back(double(t.nsecsElapsed()) / 1e6);
                if (i == 0) {
                    const auto bundle
                        = nlohmann::json::parse(response.body.toStdString(), nullptr, false);
                    total = bundle.is_object() ? bundle.value("total", qint64(-1)) : -1;
                }
            }
            QJsonObject figure;
            figure[QStringLiteral("median_ms")] = bench::median(runs);
            figure[QStringLiteral("total")] = total;
            searches[QLatin1String(name)] = figure;
        }
        out[QStringLiteral("search")] = searches;
        std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
        return 0;
    }

    QElapsedTimer timer;
    timer.start();
    const fhir::synthetic::Generator generator(options);
    qint64 resources = 0;
    qint64 bytes = 0;
    for (const auto &r : generator.sharedResources()) {
        ++resources;
        bytes += qint64(r.dump().size());
    }
    for (int i = 0; i < options.patients; ++i) {
        for (const auto &r : generator.patientRecord(i)) {
            ++resources;
            bytes += qint64(r.dump().size());
        }
    }
    const double seconds = double(timer.nsecsElapsed()) / 1e9;

    QJsonObject out;
    out[QStringLiteral("patients")] = options.patients;
    out[QStringLiteral("resources")] = resources;
    out[QStringLiteral("json_mb")] = double(bytes) / (1024 * 1024);
    out[QStringLiteral("seconds")] = seconds;
    out[QStringLiteral("resources_per_second")] = double(resources) / seconds;
    out[QStringLiteral("peak_rss_mb")] = bench::kibFromStatus("VmHWM:") / 1024;
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
    return 0;
}
