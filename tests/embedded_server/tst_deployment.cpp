// A deployment on its own thread: start, serve real HTTP, stop, restart; failures to start;
// loads off the calling thread with progress, cancel and reports.

#include "embedded_server/deployment.h"
#include "embedded_server/fhirserver.h"
#include "embedded_server/synthetic/generator.h"

#include "httptestclient.h"
#include "servertestsupport.h"
#include "testmodel.h"

#include <QDir>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace fhir;
using namespace fhir::server;
using namespace Qt::StringLiterals;
using Json = nlohmann::json;
using Status = Deployment::Status;

namespace {

constexpr int kTimeoutMs = 60'000; // generous: a loaded machine under ASan is slow

} // namespace

class TestDeployment : public QObject
{
    Q_OBJECT

    std::shared_ptr<const schema::Model> m_model;
    std::unique_ptr<QTemporaryDir> m_dir;

    DeploymentSettings settings(bool requireApiKey = true, quint16 port = 0) const
    {
        return {u"test"_s, u"Test"_s, m_dir->filePath(u"data"_s), port, requireApiKey};
    }

    qint64 total(const QString &target)
    {
        return searchTotal(m_model, m_dir->filePath(u"data"_s), target);
    }

    QString write(const QString &name, const QByteArray &content)
    {
        return writeTestFile(m_dir->filePath(name), content);
    }

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }
    void init() { m_dir = std::make_unique<QTemporaryDir>(); }
    void cleanup() { m_dir.reset(); }

    void startServeStopRestart()
    {
        Deployment deployment(m_model, settings());
        QSignalSpy statuses(&deployment, &Deployment::statusChanged);
        QSignalSpy served(&deployment, &Deployment::requestServed);
        const auto made = deployment.createApiKey(u"first"_s); // works while stopped
        QVERIFY2(made, qPrintable(made.error()));
        const QByteArray key = made->secret.toLatin1();

        deployment.start();
        QCOMPARE(deployment.status(), Status::Starting);
        QTRY_COMPARE_WITH_TIMEOUT(deployment.status(), Status::Running, kTimeoutMs);
        const QString base = deployment.baseUrl();
        QVERIFY2(base.startsWith(u"http://127.0.0.1:"_s) && base.endsWith(u"/fhir/r4"_s),
                 qPrintable(base));

        QNetworkAccessManager nam;
        QCOMPARE(sendHttp(nam, "PUT", base + u"/Patient/p1"_s, key, testPatient("p1")).status, 201);
        QCOMPARE(sendHttp(nam, "GET", base + u"/Patient/p1"_s, {}).status, 401);
        // A key made while the server runs works at once: both use the same database.
        const auto second = deployment.createApiKey(u"second"_s);
        QVERIFY(second);
        QCOMPARE(sendHttp(nam, "GET", base + u"/Patient/p1"_s, second->secret.toLatin1()).status,
                 200);
        QVERIFY(*deployment.revokeApiKey(second->info.id));
        QCOMPARE(sendHttp(nam, "GET", base + u"/Patient/p1"_s, second->secret.toLatin1()).status,
                 401);

        QTRY_COMPARE_WITH_TIMEOUT(served.size(), 4, kTimeoutMs);
        QCOMPARE(served.at(0).first().toString().section(u' ', 0, 2),
                 u"PUT /fhir/r4/Patient/p1 201"_s);
        QCOMPARE(served.at(1).first().toString().section(u' ', 0, 2),
                 u"GET /fhir/r4/Patient/p1 401"_s);
        for (const QList<QVariant> &line : std::as_const(served))
            QVERIFY(!line.first().toString().contains(made->secret.mid(17)));

        deployment.stop();
        QCOMPARE(deployment.status(), Status::Stopping);
        QTRY_COMPARE_WITH_TIMEOUT(deployment.status(), Status::Stopped, kTimeoutMs);
        QVERIFY(deployment.baseUrl().isEmpty());
        QCOMPARE(statuses.size(), 4);
        QCOMPARE(statuses.at(1).first().value<Status>(), Status::Running);
        // Closed and checkpointed: the write-ahead log is empty or gone.
        const QFileInfo wal(QDir(settings().dataFolder).filePath(u"fhir.sqlite-wal"_s));
        QVERIFY(!wal.exists() || wal.size() == 0);

        deployment.start();
        QTRY_COMPARE_WITH_TIMEOUT(deployment.status(), Status::Running, kTimeoutMs);
        const HttpTestReply again
            = sendHttp(nam, "GET", deployment.baseUrl() + u"/Patient/p1"_s, key);
        QCOMPARE(again.status, 200);
        QCOMPARE(Json::parse(again.body.toStdString()).value("id", ""), std::string("p1"));
        const auto keys = deployment.apiKeys();
        QVERIFY(keys);
        QCOMPARE(keys->size(), 1);
        QCOMPARE(keys->first().name, u"first"_s);
        QVERIFY(keys->first().lastUsed);
        // The destructor stops and joins a running deployment.
    }

    void openWhenTheOwnerChoseNoAuth()
    {
        Deployment deployment(m_model, settings(false));
        deployment.start();
        QTRY_COMPARE_WITH_TIMEOUT(deployment.status(), Status::Running, kTimeoutMs);
        QNetworkAccessManager nam;
        QCOMPARE(sendHttp(nam, "GET", deployment.baseUrl() + u"/Patient"_s, {}).status, 200);
    }

    void portInUseFails()
    {
        QTcpServer occupier;
        QVERIFY(occupier.listen(QHostAddress::LocalHost));
        Deployment deployment(m_model, settings(true, occupier.serverPort()));
        deployment.start();
        QTRY_COMPARE_WITH_TIMEOUT(deployment.status(), Status::Failed, kTimeoutMs);
        QVERIFY2(deployment.errorString().contains(
                     u"cannot listen on 127.0.0.1:%1"_s.arg(occupier.serverPort())),
                 qPrintable(deployment.errorString()));
        QVERIFY(deployment.baseUrl().isEmpty());
        // Once the port is free, the same deployment starts.
        occupier.close();
        deployment.start();
        QTRY_COMPARE_WITH_TIMEOUT(deployment.status(), Status::Running, kTimeoutMs);
        QVERIFY(deployment.errorString().isEmpty());
    }

    void unusableFolderFails()
    {
        DeploymentSettings s = settings();
        s.dataFolder = write(u"a-file"_s, "not a folder");
        Deployment deployment(m_model, s);
        deployment.start();
        QTRY_COMPARE_WITH_TIMEOUT(deployment.status(), Status::Failed, kTimeoutMs);
        QVERIFY(deployment.errorString().contains(s.dataFolder));
        QVERIFY(!deployment.createApiKey(u"k"_s));
    }

    void loadSyntheticPatients()
    {
        Deployment deployment(m_model, settings());
        QSignalSpy progress(&deployment, &Deployment::progress);
        QSignalSpy finished(&deployment, &Deployment::loadFinished);
        deployment.loadSynthetic(2, 5);
        QVERIFY(deployment.isLoading());
        QVERIFY(finished.wait(kTimeoutMs));
        QVERIFY(!deployment.isLoading());
        QCOMPARE(finished.first().at(0).toBool(), true);
        QVERIFY2(finished.first().at(1).toString().startsWith(u"loaded 2 synthetic patients"_s),
                 qPrintable(finished.first().at(1).toString()));
        QCOMPARE(progress.last().at(0).toLongLong(), 2);
        QCOMPARE(progress.last().at(1).toLongLong(), 2);
        QCOMPARE(total(u"/Patient"_s), 2);
    }

    // Cancelled between two transactions: the store holds the shared resources and whole
    // patient records, nothing of a half-loaded one.
    void cancelledLoadLeavesWholeRecords()
    {
        constexpr int patients = 12;
        constexpr quint64 seed = 3;
        Deployment deployment(m_model, settings());
        QSignalSpy finished(&deployment, &Deployment::loadFinished);
        // Cancel once some patients are in: the transaction under way still completes.
        connect(&deployment, &Deployment::progress, &deployment, [&deployment](qint64 done) {
            if (done > 0)
                deployment.cancelLoad();
        });
        deployment.loadSynthetic(patients, seed);
        deployment.importFiles({}); // one load at a time
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, kTimeoutMs);
        QCOMPARE(finished.at(0).at(0).toBool(), false);
        QCOMPARE(finished.at(0).at(1).toString(), u"another load is still running"_s);
        QCOMPARE(finished.at(1).at(0).toBool(), false);
        const QString report = finished.at(1).at(1).toString();
        QVERIFY2(report.startsWith(u"cancelled after "_s), qPrintable(report));

        const qint64 loadedPatients = total(u"/Patient"_s);
        QVERIFY(loadedPatients > 0 && loadedPatients < patients);
        QVERIFY(report.contains(u"after %1 of %2 patients"_s.arg(loadedPatients).arg(patients)));
        const synthetic::Generator generator({.seed = seed, .patients = patients});
        qint64 expected = qint64(generator.sharedResources().size());
        for (int i = 0; i < loadedPatients; ++i)
            expected += qint64(generator.patientRecord(i).size());
        QCOMPARE(total(u"/_history"_s), expected);
    }

    void importFilesReportsEachFile()
    {
        const QString good = write(u"patients.ndjson"_s,
                                   testPatient("a") + '\n' + "{broken\n" + testPatient("b") + '\n');
        const Json broken = {{"resourceType", "Bundle"},
                             {"type", "transaction"},
                             {"entry",
                              {{{"resource", Json::parse(testPatient("c").toStdString())},
                                {"request", {{"method", "PUT"}, {"url", "Patient/c"}}}},
                               {{"resource", Json::parse(testPatient("d", "robot").toStdString())},
                                {"request", {{"method", "PUT"}, {"url", "Patient/d"}}}}}}};
        const QString transaction
            = write(u"transaction.json"_s, QByteArray::fromStdString(broken.dump()));
        Deployment deployment(m_model, settings());
        QSignalSpy progress(&deployment, &Deployment::progress);
        QSignalSpy finished(&deployment, &Deployment::loadFinished);
        deployment.importFiles({good, transaction});
        QVERIFY(finished.wait(kTimeoutMs));
        QCOMPARE(finished.first().at(0).toBool(), false);
        const QStringList lines = finished.first().at(1).toString().split(u'\n');
        QCOMPARE(lines.size(), 3);
        QCOMPARE(lines[0], u"patients.ndjson: 2 loaded, 1 not loaded"_s);
        QVERIFY2(lines[1].startsWith(u"  line 2: not valid JSON"_s), qPrintable(lines[1]));
        QVERIFY2(lines[2].startsWith(u"transaction.json: not loaded: "_s), qPrintable(lines[2]));
        QVERIFY2(lines[2].contains(u"entry 1 (PUT Patient/d)"_s), qPrintable(lines[2]));
        QCOMPARE(progress.last().at(0).toLongLong(), progress.last().at(1).toLongLong());
        QCOMPARE(total(u"/Patient"_s), 2); // a and b; nothing of the transaction
    }

    void removeDataKeepsOtherFiles()
    {
        {
            Deployment deployment(m_model, settings());
            QVERIFY(deployment.createApiKey(u"k"_s));
        }
        const QDir folder(settings().dataFolder);
        QVERIFY(folder.exists(u"fhir.sqlite"_s));
        QVERIFY(Deployment::removeData(settings()));
        QVERIFY(!folder.exists()); // nothing else was in it

        QVERIFY(QDir().mkpath(folder.path()));
        write(u"data/notes.txt"_s, "mine");
        QVERIFY(Deployment(m_model, settings()).createApiKey(u"k"_s));
        QVERIFY(Deployment::removeData(settings()));
        QCOMPARE(folder.entryList(QDir::Files), QStringList{u"notes.txt"_s});
    }
};

QTEST_GUILESS_MAIN(TestDeployment)
#include "tst_deployment.moc"
