// RequestHistory: kept across restarts (a new instance reading the same file), bounded, and
// never with a credential in the file's bytes.

#include "app/requesthistory.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace fhir::app;
using namespace Qt::StringLiterals;

class TestRequestHistory : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;

    QString path() const { return m_dir->filePath(u"sub/history.json"_s); }

    QByteArray fileBytes() const
    {
        QFile file(path());
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

    static ApiRequest search(const QString &name)
    {
        ApiRequest r;
        r.path = u"Patient"_s;
        r.query = {{u"name"_s, name}, {u"_count"_s, u"10"_s}};
        r.headers = {{"Accept", "application/fhir+json"}};
        return r;
    }

private Q_SLOTS:
    void init() { m_dir = std::make_unique<QTemporaryDir>(); }

    void keptAcrossRestartWithoutSecrets()
    {
        ApiRequest create;
        create.method = "POST";
        create.path = u"Patient"_s;
        create.headers = {{"Content-Type", "application/fhir+json"},
                          {"x-api-key", "fhp_SECRETKEY1"},
                          {"Authorization", "Bearer SECRETTOKEN2"},
                          {"Prefer", "return=representation"}};
        create.body = R"({"resourceType":"Patient","name":[{"family":"Chalmers"}]})";
        ApiRequest paging;
        paging.path = u"https://user:SECRETPASSWORD3@fhir.example.org/r4/Patient?_page=2"_s;
        paging.query = {{u"access_token"_s, u"SECRETTOKEN4"_s}, {u"_count"_s, u"5"_s}};
        const QDateTime t0 = QDateTime(QDate(2026, 3, 1), QTime(9, 30, 0, 125), Qt::UTC);
        {
            RequestHistory history(path());
            QSignalSpy added(&history, &RequestHistory::entryAdded);
            history.record(u"local"_s, search(u"Ωmega"_s), 200, 12, t0);
            history.record(u"local"_s, create, 201, 48, t0.addSecs(1));
            history.record(u"local"_s, paging, 0, 5003, t0.addSecs(2));
            QCOMPARE(added.size(), 3);
            QCOMPARE(added.at(1).at(0).toString(), u"local"_s);
        } // the destructor writes

        const QByteArray bytes = fileBytes();
        QVERIFY(!bytes.isEmpty());
        for (const char *secret : {"SECRETKEY1", "SECRETTOKEN2", "SECRETPASSWORD3", "SECRETTOKEN4"})
            QVERIFY2(!bytes.contains(secret), secret);
        QVERIFY(!bytes.toLower().contains("x-api-key"));
        QVERIFY(!bytes.toLower().contains("authorization"));

        RequestHistory reopened(path());
        QVERIFY2(reopened.errorString().isEmpty(), qPrintable(reopened.errorString()));
        const QList<HistoryEntry> entries = reopened.entries(u"local"_s);
        QCOMPARE(entries.size(), 3);
        // Newest first; what comes back is what was sent, less the credentials.
        QCOMPARE(entries.at(2).request, search(u"Ωmega"_s));
        QCOMPARE(entries.at(2).time, t0);
        QCOMPARE(entries.at(2).status, 200);
        QCOMPARE(entries.at(2).elapsedMs, qint64(12));
        const ApiRequest reopenedCreate = entries.at(1).request;
        QCOMPARE(reopenedCreate.method, QByteArray("POST"));
        QCOMPARE(reopenedCreate.body, create.body);
        const QList<QPair<QByteArray, QByteArray>> kept
            = {{"Content-Type", "application/fhir+json"}, {"Prefer", "return=representation"}};
        QCOMPARE(reopenedCreate.headers, kept);
        QCOMPARE(entries.at(0).request.path, u"https://fhir.example.org/r4/Patient?_page=2"_s);
        const QList<QPair<QString, QString>> query = {{u"_count"_s, u"5"_s}};
        QCOMPARE(entries.at(0).request.query, query);
        QCOMPARE(entries.at(0).status, 0);
        QVERIFY(reopened.entries(u"other"_s).isEmpty());
    }

    void boundedPerDeployment()
    {
        {
            RequestHistory history(path(), 5);
            for (int i = 0; i < 8; ++i)
                history.record(u"a"_s, search(QString::number(i)), 200, i);
            history.record(u"b"_s, search(u"b"_s), 404, 1);
            QCOMPARE(history.entries(u"a"_s).size(), 5);
            QCOMPARE(history.entries(u"a"_s).first().elapsedMs, qint64(7));
            QCOMPARE(history.entries(u"a"_s).last().elapsedMs, qint64(3));
        }
        RequestHistory reopened(path(), 5);
        QCOMPARE(reopened.entries(u"a"_s).size(), 5);
        QCOMPARE(reopened.entries(u"a"_s).last().elapsedMs, qint64(3));
        QCOMPARE(reopened.entries(u"b"_s).size(), 1);
        // A smaller limit than the file's holds on reading too.
        RequestHistory smaller(path(), 2);
        QCOMPARE(smaller.entries(u"a"_s).size(), 2);
    }

    void clearOneDeployment()
    {
        {
            RequestHistory history(path());
            history.record(u"a"_s, search(u"x"_s), 200, 1);
            history.record(u"b"_s, search(u"y"_s), 200, 1);
            QSignalSpy cleared(&history, &RequestHistory::cleared);
            history.clear(u"a"_s);
            QCOMPARE(cleared.size(), 1);
            QVERIFY(history.flush());
        }
        RequestHistory reopened(path());
        QVERIFY(reopened.entries(u"a"_s).isEmpty());
        QCOMPARE(reopened.entries(u"b"_s).size(), 1);
    }

    void bodies()
    {
        ApiRequest binary;
        binary.method = "PUT";
        binary.path = u"Binary/1"_s;
        binary.body = QByteArray("\x00\xff\xfe raw", 7);
        ApiRequest huge;
        huge.method = "POST";
        huge.body = QByteArray(RequestHistory::maxBodyBytes + 1, 'x');
        {
            RequestHistory history(path());
            history.record(u"a"_s, binary, 200, 1);
            history.record(u"a"_s, huge, 413, 1);
        }
        RequestHistory reopened(path());
        const auto entries = reopened.entries(u"a"_s);
        QCOMPARE(entries.size(), 2);
        QCOMPARE(entries.at(1).request.body, binary.body);
        QVERIFY(entries.at(0).bodyOmitted);
        QVERIFY(entries.at(0).request.body.isEmpty());
    }

    void malformedFileStartsAfresh()
    {
        QVERIFY(QDir().mkpath(m_dir->filePath(u"sub"_s)));
        QFile file(path());
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{ not json");
        file.close();
        RequestHistory history(path());
        QVERIFY(history.entries(u"a"_s).isEmpty());
        QVERIFY(history.errorString().contains(u"starting afresh"_s));
        history.record(u"a"_s, search(u"x"_s), 200, 1);
        QVERIFY(history.flush());
        QVERIFY(history.errorString().isEmpty());
        RequestHistory reopened(path());
        QCOMPARE(reopened.entries(u"a"_s).size(), 1);
    }

    void unwritableFileIsAnError()
    {
        RequestHistory history(m_dir->path()); // a folder, not a file
        history.record(u"a"_s, search(u"x"_s), 200, 1);
        QVERIFY(!history.flush());
        QVERIFY(history.errorString().contains(u"Cannot write"_s));
    }
};

QTEST_GUILESS_MAIN(TestRequestHistory)
#include "tst_requesthistory.moc"
