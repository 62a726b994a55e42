// A writer killed with SIGKILL in the middle of a large transaction (a real process, a real
// SQLite file): the database still opens, passes PRAGMA integrity_check, and holds either
// none or all of that transaction.

#include "embedded_server/fhirserver.h"
#include "embedded_server/store.h"

#include "testmodel.h"

#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

using namespace fhir::server;
using namespace Qt::StringLiterals;

namespace {

constexpr int transactionSize = 12000;

/// One integer (or text) answer of a query on a raw SQLite connection.
QByteArray queryOne(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK)
        return "error: " + QByteArray(sqlite3_errmsg(db));
    QByteArray value;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        value = reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return value;
}

int putPatient(FhirServer &server, const QByteArray &id)
{
    return server
        .handle({"PUT",
                 u"/fhir/r4/Patient/"_s + QString::fromLatin1(id),
                 {},
                 {{"Content-Type", "application/fhir+json"}},
                 "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\"}"})
        .status;
}

} // namespace

// API keys are tested in tst_apikeygate; this test is about the store.
static ServerOptions openServer()
{
    ServerOptions options;
    options.requireApiKey = false;
    return options;
}

class TestCrashSafety : public QObject
{
    Q_OBJECT

private:
    std::shared_ptr<const fhir::schema::Model> m_model;

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }

    void killedWriter_data()
    {
        QTest::addColumn<QByteArray>("killAt"); // the helper's line after which it is killed
        QTest::addColumn<bool>("mayBeCommitted");
        QTest::newRow("mid-transaction") << QByteArray("writing") << false;
        QTest::newRow("at the commit") << QByteArray("committing") << true;
        QTest::newRow("after the commit") << QByteArray("committed") << true;
    }
    void killedWriter()
    {
        QFETCH(QByteArray, killAt);
        QFETCH(bool, mayBeCommitted);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        {
            // Something committed before, which must survive.
            auto server = FhirServer::open(m_model, dir.path(), openServer());
            QVERIFY2(server, qPrintable(server.error()));
            QCOMPARE(putPatient(**server, "before"), 201);
        }

        QProcess writer;
        writer.start(QStringLiteral(STOREWRITER_PATH),
                     {dir.path(), QString::number(transactionSize)});
        QVERIFY2(writer.waitForStarted(), qPrintable(writer.errorString()));
        QByteArray said;
        while (!said.split('\n').contains(killAt)) {
            QVERIFY2(writer.state() == QProcess::Running || writer.bytesAvailable() > 0,
                     said.constData());
            writer.waitForReadyRead(1000);
            said += writer.readAllStandardOutput();
        }
        writer.kill(); // SIGKILL: no destructor, no rollback, no checkpoint
        QVERIFY(writer.waitForFinished());
        if (killAt != "committed")
            QCOMPARE(writer.exitStatus(), QProcess::CrashExit);

        // The uncommitted pages did reach the disk: recovery has something to ignore.
        if (killAt == "writing")
            QVERIFY(QFileInfo(dir.path() + u'/' + Store::fileName() + u"-wal"_s).size()
                    > 1024 * 1024);

        sqlite3 *db = nullptr;
        QCOMPARE(
            sqlite3_open_v2(QString(dir.path() + u'/' + Store::fileName()).toUtf8().constData(),
                            &db, SQLITE_OPEN_READWRITE, nullptr),
            SQLITE_OK);
        QCOMPARE(queryOne(db, "PRAGMA integrity_check"), QByteArray("ok"));
        const int current
            = queryOne(db, "SELECT count(*) FROM resource WHERE id LIKE 'w%'").toInt();
        const int versions
            = queryOne(db, "SELECT count(*) FROM resource_version WHERE id LIKE 'w%'").toInt();
        const int before
            = queryOne(db, "SELECT count(*) FROM resource WHERE id = 'before'").toInt();
        sqlite3_close(db);
        QCOMPARE(before, 1);
        QCOMPARE(versions, current);
        if (killAt == "committed")
            QCOMPARE(current, transactionSize);
        else if (!mayBeCommitted)
            QCOMPARE(current, 0);
        else
            QVERIFY2(current == 0 || current == transactionSize,
                     qPrintable(QString::number(current)));

        // The server opens it and writes to it again.
        auto server = FhirServer::open(m_model, dir.path(), openServer());
        QVERIFY2(server, qPrintable(server.error()));
        QCOMPARE(putPatient(**server, "after"), 201);
    }
};

QTEST_GUILESS_MAIN(TestCrashSafety)
#include "tst_crashsafety.moc"
