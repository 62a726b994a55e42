// The synthetic clinic: deterministic, valid against the R4 model, referentially whole, and
// clinically shaped (vital signs coded with LOINC and UCUM, diabetics followed with HbA1c).

#include "embedded_server/synthetic/generator.h"
#include "schemas/validator.h"

#include "testmodel.h"

#include <QSet>
#include <QTest>

#include <map>
#include <set>

using namespace fhir;
using namespace Qt::StringLiterals;
using nlohmann::json;

namespace {

std::vector<json> generateAll(const synthetic::Options &options)
{
    const synthetic::Generator generator(options);
    std::vector<json> all = generator.sharedResources();
    for (int i = 0; i < options.patients; ++i) {
        std::vector<json> record = generator.patientRecord(i);
        all.insert(all.end(), record.begin(), record.end());
    }
    return all;
}

std::string dumpAll(const std::vector<json> &resources)
{
    std::string out;
    for (const json &r : resources)
        out += r.dump() + '\n';
    return out;
}

void collectReferences(const json &node, std::vector<std::string> &out)
{
    if (node.is_object()) {
        for (auto it = node.begin(); it != node.end(); ++it) {
            if (it.key() == "reference" && it->is_string())
                out.push_back(it->get<std::string>());
            else
                collectReferences(*it, out);
        }
    } else if (node.is_array()) {
        for (const json &item : node)
            collectReferences(item, out);
    }
}

bool hasCoding(const json &codeable, const std::string &system, const std::string &code)
{
    for (const json &c : codeable.value("coding", json::array())) {
        if (c.value("system", "") == system && c.value("code", "") == code)
            return true;
    }
    return false;
}

} // namespace

class TestGenerator : public QObject
{
    Q_OBJECT

    std::shared_ptr<const schema::Model> m_model;
    std::vector<json> m_resources; // 60 patients, seed 7

private Q_SLOTS:
    void initTestCase()
    {
        m_model = loadTestModel();
        m_resources = generateAll({.seed = 7, .patients = 60});
        qInfo("60 patients: %zu resources", m_resources.size());
    }

    void sameSeedSameBytes()
    {
        const std::string again = dumpAll(generateAll({.seed = 7, .patients = 60}));
        QVERIFY(again == dumpAll(m_resources));
        const std::string other = dumpAll(generateAll({.seed = 8, .patients = 60}));
        QVERIFY(other != dumpAll(m_resources));
    }

    void recordDependsOnlyOnSeedAndIndex()
    {
        const synthetic::Generator small({.seed = 7, .patients = 60});
        const std::vector<json> alone = small.patientRecord(41);
        const synthetic::Generator other({.seed = 7, .patients = 60});
        (void)other.patientRecord(3);
        QVERIFY(dumpAll(other.patientRecord(41)) == dumpAll(alone));
    }

    void everyResourceIsValid()
    {
        const schema::Validator validator(m_model);
        int checked = 0;
        for (const json &r : m_resources) {
            const auto issues = validator.validate(r);
            if (!issues.isEmpty()) {
                QFAIL(qPrintable(issues.first().expression + u": "_s + issues.first().message
                                 + u"\n"_s + QString::fromStdString(r.dump().substr(0, 400))));
            }
            ++checked;
        }
        qInfo("%d resources valid", checked);
    }

    void everyResourceHasIdAndNarrative()
    {
        QSet<QString> ids;
        for (const json &r : m_resources) {
            const QString key = QString::fromStdString(r.at("resourceType").get<std::string>()
                                                       + "/" + r.at("id").get<std::string>());
            QVERIFY2(!ids.contains(key), qPrintable(key));
            ids.insert(key);
            QVERIFY2(r.contains("text") && r["text"]["div"].get<std::string>().starts_with("<div"),
                     qPrintable(key));
        }
    }

    void everyReferenceResolves()
    {
        std::set<std::string> known;
        for (const json &r : m_resources)
            known.insert(r["resourceType"].get<std::string>() + "/" + r["id"].get<std::string>());
        std::vector<std::string> references;
        for (const json &r : m_resources)
            collectReferences(r, references);
        QVERIFY(references.size() > m_resources.size());
        for (const std::string &ref : references)
            QVERIFY2(known.count(ref) == 1, ref.c_str());
    }

    void everyKindOfResourceIsThere()
    {
        std::map<std::string, int> counts;
        for (const json &r : m_resources)
            ++counts[r["resourceType"].get<std::string>()];
        for (const char *type :
             {"Organization", "Location", "Practitioner", "PractitionerRole", "Patient",
              "Encounter", "Observation", "Condition", "MedicationRequest", "Immunization",
              "AllergyIntolerance", "Procedure", "DiagnosticReport"})
            QVERIFY2(counts[type] > 0, type);
        QCOMPARE(counts["Patient"], 60);
        // Both genders for the tour's `GET /Patient?gender=male`, and some deceased.
        int male = 0;
        int deceased = 0;
        for (const json &r : m_resources) {
            if (r["resourceType"] == "Patient") {
                male += r["gender"] == "male" ? 1 : 0;
                deceased += r.contains("deceasedDateTime") ? 1 : 0;
            }
        }
        QVERIFY(male > 10 && male < 50);
        QVERIFY(deceased >= 0);
    }

    // Vital signs (vitalsigns profile of R4): LOINC code, category, UCUM units.
    void vitalSignsAreCodedRight()
    {
        const std::map<std::string, std::string> units = {
            {"8867-4", "/min"}, {"9279-1", "/min"}, {"8310-5", "Cel"},   {"8302-2", "cm"},
            {"29463-7", "kg"},  {"39156-5", "kg/m2"}};
        int bloodPressures = 0;
        for (const json &r : m_resources) {
            if (r["resourceType"] != "Observation"
                || !hasCoding(r["category"][0], "http://terminology.hl7.org/CodeSystem/observation-category",
                              "vital-signs"))
                continue;
            const std::string code = r["code"]["coding"][0]["code"];
            if (code == "85354-9") {
                ++bloodPressures;
                QCOMPARE(r["component"].size(), size_t(2));
                QVERIFY(hasCoding(r["component"][0]["code"], "http://loinc.org", "8480-6"));
                QVERIFY(hasCoding(r["component"][1]["code"], "http://loinc.org", "8462-4"));
                for (const json &c : r["component"]) {
                    QCOMPARE(c["valueQuantity"]["code"].get<std::string>(), std::string("mm[Hg]"));
                    QCOMPARE(c["valueQuantity"]["system"].get<std::string>(),
                             std::string("http://unitsofmeasure.org"));
                }
                const double systolic = r["component"][0]["valueQuantity"]["value"].get<double>();
                const double diastolic = r["component"][1]["valueQuantity"]["value"].get<double>();
                QVERIFY2(systolic > diastolic && systolic < 230 && diastolic > 30,
                         qPrintable(QString::number(systolic) + u'/' + QString::number(diastolic)));
                continue;
            }
            QVERIFY2(units.count(code), code.c_str());
            QCOMPARE(r["valueQuantity"]["code"].get<std::string>(), units.at(code));
        }
        QVERIFY(bloodPressures > 60);
    }

    void diabeticsHaveHbA1c()
    {
        std::map<std::string, int> a1cByPatient;
        std::set<std::string> diabetics;
        for (const json &r : m_resources) {
            if (r["resourceType"] == "Condition"
                && hasCoding(r["code"], "http://snomed.info/sct", "44054006"))
                diabetics.insert(r["subject"]["reference"]);
            if (r["resourceType"] == "Observation"
                && hasCoding(r["code"], "http://loinc.org", "4548-4")) {
                QCOMPARE(r["valueQuantity"]["code"].get<std::string>(), std::string("%"));
                ++a1cByPatient[r["subject"]["reference"]];
            }
        }
        QVERIFY(!diabetics.empty());
        for (const std::string &patient : diabetics)
            QVERIFY2(a1cByPatient[patient] > 0, patient.c_str());
    }

    void conditionsComeWithTheirMedication()
    {
        std::set<std::string> treated;
        for (const json &r : m_resources) {
            if (r["resourceType"] == "MedicationRequest") {
                QVERIFY(r["medicationCodeableConcept"]["coding"][0]["system"]
                        == "http://www.nlm.nih.gov/research/umls/rxnorm");
                treated.insert(r["reasonReference"][0]["reference"]);
            }
        }
        for (const json &r : m_resources) {
            if (r["resourceType"] == "Condition"
                && hasCoding(r["category"][0],
                             "http://terminology.hl7.org/CodeSystem/condition-category",
                             "problem-list-item"))
                QVERIFY(treated.count("Condition/" + r["id"].get<std::string>()));
        }
    }

    void reportsGroupTheirLabResults()
    {
        std::map<std::string, const json *> byReference;
        for (const json &r : m_resources)
            byReference["Observation/" + r["id"].get<std::string>()] = &r;
        int reports = 0;
        for (const json &r : m_resources) {
            if (r["resourceType"] != "DiagnosticReport")
                continue;
            ++reports;
            QVERIFY(!r["result"].empty());
            for (const json &result : r["result"]) {
                const json *observation = byReference[result["reference"]];
                QVERIFY(observation != nullptr);
                QVERIFY(hasCoding((*observation)["category"][0],
                                  "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "laboratory"));
                QVERIFY((*observation)["subject"] == r["subject"]);
            }
        }
        QVERIFY(reports > 20);
    }
};

QTEST_GUILESS_MAIN(TestGenerator)
#include "tst_generator.moc"
