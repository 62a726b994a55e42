// Reading a user's files for import: each kind of file, broken ones, and NDJSON streaming.

#include "embedded_server/import/importreader.h"

#include <QTemporaryDir>
#include <QTest>

using namespace fhir::server;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(fhir::server::ImportFileKind)

class TestImportReader : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    QString write(const QString &name, const QByteArray &content)
    {
        QFile file(m_dir.filePath(name));
        if (!file.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(file.fileName()));
        file.write(content);
        return file.fileName();
    }

    struct ReadAll
    {
        std::vector<ImportItem> items;
        QList<ImportProblem> problems;
        int calls = 0;
    };
    static ReadAll readAll(ImportReader &reader, int chunk = 500)
    {
        ReadAll out;
        bool more = true;
        while (more) {
            more = reader.next(out.items, out.problems, chunk);
            ++out.calls;
        }
        return out;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void kinds_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<ImportFileKind>("kind");
        QTest::addColumn<int>("items");
        QTest::addColumn<QString>("bundleType");
        QTest::newRow("one resource, pretty")
            << u"patient.json"_s
            << QByteArray("{\n  \"resourceType\": \"Patient\",\n  \"id\": \"a\"\n}\n")
            << ImportFileKind::Resource << 1 << QString();
        QTest::newRow("one resource, one line")
            << u"patient-min.json"_s << QByteArray("{\"resourceType\":\"Patient\"}\n")
            << ImportFileKind::Resource << 1 << QString();
        QTest::newRow("collection bundle: entry by entry")
            << u"collection.json"_s
            << QByteArray("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
                          "{\"resource\":{\"resourceType\":\"Patient\"}},"
                          "{\"resource\":{\"resourceType\":\"Observation\"}}]}")
            << ImportFileKind::Bundle << 2 << u"collection"_s;
        QTest::newRow("transaction bundle: sent whole")
            << u"transaction.json"_s
            << QByteArray("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                          "{\"resource\":{\"resourceType\":\"Patient\"},"
                          "\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}]}")
            << ImportFileKind::Bundle << 1 << u"transaction"_s;
        QTest::newRow("batch bundle: sent whole")
            << u"batch.json"_s
            << QByteArray("{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[]}")
            << ImportFileKind::Bundle << 1 << u"batch"_s;
        QTest::newRow("ndjson") << u"export.ndjson"_s
                                << QByteArray("{\"resourceType\":\"Patient\",\"id\":\"1\"}\n"
                                              "{\"resourceType\":\"Patient\",\"id\":\"2\"}\n")
                                << ImportFileKind::Ndjson << 2 << QString();
        QTest::newRow("ndjson by content, CRLF, blank lines")
            << u"export.txt"_s
            << QByteArray(
                   "{\"resourceType\":\"Patient\"}\r\n\r\n{\"resourceType\":\"Observation\"}\r\n")
            << ImportFileKind::Ndjson << 2 << QString();
        QTest::newRow("ndjson by name, one line")
            << u"one.ndjson"_s << QByteArray("{\"resourceType\":\"Patient\"}")
            << ImportFileKind::Ndjson << 1 << QString();
    }
    void kinds()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, content);
        QFETCH(ImportFileKind, kind);
        QFETCH(int, items);
        QFETCH(QString, bundleType);
        auto reader = ImportReader::open(write(name, content));
        QVERIFY2(reader, qPrintable(reader.error()));
        QCOMPARE((*reader)->kind(), kind);
        QCOMPARE((*reader)->bundleType(), bundleType);
        const ReadAll all = readAll(**reader);
        QCOMPARE(int(all.items.size()), items);
        QVERIFY(all.problems.isEmpty());
        QCOMPARE((*reader)->bytesRead(), (*reader)->size());
    }

    void brokenFiles_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("message");
        QTest::newRow("empty") << QByteArray() << u"is empty"_s;
        QTest::newRow("blank") << QByteArray("\n  \n") << u"is empty"_s;
        QTest::newRow("not JSON") << QByteArray("hello, world\n") << u"not valid JSON"_s;
        QTest::newRow("truncated")
            << QByteArray("{\n \"resourceType\": \"Patient\",\n") << u"not valid JSON"_s;
        QTest::newRow("not a resource")
            << QByteArray("{\n \"name\": \"x\"\n}") << u"no resourceType"_s;
        QTest::newRow("an array") << QByteArray("[1, 2]") << u"not a JSON object"_s;
    }
    void brokenFiles()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, message);
        const auto reader = ImportReader::open(write(u"broken.json"_s, content));
        QVERIFY(!reader);
        QVERIFY2(reader.error().contains(message), qPrintable(reader.error()));
    }

    void missingFile()
    {
        const auto reader = ImportReader::open(m_dir.filePath(u"nope.json"_s));
        QVERIFY(!reader);
        QVERIFY(reader.error().contains(u"cannot open"_s));
    }

    // Bad lines are reported by number; the good ones still come through.
    void ndjsonBadLines()
    {
        const QByteArray content = "{\"resourceType\":\"Patient\",\"id\":\"1\"}\n"
                                   "{\"resourceType\":\"Patient\",\"id\":\n"
                                   "\n"
                                   "[1,2,3]\n"
                                   "{\"id\":\"x\"}\n"
                                   "{\"resourceType\":\"Observation\",\"id\":\"2\"}\n";
        auto reader = ImportReader::open(write(u"mixed.ndjson"_s, content));
        QVERIFY2(reader, qPrintable(reader.error()));
        const ReadAll all = readAll(**reader);
        QCOMPARE(int(all.items.size()), 2);
        QCOMPARE(all.items[0].line, 1);
        QCOMPARE(all.items[1].line, 6);
        QCOMPARE(all.items[1].resource["id"].get<std::string>(), std::string("2"));
        QCOMPARE(all.problems.size(), 3);
        QCOMPARE(all.problems[0].line, 2);
        QVERIFY(all.problems[0].text().startsWith(u"line 2: not valid JSON"_s));
        QCOMPARE(all.problems[1].line, 4);
        QVERIFY(all.problems[1].message.contains(u"not a JSON object"_s));
        QCOMPARE(all.problems[2].line, 5);
        QVERIFY(all.problems[2].message.contains(u"no resourceType"_s));
    }

    void bundleEntriesWithoutResources()
    {
        const QByteArray content
            = "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
              "{\"fullUrl\":\"urn:uuid:1\"},{\"resource\":{\"resourceType\":\"Patient\"}},"
              "{\"resource\":{\"id\":\"x\"}}]}";
        auto reader = ImportReader::open(write(u"entries.json"_s, content));
        QVERIFY2(reader, qPrintable(reader.error()));
        const ReadAll all = readAll(**reader);
        QCOMPARE(int(all.items.size()), 1);
        QCOMPARE(all.items[0].entry, 1);
        QCOMPARE(all.problems.size(), 2);
        QCOMPARE(all.problems[0].text(), u"entry 0: the entry has no resource"_s);
        QCOMPARE(all.problems[1].entry, 2);
    }

    // A large NDJSON file comes in chunks, with progress, never as a whole.
    void ndjsonStreamsInChunks()
    {
        QByteArray content;
        for (int i = 0; i < 20000; ++i)
            content += "{\"resourceType\":\"Observation\",\"id\":\"o" + QByteArray::number(i)
                + "\",\"status\":\"final\",\"code\":{\"text\":\"glucose\"}}\n";
        auto reader = ImportReader::open(write(u"big.ndjson"_s, content));
        QVERIFY2(reader, qPrintable(reader.error()));
        std::vector<ImportItem> items;
        QList<ImportProblem> problems;
        QVERIFY((*reader)->next(items, problems, 1000));
        QCOMPARE(int(items.size()), 1000);
        QVERIFY((*reader)->bytesRead() > 0);
        QVERIFY((*reader)->bytesRead() < (*reader)->size() / 10);
        items.clear();
        const ReadAll rest = readAll(**reader, 1000);
        QCOMPARE(int(rest.items.size()), 19000);
        QCOMPARE(rest.items.back().line, 20000);
        QCOMPARE(rest.calls, 19); // 19 chunks of 1000, the last one returning false
        QVERIFY(rest.problems.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestImportReader)
#include "tst_importreader.moc"
