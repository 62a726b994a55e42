// FHIRPath Patch (R4 fhirpatch.html) alone, with the FHIR model: cases from a data file, each
// a list of operations made into a Parameters resource and applied to one Patient.

#include "embedded_server/patch/fhirpathpatch.h"

#include "testmodel.h"

#include <QFile>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace fhir::server;
using namespace Qt::StringLiterals;
using Json = nlohmann::json;

namespace {

/// The Parameters of a FHIRPath Patch from the cases' shorthand.
Json parameters(const Json &operations)
{
    Json list = Json::array();
    for (const Json &op : operations) {
        Json parts = Json::array();
        parts.push_back({{"name", "type"}, {"valueCode", op["type"]}});
        parts.push_back({{"name", "path"}, {"valueString", op["path"]}});
        if (op.contains("name"))
            parts.push_back({{"name", "name"}, {"valueString", op["name"]}});
        if (op.contains("value")) {
            Json value = op["value"];
            value["name"] = "value";
            parts.push_back(value);
        }
        for (const char *key : {"index", "source", "destination"}) {
            if (op.contains(key))
                parts.push_back({{"name", key}, {"valueInteger", op[key]}});
        }
        list.push_back({{"name", "operation"}, {"part", parts}});
    }
    return {{"resourceType", "Parameters"}, {"parameter", list}};
}

} // namespace

class TestFhirPathPatch : public QObject
{
    Q_OBJECT

private:
    std::shared_ptr<const fhir::schema::Model> m_model;
    Json m_cases;

private Q_SLOTS:
    void initTestCase()
    {
        m_model = loadTestModel();
        QFile file(QStringLiteral(PATCH_CASES_DIR "/fhirpathpatch-cases.json"));
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
        m_cases = Json::parse(file.readAll().toStdString());
    }

    void cases_data()
    {
        QTest::addColumn<int>("index");
        const Json &cases = m_cases["cases"];
        for (size_t i = 0; i < cases.size(); ++i)
            QTest::newRow(cases[i]["name"].get<std::string>().c_str()) << int(i);
    }
    void cases()
    {
        QFETCH(int, index);
        const Json &c = m_cases["cases"][size_t(index)];
        const Json resource = m_cases["resource"];
        const std::string error = c.value("error", std::string());
        auto patch = FhirPathPatch::parse(c.contains("parameters") ? c["parameters"]
                                                                   : parameters(c["operations"]));
        if (error == "parse") {
            QVERIFY(!patch);
            QVERIFY(!patch.error().isEmpty());
            return;
        }
        QVERIFY2(patch, qPrintable(patch.error()));
        fhir::fhirpath::Environment env;
        env.model = m_model;
        auto result = patch->apply(resource, env);
        QVERIFY(resource == m_cases["resource"]); // the input is never touched
        if (error == "apply") {
            QVERIFY(!result);
            QVERIFY2(result.error().startsWith(u"operation "_s), qPrintable(result.error()));
            return;
        }
        QVERIFY2(result, qPrintable(result.error()));
        const Json expect = c.value("expect", Json::object());
        const Json absent = c.value("absent", Json::array());
        for (const auto &[pointer, value] : expect.items()) {
            const Json::json_pointer at(pointer);
            QVERIFY2(result->contains(at), pointer.c_str());
            QCOMPARE(QByteArray::fromStdString((*result)[at].dump()),
                     QByteArray::fromStdString(value.dump()));
        }
        for (const Json &pointer : absent)
            QVERIFY2(!result->contains(Json::json_pointer(pointer.get<std::string>())),
                     pointer.get<std::string>().c_str());
    }
};

QTEST_GUILESS_MAIN(TestFhirPathPatch)
#include "tst_fhirpathpatch.moc"
