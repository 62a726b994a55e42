// The operations list as Swagger shows it, from what a CapabilityStatement declares.

#include "ui/models/operationsmodel.h"

#include <QAbstractItemModelTester>
#include <QTest>

using namespace fhir;
using namespace Qt::StringLiterals;
using Json = nlohmann::json;

namespace {

QStringList listed(const ui::OperationsModel &model)
{
    QStringList out;
    for (int row = 0; row < model.rowCount(); ++row)
        out.append(model.index(row).data().toString());
    return out;
}

// A remote server that offers little: read and search on Patient, $everything, batch only.
Json smallServer()
{
    return Json{
        {"resourceType", "CapabilityStatement"},
        {"rest",
         Json::array({Json{
             {"mode", "server"},
             {"resource",
              Json::array(
                  {Json{{"type", "Patient"},
                        {"interaction",
                         Json::array({Json{{"code", "read"}}, Json{{"code", "search-type"}}})},
                        {"searchParam",
                         Json::array({Json{{"name", "gender"}, {"type", "token"}},
                                      Json{{"name", "_id"}, {"type", "token"}}})},
                        {"operation",
                         Json::array({Json{{"name", "everything"}}, Json{{"name", "$validate"}}})}},
                   Json{{"type", "Observation"},
                        {"interaction", Json::array({Json{{"code", "read"}}})}}})},
             {"interaction", Json::array({Json{{"code", "batch"}}})},
             {"operation", Json::array({Json{{"name", "convert"}}})}}})}};
}

} // namespace

class TestOperationsModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void withoutCapabilitiesListsWhatR4Defines()
    {
        ui::OperationsModel ops;
        QAbstractItemModelTester tester(&ops,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        ops.setResourceType(u"Patient"_s);
        QCOMPARE(
            listed(ops),
            (QStringList{u"GET /Patient"_s, u"POST /Patient"_s, u"GET /Patient/{id}"_s,
                         u"PUT /Patient/{id}"_s, u"PATCH /Patient/{id}"_s,
                         u"DELETE /Patient/{id}"_s, u"GET /Patient/{id}/_history"_s,
                         u"GET /Patient/{id}/_history/{vid}"_s, u"GET /Patient/_history"_s,
                         u"POST /Patient/_search"_s, u"POST /Patient/$validate"_s,
                         u"GET /Patient/$everything"_s, u"GET /Patient/{id}/$everything"_s,
                         u"GET /metadata"_s, u"POST /"_s, u"GET /_history"_s, u"GET /?_type=…"_s}));
        const ui::Operation &vread = ops.operation(7);
        QCOMPARE(vread.kind, ui::Operation::Kind::VRead);
        QCOMPARE(vread.pathParameters(), (QStringList{u"id"_s, u"vid"_s}));
        QVERIFY(!vread.takesBody());
        QVERIFY(ops.operation(1).takesBody());
        QVERIFY(ops.operation(0).isSearch());
        QCOMPARE(ops.index(1).data(ui::OperationsModel::MethodRole).toByteArray(),
                 QByteArray("POST"));
        QCOMPARE(ops.index(12).data(ui::OperationsModel::SystemRole).toBool(), false);
        QCOMPARE(ops.index(13).data(ui::OperationsModel::SystemRole).toBool(), true);
        QCOMPARE(ops.rowOf("PUT", u"Patient/{id}"_s), 3);
        QCOMPARE(ops.rowOf("PUT", u"Patient"_s), -1);
    }

    void aRemoteServerShowsWhatItDeclares()
    {
        ui::OperationsModel ops;
        QAbstractItemModelTester tester(&ops,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        ops.setCapabilities(smallServer());
        ops.setResourceType(u"Patient"_s);
        QCOMPARE(listed(ops),
                 (QStringList{u"GET /Patient"_s, u"GET /Patient/{id}"_s, u"POST /Patient/_search"_s,
                              u"GET /Patient/$everything"_s, u"GET /Patient/{id}/$everything"_s,
                              u"POST /Patient/$validate"_s, u"GET /metadata"_s, u"POST /"_s,
                              u"POST /$convert"_s}));
        QCOMPARE(ops.declaredTypes(), (QStringList{u"Patient"_s, u"Observation"_s}));
        QCOMPARE(ops.declaredSearchParameters(u"Patient"_s), (QStringList{u"gender"_s, u"_id"_s}));
        QVERIFY(
            ops.index(7).data(ui::OperationsModel::SummaryRole).toString().contains(u"batch"_s));

        // A type the server does not serve has only the system level.
        ops.setResourceType(u"Claim"_s);
        QCOMPARE(listed(ops), (QStringList{u"GET /metadata"_s, u"POST /"_s, u"POST /$convert"_s}));

        // Back to no statement: the R4 list again.
        ops.setCapabilities(Json());
        QVERIFY(!ops.hasCapabilities());
        QCOMPARE(ops.rowCount(), 15); // Claim has no $everything
    }
};

QTEST_GUILESS_MAIN(TestOperationsModel)
#include "tst_operationsmodel.moc"
