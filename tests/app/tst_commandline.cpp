#include "app/commandline.h"

#include <QTest>

using namespace fhir::app;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(fhir::app::Invocation::Mode)

class TestCommandLine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<Invocation::Mode>("mode");
        QTest::addColumn<QStringList>("rest");
        QTest::newRow("nothing opens the window")
            << QStringList{} << Invocation::Mode::Gui << QStringList{};
        QTest::newRow("--help") << QStringList{u"--help"_s} << Invocation::Mode::Help
                                << QStringList{};
        QTest::newRow("-h") << QStringList{u"-h"_s} << Invocation::Mode::Help << QStringList{};
        QTest::newRow("--version")
            << QStringList{u"--version"_s} << Invocation::Mode::Version << QStringList{};
        QTest::newRow("schema") << QStringList{u"schema"_s, u"Patient.name"_s}
                                << Invocation::Mode::Schema << QStringList{u"Patient.name"_s};
        QTest::newRow("schema without path")
            << QStringList{u"schema"_s} << Invocation::Mode::Invalid << QStringList{};
        QTest::newRow("schema with two paths")
            << QStringList{u"schema"_s, u"a"_s, u"b"_s} << Invocation::Mode::Invalid
            << QStringList{u"a"_s, u"b"_s};
        QTest::newRow("fhirpath") << QStringList{u"fhirpath"_s, u"Patient.name.given"_s,
                                                 u"patient.json"_s}
                                  << Invocation::Mode::FhirPath
                                  << QStringList{u"Patient.name.given"_s, u"patient.json"_s};
        QTest::newRow("fhirpath --json")
            << QStringList{u"fhirpath"_s, u"--json"_s, u"name"_s, u"-"_s}
            << Invocation::Mode::FhirPath << QStringList{u"name"_s, u"-"_s};
        QTest::newRow("fhirpath without file")
            << QStringList{u"fhirpath"_s, u"name"_s} << Invocation::Mode::Invalid
            << QStringList{u"name"_s};
        QTest::newRow("unknown") << QStringList{u"frobnicate"_s} << Invocation::Mode::Invalid
                                 << QStringList{};
    }
    void parse()
    {
        QFETCH(QStringList, arguments);
        QFETCH(Invocation::Mode, mode);
        QFETCH(QStringList, rest);
        const Invocation invocation = parseCommandLine(arguments);
        QCOMPARE(invocation.mode, mode);
        QCOMPARE(invocation.arguments, rest);
        QCOMPARE(invocation.error.isEmpty(), mode != Invocation::Mode::Invalid);
        QCOMPARE(invocation.json, arguments.contains(u"--json"_s));
    }

    void usageNamesEveryCommand()
    {
        const QString usage = usageText();
        for (const char *word :
             {"schema PATH", "fhirpath EXPR FILE [--json]", "--version", "--help"})
            QVERIFY2(usage.contains(QLatin1String(word)), word);
    }
};

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"
