// The curated examples under resources/examples (the app's example drop-down) are valid R4.

#include "schemas/validator.h"

#include "testmodel.h"

#include <QDir>
#include <QFile>
#include <QTest>

using namespace fhir::schema;
using namespace Qt::StringLiterals;

class TestExamples : public QObject
{
    Q_OBJECT

    std::shared_ptr<const Model> m_model;

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }

    void curatedExampleIsValid_data()
    {
        QTest::addColumn<QString>("path");
        const QDir dir(QStringLiteral(FHIR_EXAMPLES_DIR));
        const QStringList files = dir.entryList({u"*.json"_s}, QDir::Files, QDir::Name);
        QVERIFY(files.size() >= 12);
        for (const QString &file : files)
            QTest::newRow(qPrintable(file)) << dir.filePath(file);
    }
    void curatedExampleIsValid()
    {
        QFETCH(QString, path);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto resource = nlohmann::json::parse(file.readAll().toStdString(), nullptr, false);
        QVERIFY(!resource.is_discarded());
        QVERIFY2(!resource.contains("id"), "an example to POST carries no id");
        const auto issues = Validator(m_model).validate(resource);
        for (const ValidationIssue &issue : issues)
            qWarning("%s: %s", qPrintable(issue.expression), qPrintable(issue.message));
        QVERIFY(issues.isEmpty());
    }

    // The guided tour posts "patient-example-a" and then searches for male patients.
    void tourPatientIsMale()
    {
        QFile file(QStringLiteral(FHIR_EXAMPLES_DIR "/patient-example-a.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto patient = nlohmann::json::parse(file.readAll().toStdString());
        QCOMPARE(patient["gender"].get<std::string>(), std::string("male"));
    }
};

QTEST_GUILESS_MAIN(TestExamples)
#include "tst_examples.moc"
