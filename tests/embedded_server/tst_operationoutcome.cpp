#include "embedded_server/operationoutcome.h"

#include <QTest>

using namespace fhir::server;
using namespace Qt::StringLiterals;

class TestOperationOutcome : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void oneIssueWithExpression()
    {
        const auto outcome = operationOutcome({{IssueSeverity::Error,
                                                u"invalid"_s,
                                                u"birthDate is not a date"_s,
                                                {u"Patient.birthDate"_s}}});
        QCOMPARE(outcome.at("resourceType").get<std::string>(), std::string("OperationOutcome"));
        QCOMPARE(outcome.at("issue").size(), size_t(1));
        const auto &issue = outcome.at("issue").at(0);
        QCOMPARE(issue.at("severity").get<std::string>(), std::string("error"));
        QCOMPARE(issue.at("code").get<std::string>(), std::string("invalid"));
        QCOMPARE(issue.at("diagnostics").get<std::string>(),
                 std::string("birthDate is not a date"));
        QCOMPARE(issue.at("expression").at(0).get<std::string>(), std::string("Patient.birthDate"));
    }

    void severities_data()
    {
        QTest::addColumn<int>("severity");
        QTest::addColumn<QString>("name");
        QTest::newRow("fatal") << int(IssueSeverity::Fatal) << u"fatal"_s;
        QTest::newRow("error") << int(IssueSeverity::Error) << u"error"_s;
        QTest::newRow("warning") << int(IssueSeverity::Warning) << u"warning"_s;
        QTest::newRow("information") << int(IssueSeverity::Information) << u"information"_s;
    }
    void severities()
    {
        QFETCH(int, severity);
        QFETCH(QString, name);
        const auto outcome = operationOutcome({{IssueSeverity(severity), u"processing"_s, {}, {}}});
        QCOMPARE(QString::fromStdString(outcome["issue"][0]["severity"].get<std::string>()), name);
        QVERIFY(!outcome["issue"][0].contains("diagnostics"));
        QVERIFY(!outcome["issue"][0].contains("expression"));
    }

    // OperationOutcome.issue is 1..* (operationoutcome.html): never an empty list.
    void noIssuesStillValid()
    {
        const auto outcome = operationOutcome({});
        QCOMPARE(outcome.at("issue").size(), size_t(1));
        QCOMPARE(outcome["issue"][0]["severity"].get<std::string>(), std::string("information"));
    }
};

QTEST_GUILESS_MAIN(TestOperationOutcome)
#include "tst_operationoutcome.moc"
