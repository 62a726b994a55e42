// Measures the FHIR model: time to make it ready, time to produce element trees, memory.
//
//   build/release/bin/bench_model [--iterations N]
//
// Prints one JSON object. Times are medians over N fresh loads (each load maps the file anew,
// so element trees are decoded from scratch every time).

#include "benchsupport.h"
#include "schemas/model.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

using namespace fhir::schema;
using bench::kibFromStatus;
using bench::median;

namespace {

double msSince(const QElapsedTimer &timer)
{
    return double(timer.nsecsElapsed()) / 1e6;
}

// A resource's element tree through children() from the root, as the schema browser shows
// it: every element of its own snapshot (backbone elements included). With `openDataTypes`,
// each complex data type is opened one level too, as after a user expands every node once.
int walkTree(const Model &model, const QString &path, bool openDataTypes)
{
    const auto children = model.children(path);
    if (!children)
        return 0;
    const QString root = path.section(QLatin1Char('.'), 0, 0);
    int count = 0;
    for (const ElementNode &child : *children) {
        ++count;
        // A contentReference (Questionnaire.item.item) repeats its target: the spec's tables
        // show it as "see ..." rather than unfold it forever, and so does this walk.
        if (!child.hasChildren || !child.definition->contentReference.isEmpty())
            continue;
        const QString type = child.definition->types.value(0).code;
        const bool backbone = child.definedIn == root && child.choiceType.isEmpty()
            && (type == QLatin1String("BackboneElement") || type == QLatin1String("Element"));
        if (backbone) {
            count += walkTree(model, child.path, openDataTypes);
        } else if (openDataTypes) {
            if (const auto opened = model.children(child.path); opened)
                count += int(opened->size());
        }
    }
    return count;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    int iterations = 20;
    const QStringList args = app.arguments();
    if (const qsizetype i = args.indexOf(QStringLiteral("--iterations"));
        i > 0 && i + 1 < args.size())
        iterations = std::max(1, args.at(i + 1).toInt());

    const double rssBefore = kibFromStatus("VmRSS:");
    std::vector<double> ready;
    std::vector<double> patientTree;
    std::vector<double> patientOpened;
    int patientNodes = 0;
    int patientOpenedNodes = 0;
    std::shared_ptr<const Model> kept;
    for (int i = 0; i < iterations; ++i) {
        QElapsedTimer timer;
        timer.start();
        auto model = Model::loadDefault();
        if (!model) {
            std::fprintf(stderr, "%s\n", qPrintable(model.error()));
            return 1;
        }
        ready.push_back(msSince(timer));

        timer.restart();
        patientNodes = walkTree(**model, QStringLiteral("Patient"), false);
        patientTree.push_back(msSince(timer));

        auto another = Model::loadDefault();
        timer.restart();
        patientOpenedNodes = walkTree(**another, QStringLiteral("Patient"), true);
        patientOpened.push_back(msSince(timer));
        kept = *model;
    }
    const double rssReady = kibFromStatus("VmRSS:");

    // Every resource type's tree, each decoded for the first time on this model.
    auto fresh = Model::loadDefault();
    double worstMs = 0;
    QString worstType;
    std::vector<double> all;
    for (const QString &type : (*fresh)->resourceTypes()) {
        QElapsedTimer timer;
        timer.start();
        walkTree(**fresh, type, false);
        const double ms = msSince(timer);
        all.push_back(ms);
        if (ms > worstMs) {
            worstMs = ms;
            worstType = type;
        }
    }
    // Decode every type and value set: the most memory the model can take.
    for (const QString &type : (*fresh)->dataTypes())
        (void)(*fresh)->elements(type);
    for (const QString &url : (*fresh)->valueSetUrls())
        (void)(*fresh)->valueSet(url);
    const double rssAll = kibFromStatus("VmRSS:");

    QJsonObject out;
    out[QStringLiteral("iterations")] = iterations;
    out[QStringLiteral("model_ready_ms_median")] = median(ready);
    out[QStringLiteral("model_ready_ms_first")] = ready.front();
    out[QStringLiteral("patient_tree_ms_median")] = median(patientTree);
    out[QStringLiteral("patient_tree_nodes")] = patientNodes;
    out[QStringLiteral("patient_tree_data_types_opened_ms_median")] = median(patientOpened);
    out[QStringLiteral("patient_tree_data_types_opened_nodes")] = patientOpenedNodes;
    out[QStringLiteral("resource_tree_ms_median")] = median(all);
    out[QStringLiteral("resource_tree_ms_worst")] = worstMs;
    out[QStringLiteral("resource_tree_worst_type")] = worstType;
    out[QStringLiteral("rss_mb_before_load")] = rssBefore / 1024;
    out[QStringLiteral("rss_mb_model_ready")] = rssReady / 1024;
    out[QStringLiteral("rss_mb_everything_decoded")] = rssAll / 1024;
    out[QStringLiteral("peak_rss_mb")] = kibFromStatus("VmHWM:") / 1024;
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
    return 0;
}
