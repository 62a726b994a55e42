#include "app/examplelibrary.h"

#include "testmodel.h"

#include <QTest>

using namespace fhir;
using namespace Qt::StringLiterals;

class TestExampleLibrary : public QObject
{
    Q_OBJECT

    std::shared_ptr<const schema::Model> m_model;

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }

    void curatedFirstThenGenerated()
    {
        const app::ExampleLibrary library(m_model);
        QVERIFY(library.curated().size() >= 12);
        const QList<app::Example> patients = library.examplesFor(u"Patient"_s);
        QCOMPARE(patients.size(), 3);
        QCOMPARE(patients.at(0).name, u"patient-example-a"_s);
        QVERIFY(patients.at(0).curated);
        QVERIFY(patients.at(0).description.contains(u"male"_s));
        QCOMPARE(patients.at(1).name, u"patient-example-b"_s);
        QCOMPARE(patients.at(2).name, u"generated"_s);
        QVERIFY(!patients.at(2).curated);
    }

    void everyTypeHasOne()
    {
        const app::ExampleLibrary library(m_model);
        for (const QString &type : m_model->resourceTypes())
            QVERIFY2(!library.examplesFor(type).isEmpty(), qPrintable(type));
        QVERIFY(library.examplesFor(u"HumanName"_s).isEmpty());
    }

    void jsonStartsWithResourceType()
    {
        const app::ExampleLibrary library(m_model);
        for (const app::Example &e : library.examplesFor(u"Claim"_s)) {
            QVERIFY2(e.json.startsWith("{\n  \"resourceType\": \"Claim\""), e.json.constData());
            const auto parsed = nlohmann::json::parse(e.json.toStdString(), nullptr, false);
            QVERIFY(!parsed.is_discarded());
        }
        const nlohmann::json bundle
            = {{"type", "collection"},
               {"resourceType", "Bundle"},
               {"entry", {{{"resource", {{"id", "1"}, {"resourceType", "Patient"}}}}}}};
        const QByteArray nested = app::prettyResource(bundle);
        QVERIFY(nested.indexOf("\"resourceType\": \"Patient\"") < nested.indexOf("\"id\": \"1\""));
    }
};

QTEST_GUILESS_MAIN(TestExampleLibrary)
#include "tst_examplelibrary.moc"
