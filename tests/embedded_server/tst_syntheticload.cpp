// The embedded server accepts what the app offers: the synthetic clinic loaded as transactions,
// the curated examples and an example generated for every resource type.

#include "embedded_server/syntheticloader.h"
#include "schemas/examplegenerator.h"

#include "testmodel.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace fhir;
using namespace fhir::server;
using namespace Qt::StringLiterals;
using Json = nlohmann::json;

class TestSyntheticLoad : public QObject
{
    Q_OBJECT

    std::shared_ptr<const schema::Model> m_model;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FhirServer> m_server;

    Response call(const QByteArray &method, const QString &target, const QByteArray &body = {})
    {
        Request request;
        request.method = method;
        const qsizetype question = target.indexOf(u'?');
        request.path = FhirServer::basePath() + (question < 0 ? target : target.left(question));
        if (question >= 0) {
            for (const QString &pair : target.mid(question + 1).split(u'&'))
                request.query.append({pair.section(u'=', 0, 0), pair.section(u'=', 1)});
        }
        if (!body.isEmpty())
            request.headers.append(
                qMakePair(QByteArray("Content-Type"), QByteArray("application/fhir+json")));
        request.body = body;
        return m_server->handle(request);
    }

    qint64 total(const QString &target)
    {
        const Json bundle = Json::parse(call("GET", target).body.toStdString(), nullptr, false);
        return bundle.value("total", qint64(-1));
    }

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        ServerOptions options;
        options.requireApiKey = false;
        auto server = FhirServer::open(m_model, m_dir->path(), options);
        QVERIFY2(server, qPrintable(server.error()));
        m_server = std::move(server).value();
    }

    void cleanup()
    {
        m_server.reset();
        m_dir.reset();
    }

    void loadsTheWholeClinic()
    {
        const synthetic::Generator generator({.seed = 11, .patients = 15});
        QList<int> seen;
        const auto report = loadSynthetic(
            *m_server, generator, [&seen](int done, int) { seen.append(done); }, nullptr, 4);
        QVERIFY2(report, qPrintable(report.error()));
        QCOMPARE(report->patientsLoaded, 15);
        QVERIFY(!report->cancelled);
        QCOMPARE(seen, (QList<int>{0, 4, 8, 12, 15}));
        QCOMPARE(total(u"/Patient?_count=0"_s), 15);
        // One version per resource, nothing lost or doubled.
        QCOMPARE(total(u"/_history?_count=0"_s), report->resourcesLoaded);
        QVERIFY(total(u"/Observation?_count=0"_s) > 15 * 5);
    }

    // A cancel between transactions leaves whole records only.
    void cancelKeepsTheStoreConsistent()
    {
        const synthetic::Generator generator({.seed = 11, .patients = 15});
        std::atomic_bool cancel = false;
        const auto report = loadSynthetic(
            *m_server, generator,
            [&cancel](int done, int) {
                if (done > 0)
                    cancel = true;
            },
            &cancel, 4);
        QVERIFY2(report, qPrintable(report.error()));
        QVERIFY(report->cancelled);
        QCOMPARE(report->patientsLoaded, 4);
        QCOMPARE(total(u"/Patient?_count=0"_s), 4);
        QCOMPARE(total(u"/_history?_count=0"_s), report->resourcesLoaded);
    }

    void curatedExamplesAreAccepted()
    {
        const QDir dir(QStringLiteral(FHIR_EXAMPLES_DIR));
        const QStringList files = dir.entryList({u"*.json"_s}, QDir::Files);
        QVERIFY(files.size() >= 12);
        for (const QString &file : files) {
            QFile f(dir.filePath(file));
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray body = f.readAll();
            const Json resource = Json::parse(body.toStdString());
            const QString type
                = QString::fromStdString(resource["resourceType"].get<std::string>());
            const bool bundle = type == u"Bundle"_s && resource["type"] == "transaction";
            const Response r = call("POST", bundle ? QString() : u'/' + type, body);
            QVERIFY2(r.status == (bundle ? 200 : 201),
                     qPrintable(file + u": "_s + QString::fromUtf8(r.body)));
        }
    }

    void generatedExamplesAreAccepted()
    {
        const schema::ExampleGenerator examples(m_model);
        for (const QString &type : m_model->resourceTypes()) {
            const auto example = examples.generate(type);
            QVERIFY(example);
            const Response r
                = call("POST", u'/' + type, QByteArray::fromStdString(example->dump()));
            QVERIFY2(r.status == 201, qPrintable(type + u": "_s + QString::fromUtf8(r.body)));
        }
    }
};

QTEST_GUILESS_MAIN(TestSyntheticLoad)
#include "tst_syntheticload.moc"
