#pragma once

// Shared by the search suites: a server on a temporary folder, requests in "METHOD /path?query"
// shorthand, and a small clinic of known resources.

#include "embedded_server/fhirserver.h"

#include "testmodel.h"

#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

#include <nlohmann/json.hpp>

namespace searchtest {

using fhir::server::FhirServer;
using fhir::server::HeaderList;
using fhir::server::Request;
using fhir::server::Response;
using Json = nlohmann::json;

inline const QString base = QStringLiteral("http://127.0.0.1:8080/fhir/r4");

inline Request makeRequest(const QByteArray &method, const QString &target,
                           const QByteArray &body = {}, HeaderList headers = {})
{
    Request request;
    request.method = method;
    const qsizetype question = target.indexOf(u'?');
    request.path = QStringLiteral("/fhir/r4") + (question < 0 ? target : target.left(question));
    if (question >= 0)
        request.query = QUrlQuery(target.mid(question + 1)).queryItems(QUrl::FullyDecoded);
    if (!body.isEmpty() && fhir::server::headerValue(headers, "Content-Type").isNull())
        headers.append({QByteArray("Content-Type"), QByteArray("application/fhir+json")});
    request.headers = std::move(headers);
    request.body = body;
    return request;
}

inline Json parse(const Response &response)
{
    return Json::parse(response.body.toStdString(), nullptr, false);
}

/// The ids of the entries of a search set with the given mode, in order.
inline QStringList ids(const Json &bundle, const char *mode = "match")
{
    QStringList out;
    if (!bundle.contains("entry"))
        return out;
    for (const Json &e : bundle["entry"]) {
        if (e["search"]["mode"] == mode)
            out.append(QString::fromStdString(e["resource"]["id"].get<std::string>()));
    }
    return out;
}

inline std::string narrative(const std::string &text)
{
    const char quote = 34; // no escaped quotes here: moc reads the suites that include this
    return std::string("<div xmlns=") + quote + "http://www.w3.org/1999/xhtml" + quote + '>' + text
        + "</div>";
}

/// The known clinic: three patients, an organization, observations (one with components), a
/// risk assessment and a value set, each PUT under its id.
inline std::vector<Json> clinic()
{
    return {
        {{"resourceType", "Organization"}, {"id", "o1"}, {"name", "Acme, Inc"}},
        {{"resourceType", "Patient"},
         {"id", "p1"},
         {"text", {{"status", "generated"}, {"div", narrative("Peter")}}},
         {"identifier", {{{"system", "http://x"}, {"value", "123"}}}},
         {"active", true},
         {"name", {{{"family", "Chalmers"}, {"given", {"Peter", "James"}}}}},
         {"telecom", {{{"system", "phone"}, {"value", "555-1234"}}}},
         {"gender", "male"},
         {"birthDate", "1974-12-25"},
         {"address", {{{"city", "Zürich"}, {"country", "CH"}}}},
         {"maritalStatus", {{"text", "Married"}}},
         {"managingOrganization", {{"reference", "Organization/o1"}}}},
        {{"resourceType", "Patient"},
         {"id", "p2"},
         {"identifier", {{{"system", "http://x"}, {"value", "456"}}}},
         {"name", {{{"family", "Chávez"}, {"given", {"María"}}}}},
         {"gender", "female"},
         {"birthDate", "1980-03"}},
        {{"resourceType", "Patient"},
         {"id", "p3"},
         {"meta", {{"tag", {{{"system", "http://t"}, {"code", "x"}}}}}},
         {"name", {{{"family", "Smith"}}}},
         {"gender", "male"},
         {"birthDate", "1990"}},
        {{"resourceType", "Observation"},
         {"id", "oa"},
         {"status", "final"},
         {"code",
          {{"coding",
            {{{"system", "http://loinc.org"}, {"code", "8867-4"}, {"display", "Heart rate"}}}}}},
         {"subject", {{"reference", "Patient/p1"}}},
         {"effectiveDateTime", "2024-02-28T09:30:00Z"},
         {"valueQuantity",
          {{"value", 72},
           {"unit", "/min"},
           {"system", "http://unitsofmeasure.org"},
           {"code", "/min"}}}},
        {{"resourceType", "Observation"},
         {"id", "ob"},
         {"status", "preliminary"},
         {"code",
          {{"coding", {{{"system", "http://loinc.org"}, {"code", "8310-5"}}}},
           {"text", "Body temperature"}}},
         {"subject", {{"reference", "Patient/p2"}}},
         {"effectivePeriod", {{"start", "2024-03-01"}, {"end", "2024-03-05"}}},
         {"valueQuantity",
          {{"value", 37.5},
           {"unit", "C"},
           {"system", "http://unitsofmeasure.org"},
           {"code", "Cel"}}}},
        // search.html#composite: two components, each code with its own value
        {{"resourceType", "Observation"},
         {"id", "bp"},
         {"status", "amended"},
         {"code", {{"coding", {{{"system", "http://loinc.org"}, {"code", "85354-9"}}}}}},
         {"component",
          {{{"code", {{"coding", {{{"system", "http://loinc.org"}, {"code", "8480-6"}}}}}},
            {"valueQuantity",
             {{"value", 120}, {"system", "http://unitsofmeasure.org"}, {"code", "mm[Hg]"}}},
            {"interpretation", {{{"text", "normal"}}}}},
           {{"code", {{"coding", {{{"system", "http://loinc.org"}, {"code", "8462-4"}}}}}},
            {"valueQuantity",
             {{"value", 80}, {"system", "http://unitsofmeasure.org"}, {"code", "mm[Hg]"}}}}}}},
        {{"resourceType", "RiskAssessment"},
         {"id", "ra"},
         {"status", "final"},
         {"subject", {{"reference", "Patient/p1"}}},
         {"prediction", {{{"probabilityDecimal", 0.8}}}}},
        {{"resourceType", "ValueSet"},
         {"id", "vs"},
         {"url", "http://example.org/fhir/ValueSet/abc"},
         {"status", "active"}},
    };
}

/// PUTs every resource of the clinic; the caller checks with QVERIFY.
inline bool loadClinic(FhirServer &server)
{
    for (const Json &r : clinic()) {
        // QString, not "/" + std::string: GCC 12 -O3 warns falsely (-Wrestrict) on the latter.
        const QString path = u'/' + QString::fromStdString(r["resourceType"].get<std::string>())
            + u'/' + QString::fromStdString(r["id"].get<std::string>());
        const Response response
            = server.handle(makeRequest("PUT", path, QByteArray::fromStdString(r.dump())));
        if (response.status != 201) {
            qWarning("PUT %s: %d %s", qPrintable(path), response.status, response.body.constData());
            return false;
        }
    }
    return true;
}

} // namespace searchtest
