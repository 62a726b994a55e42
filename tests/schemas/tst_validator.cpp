// Structural validation of FHIR JSON against the model built from the R4 definitions
// (json.html: arrays, primitives and their `_element` companions; datatypes.html: the value
// regexes; terminologies.html: required bindings).

#include "schemas/validator.h"

#include "testmodel.h"

#include <QFile>
#include <QTest>

using namespace fhir::schema;
using namespace Qt::StringLiterals;

class TestValidator : public QObject
{
    Q_OBJECT

    std::shared_ptr<const Model> m_model;
    std::unique_ptr<Validator> m_validator;

    QStringList problems(const QByteArray &text, const QString &expectedType = {})
    {
        const auto resource = nlohmann::json::parse(text.constData(), nullptr, false);
        if (resource.is_discarded())
            return {u"test JSON does not parse"_s};
        QStringList out;
        for (const ValidationIssue &issue : m_validator->validate(resource, expectedType))
            out.append(issue.expression + u' ' + issue.code);
        out.sort();
        return out;
    }

    // The cases live in validator-cases.json beside this file: JSON reads better as JSON.
    static nlohmann::json cases()
    {
        QFile file(QStringLiteral(FHIR_TEST_DATA_DIR "/validator-cases.json"));
        if (!file.open(QIODevice::ReadOnly))
            qFatal("cannot read %s", qPrintable(file.fileName()));
        return nlohmann::json::parse(file.readAll().toStdString());
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_model = loadTestModel();
        m_validator = std::make_unique<Validator>(m_model);
    }

    void validResources_data()
    {
        QTest::addColumn<QByteArray>("json");
        const nlohmann::json all = cases();
        for (const auto &c : all.at("valid"))
            QTest::newRow(c.at("name").get<std::string>().c_str())
                << QByteArray::fromStdString(c.at("resource").dump());
    }
    void validResources()
    {
        QFETCH(QByteArray, json);
        QCOMPARE(problems(json), QStringList());
    }

    void invalidResources_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QStringList>("expected");
        const nlohmann::json all = cases();
        for (const auto &c : all.at("invalid")) {
            QStringList expected;
            for (const auto &issue : c.at("issues"))
                expected.append(QString::fromStdString(issue.get<std::string>()));
            QTest::newRow(c.at("name").get<std::string>().c_str())
                << QByteArray::fromStdString(c.at("resource").dump()) << expected;
        }
    }
    void invalidResources()
    {
        QFETCH(QByteArray, json);
        QFETCH(QStringList, expected);
        expected.sort();
        QCOMPARE(problems(json), expected);
    }

    void expectedType()
    {
        const QByteArray patient = "{\"resourceType\": \"Patient\"}";
        QCOMPARE(problems(patient, u"Observation"_s), QStringList{u" invalid"_s});
        QCOMPARE(problems(patient, u"Patient"_s), QStringList());
    }

    void messagesSayWhatIsWrong()
    {
        const auto issues
            = m_validator->validate(nlohmann::json{{"resourceType", "Patient"}, {"gender", "M"}});
        QCOMPARE(issues.size(), 1);
        QVERIFY2(issues.first().message.contains(u"male | female | other | unknown"_s),
                 qPrintable(issues.first().message));
    }

    void deepNestingIsBounded()
    {
        // Extensions nest without end in principle; the validator stops at its depth bound.
        nlohmann::json ext = {{"url", "http://x"}, {"valueString", "leaf"}};
        for (int i = 0; i < Validator::kMaxDepth + 10; ++i)
            ext = {{"url", "http://x"}, {"extension", nlohmann::json::array({ext})}};
        const nlohmann::json patient
            = {{"resourceType", "Patient"}, {"extension", nlohmann::json::array({ext})}};
        const auto issues = m_validator->validate(patient);
        QCOMPARE(issues.size(), 1);
        QCOMPARE(issues.first().code, u"too-costly"_s);
    }

    void withoutModel()
    {
        Validator none(nullptr);
        const auto issues = none.validate(nlohmann::json::object());
        QCOMPARE(issues.size(), 1);
        QCOMPARE(issues.first().code, u"exception"_s);
    }
};

QTEST_GUILESS_MAIN(TestValidator)
#include "tst_validator.moc"
