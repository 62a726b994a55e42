// Measures the desktop app as a user feels it: time from process start to the main window
// shown, time to show Patient's schema after picking it, time to fill the Bundle viewer with
// a 10,000-entry Bundle, and the peak resident memory.
//
//   QT_QPA_PLATFORM=offscreen build/release/bin/bench_gui [--entries N] [--first-start]
//
// The window is built as main.cpp builds it, deployments included, up to the first start's
// data load, which the app begins after the window is shown. --first-start then runs that
// first start (100 patients) and waits for it, so the peak memory is the app's with it.
//
// Prints one JSON object. Targets: 700 ms, 50 ms, 500 ms, 250 MB.

#include "app/deploymentmanager.h"
#include "benchsupport.h"
#include "schemas/model.h"
#include "ui/models/bundleentrymodel.h"
#include "ui/widgets/bundleviewer.h"
#include "ui/widgets/deploymentscontroller.h"
#include "ui/widgets/mainwindow.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QTemporaryDir>
#include <QTreeView>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <unistd.h>

namespace {

/// Milliseconds since the kernel started this process (/proc/self/stat, field 22).
double msSinceProcessStart()
{
    QFile stat(QStringLiteral("/proc/self/stat"));
    QFile uptime(QStringLiteral("/proc/uptime"));
    if (!stat.open(QIODevice::ReadOnly) || !uptime.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray text = stat.readAll();
    // Fields after the command name, which is in parentheses and may hold spaces.
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    const double startTicks = fields.value(19).toDouble(); // field 22 overall
    const double upSeconds = uptime.readAll().split(' ').value(0).toDouble();
    return (upSeconds - startTicks / double(sysconf(_SC_CLK_TCK))) * 1000.0;
}

double msSince(const QElapsedTimer &timer)
{
    return double(timer.nsecsElapsed()) / 1e6;
}

void settle(QWidget *widget)
{
    // Until it is laid out and painted once.
    QCoreApplication::processEvents();
    widget->grab();
    QCoreApplication::processEvents();
}

QByteArray bundleOf(int entries)
{
    nlohmann::json list = nlohmann::json::array();
    for (int i = 0; i < entries; ++i) {
        list.push_back(
            {{"fullUrl", "http://127.0.0.1/fhir/r4/Patient/p" + std::to_string(i)},
             {"resource",
              {{"resourceType", "Patient"},
               {"id", "p" + std::to_string(i)},
               {"meta", {{"versionId", "1"}, {"lastUpdated", "2024-05-01T10:00:00Z"}}},
               {"name", {{{"given", {"Ann"}}, {"family", "Lee" + std::to_string(i)}}}},
               {"gender", i % 2 ? "male" : "female"},
               {"birthDate", "1974-12-25"},
               {"address", {{{"city", "PleasantVille"}, {"line", {"534 Erewhon St"}}}}}}},
             {"search", {{"mode", "match"}}}});
    }
    return QByteArray::fromStdString(nlohmann::json{
        {"resourceType", "Bundle"},
        {"type", "searchset"},
        {"total", entries},
        {"entry", list}}.dump());
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    int entries = 10000;
    const QStringList args = QCoreApplication::arguments();
    if (const qsizetype i = args.indexOf(QStringLiteral("--entries")); i > 0 && i + 1 < args.size())
        entries = args.at(i + 1).toInt();

    auto model = fhir::schema::Model::loadDefault();
    if (!model) {
        std::fprintf(stderr, "%s\n", qPrintable(model.error()));
        return 1;
    }
    // As main.cpp builds the window (deployments in its toolbar and docks), with the settings,
    // data and keychain service of a throwaway profile; the first start's data load comes
    // after the window is shown, as in the app.
    QTemporaryDir profile;
    QSettings settings(profile.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
    fhir::ui::MainWindow window(*model);
    auto *deployments = new fhir::ui::DeploymentsController(
        *model,
        {&settings, profile.filePath(QStringLiteral("data")),
         profile.filePath(QStringLiteral("history.json")), QStringLiteral("FHIR Portal bench")},
        &window);
    deployments->placeIn(&window);
    window.show();
    settle(&window);
    const double startupMs = msSinceProcessStart();

    // Pick another type, then Patient: the time to its schema on screen.
    window.showType(QStringLiteral("Observation"));
    settle(&window);
    QElapsedTimer timer;
    timer.start();
    window.showType(QStringLiteral("Patient"));
    settle(&window);
    const double schemaMs = msSince(timer);

    const QByteArray bundle = bundleOf(entries);
    fhir::ui::BundleViewer viewer;
    viewer.resize(1200, 700);
    viewer.show();
    settle(&viewer);
    timer.start();
    viewer.setBundle(bundle);
    settle(&viewer);
    const double bundleMs = msSince(timer);
    if (viewer.model()->rowCount() != entries)
        return 1;

    // Then the first start as a new user has it: "Local" made, keyed and loaded with its 100
    // synthetic patients on the deployment's own thread while the window is up.
    double firstStartMs = -1;
    if (args.contains(QStringLiteral("--first-start"))) {
        QEventLoop loop;
        bool loaded = false;
        QObject::connect(deployments->manager(), &fhir::app::DeploymentManager::loadFinished, &loop,
                         [&](const QString &, bool ok, const QString &) {
                             loaded = ok;
                             loop.quit();
                         });
        timer.start();
        deployments->initialize();
        loop.exec();
        if (!loaded)
            return 1;
        firstStartMs = msSince(timer);
    }

    QJsonObject out;
    out.insert(QStringLiteral("startup_to_window_ms"), startupMs);
    out.insert(QStringLiteral("show_patient_schema_ms"), schemaMs);
    out.insert(QStringLiteral("bundle_entries"), entries);
    out.insert(QStringLiteral("bundle_bytes"), bundle.size());
    out.insert(QStringLiteral("fill_bundle_viewer_ms"), bundleMs);
    if (firstStartMs >= 0)
        out.insert(QStringLiteral("first_start_load_ms"), firstStartMs);
    out.insert(QStringLiteral("peak_rss_mib"), bench::kibFromStatus("VmHWM:") / 1024.0);
    std::printf("%s", QJsonDocument(out).toJson().constData());
    return 0;
}
