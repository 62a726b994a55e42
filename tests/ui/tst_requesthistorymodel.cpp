// RequestHistoryModel without widgets: one deployment's rows, following the history.

#include "ui/models/requesthistorymodel.h"

#include <QAbstractItemModelTester>
#include <QTemporaryDir>
#include <QTest>

using namespace fhir;
using namespace Qt::StringLiterals;

class TestRequestHistoryModel : public QObject
{
    Q_OBJECT

    static app::ApiRequest read(const QString &path)
    {
        app::ApiRequest r;
        r.path = path;
        return r;
    }

private Q_SLOTS:
    void followsOneDeployment()
    {
        QTemporaryDir dir;
        app::RequestHistory history(dir.filePath(u"h.json"_s), 3);
        history.record(u"a"_s, read(u"Patient/1"_s), 200, 5);
        history.record(u"b"_s, read(u"Patient/2"_s), 404, 6);
        ui::RequestHistoryModel model(&history);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        model.setDeploymentId(u"a"_s);
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0, ui::RequestHistoryModel::RequestColumn).data().toString(),
                 u"GET Patient/1"_s);
        QCOMPARE(model.index(0, ui::RequestHistoryModel::StatusColumn).data().toString(), u"200"_s);
        QCOMPARE(model.index(0, ui::RequestHistoryModel::ElapsedColumn).data().toString(),
                 u"5 ms"_s);

        app::ApiRequest search = read(u"Observation"_s);
        search.query = {{u"code"_s, u"http://loinc.org|8867-4"_s}, {u"_count"_s, u"5"_s}};
        search.headers = {{"x-api-key", "secret"}};
        history.record(u"a"_s, search, 0, 30000);
        history.record(u"b"_s, read(u"x"_s), 200, 1); // another deployment: not shown
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, ui::RequestHistoryModel::RequestColumn).data().toString(),
                 u"GET Observation?code=http://loinc.org|8867-4&_count=5"_s);
        QCOMPARE(model.index(0, ui::RequestHistoryModel::StatusColumn).data().toString(),
                 u"no response"_s);
        QVERIFY(model.requestAt(0).headers.isEmpty()); // the key never came into the history
        QCOMPARE(model.requestAt(0).query, search.query);
        QCOMPARE(model.requestAt(1), read(u"Patient/1"_s));
        QCOMPARE(model.requestAt(7), app::ApiRequest());

        // The limit of 3: the oldest row leaves as the history drops it.
        history.record(u"a"_s, read(u"c"_s), 200, 1);
        history.record(u"a"_s, read(u"d"_s), 200, 1);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.requestAt(2).path, u"Observation"_s);

        history.clear(u"b"_s);
        QCOMPARE(model.rowCount(), 3);
        history.clear(u"a"_s);
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestRequestHistoryModel)
#include "tst_requesthistorymodel.moc"
