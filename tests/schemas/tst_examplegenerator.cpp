// Examples generated from the model, for every R4 resource type, pass our own validation.

#include "schemas/examplegenerator.h"
#include "schemas/validator.h"

#include "testmodel.h"

#include <QTest>

using namespace fhir::schema;
using namespace Qt::StringLiterals;

class TestExampleGenerator : public QObject
{
    Q_OBJECT

    std::shared_ptr<const Model> m_model;

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }

    void everyResourceTypeGetsAValidExample()
    {
        const ExampleGenerator examples(m_model);
        const Validator validator(m_model);
        int count = 0;
        for (const QString &type : m_model->resourceTypes()) {
            const auto example = examples.generate(type);
            QVERIFY2(example, qPrintable(type + u": "_s + example.error()));
            QCOMPARE(QString::fromStdString((*example)["resourceType"].get<std::string>()), type);
            const auto issues = validator.validate(*example, type);
            if (!issues.isEmpty())
                QFAIL(qPrintable(type + u": "_s + issues.first().expression + u' '
                                 + issues.first().message + u"\n"_s
                                 + QString::fromStdString(example->dump())));
            ++count;
        }
        qInfo("%d examples generated and valid", count);
        QCOMPARE(count, 146);
    }

    void requiredElementsAreFilled_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QStringList>("elements");
        QTest::newRow("Observation") << u"Observation"_s << QStringList{u"status"_s, u"code"_s};
        QTest::newRow("MedicationRequest")
            << u"MedicationRequest"_s
            << QStringList{u"status"_s, u"intent"_s, u"medicationCodeableConcept"_s, u"subject"_s};
        QTest::newRow("Bundle") << u"Bundle"_s << QStringList{u"type"_s};
        QTest::newRow("Patient summary elements")
            << u"Patient"_s << QStringList{u"gender"_s, u"birthDate"_s, u"name"_s, u"active"_s};
    }
    void requiredElementsAreFilled()
    {
        QFETCH(QString, type);
        QFETCH(QStringList, elements);
        const auto example = ExampleGenerator(m_model).generate(type);
        QVERIFY(example);
        for (const QString &e : elements)
            QVERIFY2(example->contains(e.toStdString()), qPrintable(e));
    }

    void codesComeFromTheBinding()
    {
        const auto patient = ExampleGenerator(m_model).generate(u"Patient"_s);
        QVERIFY(patient);
        QCOMPARE((*patient)["gender"].get<std::string>(), std::string("male"));
        const auto observation = ExampleGenerator(m_model).generate(u"Observation"_s);
        QVERIFY(observation);
        QCOMPARE((*observation)["status"].get<std::string>(), std::string("registered"));
        QCOMPARE((*observation)["subject"]["reference"].get<std::string>(),
                 std::string("Patient/example"));
    }

    void unknownTypes()
    {
        const ExampleGenerator examples(m_model);
        QVERIFY(!examples.generate(u"HumanName"_s));
        QVERIFY(!examples.generate(u"Nope"_s));
        QVERIFY(!ExampleGenerator(nullptr).generate(u"Patient"_s));
    }
};

QTEST_GUILESS_MAIN(TestExampleGenerator)
#include "tst_examplegenerator.moc"
