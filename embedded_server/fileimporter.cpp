#include "fileimporter.h"

#include <QFileInfo>

using namespace Qt::StringLiterals;
using Json = nlohmann::json;

namespace fhir::server {

namespace {

/// Keeps a batch body well under the server's request limit even when resources are large.
constexpr size_t kMaxBatchBytes = 8 * 1024 * 1024;

/// What an OperationOutcome says, in one line.
QString outcomeText(const Json &outcome)
{
    if (!outcome.is_object() || !outcome.contains("issue") || !outcome["issue"].is_array()
        || outcome["issue"].empty())
        return u"refused without an explanation"_s;
    const Json &issues = outcome["issue"];
    QString text = QString::fromStdString(issues[0].value("diagnostics", std::string()));
    if (text.isEmpty())
        text = QString::fromStdString(issues[0].value("code", std::string("refused")));
    if (issues.size() > 1)
        text += u" (and %1 more issues)"_s.arg(issues.size() - 1);
    return text;
}

Json parse(const QByteArray &body)
{
    return Json::parse(body.constData(), body.constData() + body.size(), nullptr, false);
}

Response post(FhirServer &server, const Json &bundle)
{
    Request request;
    request.method = QByteArrayLiteral("POST");
    request.path = FhirServer::basePath();
    request.headers = {{"Content-Type", "application/fhir+json"}, {"Prefer", "return=minimal"}};
    request.body = QByteArray::fromStdString(bundle.dump());
    return server.handle(request);
}

/// Writes `items` as one batch and records what became of each.
void sendBatch(FhirServer &server, std::vector<ImportItem> &items, FileImportReport &report)
{
    if (items.empty())
        return;
    Json entries = Json::array();
    for (ImportItem &item : items) {
        const std::string type = item.resource["resourceType"].get<std::string>();
        const auto id = item.resource.find("id");
        const bool hasId = id != item.resource.end() && id->is_string();
        const std::string url = hasId ? type + '/' + id->get<std::string>() : type;
        entries.push_back({{"resource", std::move(item.resource)},
                           {"request", {{"method", hasId ? "PUT" : "POST"}, {"url", url}}}});
    }
    const Response response = post(
        server, {{"resourceType", "Bundle"}, {"type", "batch"}, {"entry", std::move(entries)}});
    const Json body = parse(response.body);
    if (response.status != 200) {
        const QString why = outcomeText(body);
        for (const ImportItem &item : items)
            report.problems.append({item.line, item.entry, why});
        return;
    }
    const Json results = body.value("entry", Json::array());
    for (size_t i = 0; i < items.size(); ++i) {
        const Json result
            = i < results.size() ? results[i].value("response", Json::object()) : Json::object();
        const QString status = QString::fromStdString(result.value("status", std::string()));
        if (!status.isEmpty() && status.at(0) == u'2')
            ++report.loaded;
        else
            report.problems.append(
                {items[i].line, items[i].entry, outcomeText(result.value("outcome", Json()))});
    }
}

/// A transaction or batch Bundle, posted as it is.
void sendWhole(FhirServer &server, const ImportReader &reader, Json bundle,
               FileImportReport &report)
{
    const bool transaction = reader.bundleType() == u"transaction"_s;
    const Response response = post(server, bundle);
    const Json body = parse(response.body);
    if (response.status != 200) {
        report.error = transaction
            ? u"the transaction was refused and nothing of it was written: %1"_s.arg(
                outcomeText(body))
            : u"the batch was refused: %1"_s.arg(outcomeText(body));
        return;
    }
    const Json results = body.value("entry", Json::array());
    for (size_t i = 0; i < results.size(); ++i) {
        const Json result = results[i].value("response", Json::object());
        const QString status = QString::fromStdString(result.value("status", std::string()));
        if (!status.isEmpty() && status.at(0) == u'2')
            ++report.loaded;
        else
            report.problems.append({0, int(i), outcomeText(result.value("outcome", Json()))});
    }
}

} // namespace

QString FileImportReport::text() const
{
    QString out = QFileInfo(path).fileName() + u": "_s;
    if (!error.isEmpty())
        out += u"not loaded: "_s + error;
    else
        out += u"%1 loaded"_s.arg(loaded);
    if (!problems.isEmpty())
        out += u", %1 not loaded"_s.arg(problems.size());
    if (cancelled)
        out += u", cancelled"_s;
    for (const ImportProblem &problem : problems)
        out += u"\n  "_s + problem.text();
    return out;
}

FileImportReport importFile(FhirServer &server, const QString &path,
                            const std::function<void(qint64, qint64)> &progress,
                            const std::atomic_bool *cancel, int chunk)
{
    FileImportReport report;
    report.path = path;
    auto opened = ImportReader::open(path);
    if (!opened) {
        report.error = opened.error();
        return report;
    }
    ImportReader &reader = **opened;
    std::vector<ImportItem> items;
    QList<ImportProblem> problems;
    if (reader.sendsWholeBundle()) {
        reader.next(items, problems, 1);
        report.problems += problems;
        if (!items.empty())
            sendWhole(server, reader, std::move(items.front().resource), report);
        if (progress)
            progress(reader.size(), reader.size());
        return report;
    }

    bool more = true;
    while (more) {
        if (cancel && cancel->load()) {
            report.cancelled = true;
            break;
        }
        items.clear();
        problems.clear();
        more = reader.next(items, problems, chunk);
        report.problems += problems;
        // Split by size: the server refuses bodies over its limit.
        std::vector<ImportItem> batch;
        size_t bytes = 0;
        for (ImportItem &item : items) {
            const size_t size = item.resource.dump().size(); // an estimate, but a fair one
            if (!batch.empty() && bytes + size > kMaxBatchBytes) {
                sendBatch(server, batch, report);
                batch.clear();
                bytes = 0;
            }
            bytes += size;
            batch.push_back(std::move(item));
        }
        sendBatch(server, batch, report);
        if (progress)
            progress(reader.bytesRead(), reader.size());
    }
    // Problems in file order, as a reader of the report expects.
    std::stable_sort(report.problems.begin(), report.problems.end(),
                     [](const ImportProblem &a, const ImportProblem &b) {
                         return a.line != b.line ? a.line < b.line : a.entry < b.entry;
                     });
    return report;
}

} // namespace fhir::server
