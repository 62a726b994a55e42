// Measures the synthetic clinic: generation alone, streaming one patient record at a time,
// and with --load, generation and loading into a new embedded store as transactions.
//
//   build/release/bin/bench_synthetic [--patients N] [--seed S] [--load]
//
// Prints one JSON object.

#include "benchsupport.h"
#include "embedded_server/synthetic/generator.h"
#include "embedded_server/syntheticloader.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
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
            = fhir::server::loadSynthetic(**server, fhir::synthetic::Generator(options));
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
