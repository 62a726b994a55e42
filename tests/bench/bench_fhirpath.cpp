// Measures the FHIRPath engine as the server's indexer uses it: parse every search expression
// once, then evaluate all of a resource type's search expressions over one realistic resource.
//
//   build/release/bin/bench_fhirpath [--iterations N]
//
// Prints one JSON object. µs per resource are medians over N rounds of 100 resources each.

#include "benchsupport.h"
#include "schemas/fhirpath/fhirpath.h"
#include "schemas/model.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

using namespace fhir;
using namespace fhir::fhirpath;

namespace {

// A Patient as a real record has it: several names, identifiers, contacts, extensions.
const char *kPatient = R"({
  "resourceType": "Patient", "id": "pat-1",
  "meta": {"versionId": "3", "lastUpdated": "2024-03-01T10:00:00Z",
           "profile": ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"],
           "tag": [{"system": "http://example.org/tags", "code": "synthetic"}]},
  "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Jane Doe</div>"},
  "extension": [
    {"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race",
     "extension": [{"url": "ombCategory", "valueCoding": {"system": "urn:oid:2.16.840.1.113883.6.238", "code": "2106-3"}},
                   {"url": "text", "valueString": "White"}]},
    {"url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
     "valueAddress": {"city": "Boston", "state": "MA", "country": "US"}}],
  "identifier": [
    {"use": "usual", "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
     "system": "http://hospital.example.org/mrn", "value": "MRN-0001234"},
    {"system": "http://hl7.org/fhir/sid/us-ssn", "value": "999-12-3456"},
    {"system": "urn:oid:2.16.840.1.113883.4.3.25", "value": "S99912345"}],
  "active": true,
  "name": [
    {"use": "official", "family": "Doe", "given": ["Jane", "Marie"], "prefix": ["Mrs."]},
    {"use": "maiden", "family": "Smith", "given": ["Jane"], "period": {"end": "2001-06-01"}},
    {"use": "nickname", "given": ["Janie"]}],
  "telecom": [
    {"system": "phone", "value": "555-201-3344", "use": "home"},
    {"system": "phone", "value": "555-201-9876", "use": "mobile", "rank": 1},
    {"system": "email", "value": "jane.doe@example.org"}],
  "gender": "female",
  "birthDate": "1978-04-12",
  "deceasedBoolean": false,
  "address": [
    {"use": "home", "type": "both", "line": ["12 Main Street", "Apt 4"], "city": "Springfield",
     "district": "Hampden", "state": "MA", "postalCode": "01101", "country": "US",
     "period": {"start": "2010-01-01"}},
    {"use": "old", "line": ["4 Elm Road"], "city": "Boston", "state": "MA", "postalCode": "02101", "country": "US"}],
  "maritalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus", "code": "M"}]},
  "multipleBirthBoolean": false,
  "contact": [{"relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "C"}]}],
               "name": {"family": "Doe", "given": ["John"]},
               "telecom": [{"system": "phone", "value": "555-201-1111"}]}],
  "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en-US"}]}, "preferred": true}],
  "generalPractitioner": [{"reference": "Practitioner/prac-7"}],
  "managingOrganization": {"reference": "Organization/org-1", "display": "Springfield General"},
  "link": [{"other": {"reference": "Patient/pat-0"}, "type": "replaces"}]
})";

const char *kObservation = R"({
  "resourceType": "Observation", "id": "obs-1",
  "meta": {"lastUpdated": "2024-03-01T10:05:00Z"},
  "status": "final",
  "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
  "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9", "display": "Blood pressure panel"}]},
  "subject": {"reference": "Patient/pat-1"},
  "encounter": {"reference": "Encounter/enc-3"},
  "effectiveDateTime": "2024-02-28T09:30:00+01:00",
  "issued": "2024-02-28T10:00:00.000Z",
  "performer": [{"reference": "Practitioner/prac-7"}],
  "interpretation": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "N"}]}],
  "bodySite": {"coding": [{"system": "http://snomed.info/sct", "code": "368209003"}]},
  "component": [
    {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
     "valueQuantity": {"value": 120, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
    {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
     "valueQuantity": {"value": 80, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}]
})";

struct Compiled
{
    QList<Expression> expressions;
    int failed = 0;
};

Compiled compile(const schema::Model &model, const QString &type)
{
    Compiled out;
    const auto params = model.searchParameters(type);
    if (!params)
        return out;
    for (const schema::SearchParameter *p : *params) {
        const QString text = p->expressionFor(type);
        if (text.isEmpty())
            continue;
        auto e = Expression::parse(text);
        if (e)
            out.expressions.append(*e);
        else
            ++out.failed;
    }
    return out;
}

// µs per resource: every expression of the set over the resource, rounds of 100.
double usPerResource(const Compiled &set, const nlohmann::json &resource, const Environment &env,
                     int iterations, int *errors, int *items)
{
    std::vector<double> rounds;
    *errors = 0;
    *items = 0;
    for (int i = 0; i < iterations; ++i) {
        QElapsedTimer timer;
        timer.start();
        for (int r = 0; r < 100; ++r) {
            for (const Expression &e : set.expressions) {
                auto result = e.evaluate(resource, env);
                if (i == 0 && r == 0) {
                    if (!result)
                        ++*errors;
                    else
                        *items += int(result->size());
                }
            }
        }
        rounds.push_back(double(timer.nsecsElapsed()) / 1e3 / 100);
    }
    return bench::median(rounds);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    int iterations = 50;
    const QStringList args = app.arguments();
    if (const qsizetype i = args.indexOf(QStringLiteral("--iterations"));
        i > 0 && i + 1 < args.size())
        iterations = std::max(1, args.at(i + 1).toInt());

    auto model = schema::Model::loadDefault();
    if (!model) {
        std::fprintf(stderr, "%s\n", qPrintable(model.error()));
        return 1;
    }
    Environment env;
    env.model = *model;

    // Parse every search expression of every resource type (what the indexer does at start).
    std::vector<double> parseRounds;
    int parsed = 0;
    int parseFailed = 0;
    for (int i = 0; i < std::max(1, iterations / 10); ++i) {
        QElapsedTimer timer;
        timer.start();
        parsed = 0;
        parseFailed = 0;
        for (const QString &type : (*model)->resourceTypes()) {
            const Compiled c = compile(**model, type);
            parsed += int(c.expressions.size());
            parseFailed += c.failed;
        }
        parseRounds.push_back(double(timer.nsecsElapsed()) / 1e6);
    }

    const Compiled patientSet = compile(**model, QStringLiteral("Patient"));
    const Compiled observationSet = compile(**model, QStringLiteral("Observation"));
    const nlohmann::json patient = nlohmann::json::parse(kPatient);
    const nlohmann::json observation = nlohmann::json::parse(kObservation);
    int patientErrors = 0, patientItems = 0, observationErrors = 0, observationItems = 0;
    const double patientUs
        = usPerResource(patientSet, patient, env, iterations, &patientErrors, &patientItems);
    const double observationUs = usPerResource(observationSet, observation, env, iterations,
                                               &observationErrors, &observationItems);

    // The slowest expressions of each set, to show where the time goes.
    auto slowest = [&](const Compiled &set, const nlohmann::json &resource) {
        std::vector<std::pair<double, QString>> times;
        for (const Expression &e : set.expressions) {
            QElapsedTimer timer;
            timer.start();
            for (int r = 0; r < 200; ++r)
                (void)e.evaluate(resource, env);
            times.emplace_back(double(timer.nsecsElapsed()) / 1e3 / 200, e.text());
        }
        std::sort(times.begin(), times.end(), std::greater<>());
        QJsonObject top;
        for (size_t i = 0; i < std::min<size_t>(3, times.size()); ++i)
            top[times[i].second] = times[i].first;
        return top;
    };

    QJsonObject out;
    out[QStringLiteral("iterations")] = iterations;
    out[QStringLiteral("parse_all_search_expressions_ms_median")] = bench::median(parseRounds);
    out[QStringLiteral("search_expressions_parsed")] = parsed;
    out[QStringLiteral("search_expressions_failed")] = parseFailed;
    out[QStringLiteral("patient_expressions")] = int(patientSet.expressions.size());
    out[QStringLiteral("patient_us_per_resource_median")] = patientUs;
    out[QStringLiteral("patient_result_items")] = patientItems;
    out[QStringLiteral("patient_errors")] = patientErrors;
    out[QStringLiteral("observation_expressions")] = int(observationSet.expressions.size());
    out[QStringLiteral("observation_us_per_resource_median")] = observationUs;
    out[QStringLiteral("observation_result_items")] = observationItems;
    out[QStringLiteral("observation_errors")] = observationErrors;
    out[QStringLiteral("patient_slowest_us")] = slowest(patientSet, patient);
    out[QStringLiteral("observation_slowest_us")] = slowest(observationSet, observation);
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
    return patientErrors + observationErrors + parseFailed == 0 ? 0 : 1;
}
