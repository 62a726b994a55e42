// The models behind the response view: Bundle entries, the JSON tree, OperationOutcome issues.

#include "ui/models/bundleentrymodel.h"
#include "ui/models/issuemodel.h"
#include "ui/models/jsontreemodel.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace fhir;
using namespace Qt::StringLiterals;
using Json = nlohmann::json;

namespace {

QByteArray bytes(const Json &json)
{
    return QByteArray::fromStdString(json.dump());
}

Json patient(const std::string &id, const std::string &given, const std::string &family,
             const std::string &gender)
{
    return Json{{"resourceType", "Patient"},
                {"id", id},
                {"meta", {{"lastUpdated", "2024-05-01T10:00:00Z"}}},
                {"name", Json::array({Json{{"given", Json::array({given})}, {"family", family}}})},
                {"gender", gender},
                {"birthDate", "1974-12-25"},
                {"generalPractitioner", Json::array({Json{{"reference", "Practitioner/dr-1"}}})}};
}

Json searchset()
{
    const Json observation{{"resourceType", "Observation"},
                           {"id", "bp"},
                           {"status", "final"},
                           {"code",
                            {{"coding",
                              Json::array({Json{{"system", "http://loinc.org"},
                                                {"code", "29463-7"},
                                                {"display", "Body weight"}}})}}},
                           {"subject", {{"reference", "Patient/p1"}}},
                           {"effectiveDateTime", "2024-04-30"},
                           {"valueQuantity", {{"value", 72.5}, {"unit", "kg"}}}};
    const Json encounter{{"resourceType", "Encounter"},
                         {"id", "e1"},
                         {"status", "finished"},
                         {"subject", {{"reference", "Patient/p1"}}}};
    return Json{
        {"resourceType", "Bundle"},
        {"type", "searchset"},
        {"total", 42},
        {"link",
         Json::array({Json{{"relation", "self"}, {"url", "http://s/Patient?_count=3"}},
                      Json{{"relation", "next"}, {"url", "http://s/Patient?_count=3&_offset=3"}}})},
        {"entry",
         Json::array({Json{{"fullUrl", "http://s/Patient/p1"},
                           {"resource", patient("p1", "Peter", "Chalmers", "male")},
                           {"search", {{"mode", "match"}}}},
                      Json{{"resource", observation}, {"search", {{"mode", "include"}}}},
                      Json{{"resource", encounter}}})}};
}

} // namespace

class TestResponseModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void bundleEntries()
    {
        ui::BundleEntryModel entries;
        QAbstractItemModelTester tester(&entries,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(entries.setBundle(bytes(searchset())));
        QCOMPARE(entries.rowCount(), 3);
        QCOMPARE(entries.bundleType(), u"searchset"_s);
        QCOMPARE(entries.total(), std::optional<qint64>(42));
        QCOMPARE(entries.link(u"next"_s), u"http://s/Patient?_count=3&_offset=3"_s);
        QVERIFY(entries.link(u"previous"_s).isEmpty());
        using M = ui::BundleEntryModel;
        QCOMPARE(entries.index(0, M::TypeColumn).data().toString(), u"Patient"_s);
        QCOMPARE(entries.index(0, M::IdColumn).data().toString(), u"p1"_s);
        QCOMPARE(entries.index(0, M::SummaryColumn).data().toString(),
                 u"Peter Chalmers · male · born 1974-12-25"_s);
        QCOMPARE(entries.index(0, M::LastUpdatedColumn).data().toString(),
                 u"2024-05-01T10:00:00Z"_s);
        QCOMPARE(entries.index(0, M::ModeColumn).data().toString(), u"match"_s);
        QCOMPARE(entries.index(0, 0).data(M::ReferenceRole).toString(), u"Patient/p1"_s);
        QCOMPARE(entries.index(1, M::SummaryColumn).data().toString(),
                 u"Body weight · 72.5 kg · 2024-04-30"_s);
        QCOMPARE(entries.index(1, M::ModeColumn).data().toString(), u"include"_s);
        QCOMPARE(entries.index(2, M::SummaryColumn).data().toString(),
                 u"finished · → Patient/p1"_s);
        QCOMPARE(entries.references(0), QStringList{u"Practitioner/dr-1"_s});
        QVERIFY(entries.entryJson(0).startsWith("{\n  \"resourceType\": \"Patient\""));
    }

    void notABundle()
    {
        ui::BundleEntryModel entries;
        QVERIFY(entries.setBundle(bytes(searchset())));
        const auto result = entries.setBundle(bytes(patient("x", "A", "B", "female")));
        QVERIFY(!result);
        QCOMPARE(entries.rowCount(), 0);
        QVERIFY(!entries.setBundle("{not json"));
        QVERIFY(!entries.total());
    }

    void largeBundleIsCheapToShow()
    {
        Json entry = Json::array();
        for (int i = 0; i < 10000; ++i)
            entry.push_back(
                Json{{"resource",
                      patient("p" + std::to_string(i), "Ann", "Lee", i % 2 ? "male" : "female")}});
        ui::BundleEntryModel entries;
        QVERIFY(entries.setBundle(
            bytes(Json{{"resourceType", "Bundle"}, {"type", "searchset"}, {"entry", entry}})));
        QCOMPARE(entries.rowCount(), 10000);
        QCOMPARE(entries.index(9999, ui::BundleEntryModel::SummaryColumn).data().toString(),
                 u"Ann Lee · male · born 1974-12-25"_s);
    }

    void jsonTree()
    {
        ui::JsonTreeModel tree;
        QAbstractItemModelTester tester(&tree,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(tree.setJson(bytes(patient("p1", "Peter", "Chalmers", "male"))));
        QModelIndex name;
        for (int row = 0; row < tree.rowCount(); ++row) {
            if (tree.index(row, 0).data().toString() == u"name"_s)
                name = tree.index(row, 0);
        }
        QVERIFY(name.isValid());
        QCOMPARE(name.siblingAtColumn(ui::JsonTreeModel::ValueColumn).data().toString(),
                 u"[1 item(s)]"_s);
        QVERIFY(tree.hasChildren(name));
        QCOMPARE(tree.rowCount(name), 0); // not fetched yet
        tree.fetchMore(name);
        const QModelIndex first = tree.index(0, 0, name);
        tree.fetchMore(first);
        const QModelIndex family = tree.index(0, 0, first); // the order of the text
        QCOMPARE(family.data().toString(), u"family"_s);
        QCOMPARE(family.siblingAtColumn(ui::JsonTreeModel::ValueColumn).data().toString(),
                 u"Chalmers"_s);
        QCOMPARE(family.siblingAtColumn(ui::JsonTreeModel::TypeColumn).data().toString(),
                 u"string"_s);
        QCOMPARE(family.data(ui::JsonTreeModel::PathRole).toString(), u"name[0].family"_s);
        QVERIFY(!tree.setJson("<html>"));
        QCOMPARE(tree.rowCount(), 0);
    }

    void outcomeIssues()
    {
        ui::IssueModel issues;
        QAbstractItemModelTester tester(&issues,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const Json outcome{{"resourceType", "OperationOutcome"},
                           {"issue",
                            Json::array({Json{{"severity", "error"},
                                              {"code", "invalid"},
                                              {"details", {{"text", "Unknown element"}}},
                                              {"expression", Json::array({"Patient.colour"})}},
                                         Json{{"severity", "warning"},
                                              {"code", "informational"},
                                              {"diagnostics", "slow query"},
                                              {"location", Json::array({"/f:Patient"})}}})}};
        QVERIFY(issues.setOutcome(outcome));
        QCOMPARE(issues.rowCount(), 2);
        QCOMPARE(issues.index(0, ui::IssueModel::TextColumn).data().toString(),
                 u"Unknown element"_s);
        QCOMPARE(issues.index(0, 0).data(ui::IssueModel::ExpressionRole).toString(),
                 u"Patient.colour"_s);
        QCOMPARE(issues.index(1, ui::IssueModel::TextColumn).data().toString(), u"slow query"_s);
        QCOMPARE(issues.index(1, ui::IssueModel::ExpressionColumn).data().toString(),
                 u"/f:Patient"_s);
        QVERIFY(!issues.setOutcome(patient("p", "a", "b", "male")));
        QCOMPARE(issues.rowCount(), 0);
        issues.setValidationIssues({{schema::ValidationIssue::Severity::Error, u"value"_s,
                                     u"not a code"_s, u"Patient.gender"_s}});
        QCOMPARE(issues.index(0, ui::IssueModel::SeverityColumn).data().toString(), u"error"_s);
    }
};

QTEST_GUILESS_MAIN(TestResponseModels)
#include "tst_responsemodels.moc"
