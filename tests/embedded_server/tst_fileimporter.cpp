// Importing files into a server: transactions all or nothing, batches and NDJSON entry by
// entry, each refusal named by entry or line.

#include "embedded_server/fileimporter.h"

#include "servertestsupport.h"
#include "testmodel.h"

#include <QTemporaryDir>
#include <QTest>

using namespace fhir::server;
using namespace Qt::StringLiterals;
using Json = nlohmann::json;

namespace {

Json patient(const std::string &id, const std::string &gender = "female")
{
    Json p = {{"resourceType", "Patient"}, {"gender", gender}};
    if (!id.empty())
        p["id"] = id;
    return p;
}

QByteArray dump(const Json &value)
{
    return QByteArray::fromStdString(value.dump());
}

QByteArray bundle(const std::string &type, const std::vector<Json> &entries)
{
    return dump({{"resourceType", "Bundle"}, {"type", type}, {"entry", entries}});
}

Json put(const Json &resource)
{
    const std::string url
        = resource["resourceType"].get<std::string>() + "/" + resource["id"].get<std::string>();
    return {{"resource", resource}, {"request", {{"method", "PUT"}, {"url", url}}}};
}

QByteArray lines(const QList<QByteArray> &items)
{
    QByteArray out;
    for (const QByteArray &item : items)
        out += item + '\n';
    return out;
}

} // namespace

class TestFileImporter : public QObject
{
    Q_OBJECT

    std::shared_ptr<const fhir::schema::Model> m_model;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FhirServer> m_server;

    QString write(const QString &name, const QByteArray &content)
    {
        return writeTestFile(m_dir->filePath(name), content);
    }

    qint64 count(const QString &type) { return searchTotal(*m_server, u'/' + type); }

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        ServerOptions options;
        options.requireApiKey = false;
        auto server = FhirServer::open(m_model, m_dir->filePath(u"db"_s), options);
        QVERIFY2(server, qPrintable(server.error()));
        m_server = std::move(server).value();
    }

    void cleanup()
    {
        m_server.reset();
        m_dir.reset();
    }

    void import_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<int>("chunk");
        QTest::addColumn<qint64>("loaded");
        QTest::addColumn<QStringList>("problems"); // the start of each problem's text
        QTest::addColumn<QString>("error"); // a part of the whole-file error, or empty
        QTest::addColumn<qint64>("patients"); // in the store afterwards

        const Json obs
            = {{"resourceType", "Observation"},
               {"status", "final"},
               {"code", {{"text", "weight"}}},
               {"subject", {{"reference", "urn:uuid:0b7c7c8e-1111-4c6a-9c1e-000000000001"}}}};
        const Json newPatient = {{"fullUrl", "urn:uuid:0b7c7c8e-1111-4c6a-9c1e-000000000001"},
                                 {"resource", patient("")},
                                 {"request", {{"method", "POST"}, {"url", "Patient"}}}};
        const Json newObservation
            = {{"resource", obs}, {"request", {{"method", "POST"}, {"url", "Observation"}}}};
        QTest::newRow("transaction")
            << u"t.json"_s << bundle("transaction", {newPatient, newObservation}) << 500
            << qint64(2) << QStringList() << QString() << qint64(1);
        // http.html#trules: a transaction succeeds or fails as a whole.
        QTest::newRow("broken transaction")
            << u"t.json"_s
            << bundle("transaction", {newPatient, put(patient("p2", "robot")), newObservation})
            << 500 << qint64(0) << QStringList() << u"entry 1 (PUT Patient/p2)"_s << qint64(0);
        QTest::newRow("batch with a bad entry")
            << u"b.json"_s
            << bundle("batch",
                      {put(patient("p1")), put(patient("p2", "robot")), put(patient("p3"))})
            << 500 << qint64(2) << QStringList{u"entry 1: "_s} << QString() << qint64(2);
        QTest::newRow("collection")
            << u"c.json"_s
            << bundle("collection",
                      {{{"resource", patient("p1")}},
                       {{"resource", patient("p2", "robot")}},
                       {{"fullUrl", "x"}},
                       {{"resource", patient("")}}})
            << 500 << qint64(2)
            << QStringList{u"entry 1: "_s, u"entry 2: the entry has no resource"_s} << QString()
            << qint64(2);
        QTest::newRow("resource with an id")
            << u"r.json"_s << dump(patient("p9")) << 500 << qint64(1) << QStringList() << QString()
            << qint64(1);
        QTest::newRow("resource without an id")
            << u"r.json"_s << dump(patient("")) << 500 << qint64(1) << QStringList() << QString()
            << qint64(1);
        QTest::newRow("invalid resource")
            << u"r.json"_s << dump(patient("p9", "robot")) << 500 << qint64(0)
            << QStringList{u"Patient.gender"_s} << QString() << qint64(0);
        const QByteArray ndjson = lines({dump(patient("p1")), "{not json", dump(patient("p2")),
                                         dump(patient("p3", "robot")), "", dump(patient("p4")),
                                         "[1]", dump(patient("p5"))});
        QTest::newRow("ndjson with bad lines")
            << u"p.ndjson"_s << ndjson << 500 << qint64(4)
            << QStringList{u"line 2: not valid JSON"_s, u"line 4: "_s,
                           u"line 7: not a JSON object"_s}
            << QString() << qint64(4);
        QTest::newRow("ndjson in small batches")
            << u"p.ndjson"_s << ndjson << 2 << qint64(4)
            << QStringList{u"line 2: "_s, u"line 4: "_s, u"line 7: "_s} << QString() << qint64(4);
        QTest::newRow("not JSON") << u"x.json"_s << QByteArray("hello") << 500 << qint64(0)
                                  << QStringList() << u"not valid JSON"_s << qint64(0);
        QTest::newRow("empty") << u"e.json"_s << QByteArray() << 500 << qint64(0) << QStringList()
                               << u"is empty"_s << qint64(0);
    }
    void import()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, content);
        QFETCH(int, chunk);
        QFETCH(qint64, loaded);
        QFETCH(QStringList, problems);
        QFETCH(QString, error);
        QFETCH(qint64, patients);
        const QString path = write(name, content);
        QList<qint64> progress;
        const FileImportReport report = importFile(
            *m_server, path, [&](qint64 done, qint64) { progress.append(done); }, nullptr, chunk);
        QCOMPARE(report.loaded, loaded);
        QStringList texts;
        for (const ImportProblem &problem : report.problems)
            texts.append(problem.text());
        QCOMPARE(texts.size(), problems.size());
        for (qsizetype i = 0; i < problems.size(); ++i)
            QVERIFY2(texts[i].startsWith(problems[i]), qPrintable(texts[i]));
        QVERIFY2(report.error.contains(error), qPrintable(report.error));
        QCOMPARE(report.error.isEmpty(), error.isEmpty());
        QCOMPARE(report.ok(), problems.isEmpty() && error.isEmpty());
        QCOMPARE(count(u"Patient"_s), patients);
        if (error.isEmpty())
            QCOMPARE(progress.last(), content.size());
        // The report names the file and every problem.
        const QString text = report.text();
        QVERIFY(text.startsWith(name + u": "_s));
        for (const QString &problem : std::as_const(texts))
            QVERIFY(text.contains(problem));
    }

    void cancelledBeforeTheFirstBatch()
    {
        const QString path
            = write(u"p.ndjson"_s, lines({dump(patient("p1")), dump(patient("p2"))}));
        const std::atomic_bool cancel = true;
        const FileImportReport report = importFile(*m_server, path, {}, &cancel);
        QVERIFY(report.cancelled);
        QVERIFY(!report.ok());
        QCOMPARE(report.loaded, 0);
        QCOMPARE(count(u"Patient"_s), 0);
    }
};

QTEST_GUILESS_MAIN(TestFileImporter)
#include "tst_fileimporter.moc"
