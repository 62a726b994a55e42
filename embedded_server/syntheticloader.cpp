#include "syntheticloader.h"

namespace fhir::server {

namespace {

using Json = nlohmann::json;

// A transaction Bundle that PUTs every resource under its own id. The resources move into it.
QByteArray transactionOf(std::vector<Json> &resources)
{
    Json entries = Json::array();
    for (Json &r : resources) {
        const std::string url
            = r.at("resourceType").get<std::string>() + "/" + r.at("id").get<std::string>();
        Json entry = Json::object();
        entry["fullUrl"] = url;
        entry["resource"] = std::move(r);
        entry["request"] = {{"method", "PUT"}, {"url", url}};
        entries.push_back(std::move(entry));
    }
    const Json bundle
        = {{"resourceType", "Bundle"}, {"type", "transaction"}, {"entry", std::move(entries)}};
    return QByteArray::fromStdString(bundle.dump());
}

Result<bool> send(FhirServer &server, std::vector<Json> &resources)
{
    Request request;
    request.method = QByteArrayLiteral("POST");
    request.path = FhirServer::basePath();
    request.headers = {{"Content-Type", "application/fhir+json"}, {"Prefer", "return=minimal"}};
    request.body = transactionOf(resources);
    const Response response = server.handle(request);
    if (response.status != 200) {
        const Json outcome = Json::parse(response.body.toStdString(), nullptr, false);
        std::string said;
        if (outcome.is_object() && outcome.contains("issue") && !outcome["issue"].empty())
            said = outcome["issue"][0].value("diagnostics", std::string());
        return Error{QStringLiteral("the server refused a synthetic transaction (%1): %2")
                         .arg(response.status)
                         .arg(QString::fromStdString(said))};
    }
    return true;
}

} // namespace

Result<LoadReport> loadSynthetic(FhirServer &server, const synthetic::Generator &generator,
                                 const std::function<void(int, int)> &progress,
                                 const std::atomic_bool *cancel, int patientsPerTransaction)
{
    LoadReport report;
    const int total = generator.options().patients;
    std::vector<Json> shared = generator.sharedResources();
    if (Result<bool> sent = send(server, shared); !sent)
        return Error{sent.error()};
    report.resourcesLoaded += qint64(shared.size());
    if (progress)
        progress(0, total);

    std::vector<Json> batch;
    int inBatch = 0;
    for (int i = 0; i < total; ++i) {
        if (cancel != nullptr && cancel->load()) {
            report.cancelled = true;
            return report;
        }
        std::vector<Json> record = generator.patientRecord(i);
        batch.insert(batch.end(), std::make_move_iterator(record.begin()),
                     std::make_move_iterator(record.end()));
        ++inBatch;
        if (inBatch == patientsPerTransaction || i == total - 1) {
            if (Result<bool> sent = send(server, batch); !sent)
                return Error{sent.error()};
            report.resourcesLoaded += qint64(batch.size());
            report.patientsLoaded += inBatch;
            batch.clear();
            inBatch = 0;
            if (progress)
                progress(report.patientsLoaded, total);
        }
    }
    return report;
}

} // namespace fhir::server
