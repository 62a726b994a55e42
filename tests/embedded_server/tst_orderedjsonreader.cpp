#include "embedded_server/orderedjsonreader.h"

#include <QTest>

using namespace fhir::server;

using Json = nlohmann::ordered_json;

class TestOrderedJsonReader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Whatever ordered_json::parse() reads, the reader reads the same: the same values, the
    // members in the same order (dump() compares both).
    void readsAsParseDoes_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("object") << QByteArray("{\"resourceType\":\"Patient\",\"id\":\"a\"}");
        QTest::newRow("order kept") << QByteArray("{\"z\":1,\"a\":2,\"m\":3}");
        QTest::newRow("nested") << QByteArray(
            "{\"name\":[{\"family\":\"Chalmers\",\"given\":[\"Peter\",\"James\"]}],"
            "\"contact\":[{\"name\":{\"text\":\"x\"}},{}]}");
        QTest::newRow("scalars") << QByteArray(
            "[null,true,false,0,-12,18446744073709551615,1.5e3,-0.25,\"\"]");
        QTest::newRow("escapes") << QByteArray("{\"t\":\"a\\\"b\\\\c\\u00e9\\ud83d\\ude00\\n\"}");
        QTest::newRow("empty containers") << QByteArray("{\"a\":{},\"b\":[],\"c\":[[],{}]}");
        QTest::newRow("whitespace") << QByteArray(" \n{ \"a\" : [ 1 , 2 ] }\t");
        QTest::newRow("repeated key, small object")
            << QByteArray("{\"a\":1,\"b\":{\"x\":1},\"a\":{\"y\":2},\"c\":3}");
        QByteArray large = "{";
        for (int i = 0; i < 40; ++i)
            large += "\"k" + QByteArray::number(i) + "\":" + QByteArray::number(i) + ',';
        large += "\"k7\":\"last\",\"k39\":[1]}";
        QTest::newRow("repeated keys, large object") << large;
        QTest::newRow("scalar document") << QByteArray("\"text\"");
    }
    void readsAsParseDoes()
    {
        QFETCH(QByteArray, text);
        Json read;
        QCOMPARE(readOrderedJson(text.constData(), text.constData() + text.size(), 100, read),
                 JsonReadStatus::Ok);
        const Json parsed = Json::parse(text.constData(), text.constData() + text.size());
        QCOMPARE(read.dump(), parsed.dump());
    }

    void refusesMalformedText_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("unclosed object") << QByteArray("{\"a\":1");
        QTest::newRow("unclosed array") << QByteArray("[1,2");
        QTest::newRow("trailing text") << QByteArray("{} x");
        QTest::newRow("two documents") << QByteArray("{}{}");
        QTest::newRow("missing value") << QByteArray("{\"a\":}");
        QTest::newRow("trailing comma") << QByteArray("[1,]");
        QTest::newRow("bad escape") << QByteArray("\"\\q\"");
        QTest::newRow("lone surrogate") << QByteArray("\"\\ud83d\"");
        QTest::newRow("control character") << QByteArray("\"a\nb\"");
        QTest::newRow("invalid UTF-8") << QByteArray("\"\xff\"");
        QTest::newRow("comment") << QByteArray("{/* no */}");
    }
    void refusesMalformedText()
    {
        QFETCH(QByteArray, text);
        Json read = Json::object({{"left", "over"}});
        QCOMPARE(readOrderedJson(text.constData(), text.constData() + text.size(), 100, read),
                 JsonReadStatus::Malformed);
        QVERIFY(read.is_null());
    }

    void depthLimit_data()
    {
        QTest::addColumn<int>("depth");
        QTest::addColumn<int>("limit");
        QTest::addColumn<bool>("ok");
        QTest::newRow("at the limit") << 5 << 5 << true;
        QTest::newRow("one over") << 6 << 5 << false;
        QTest::newRow("far over") << 100000 << 100 << false;
    }
    // Nesting is refused while reading, before the parser recurses any deeper.
    void depthLimit()
    {
        QFETCH(int, depth);
        QFETCH(int, limit);
        QFETCH(bool, ok);
        QByteArray text;
        for (int i = 0; i < depth; ++i)
            text += i % 2 ? "[" : "{\"a\":";
        text += '1';
        for (int i = depth - 1; i >= 0; --i)
            text += i % 2 ? "]" : "}";
        Json read;
        QCOMPARE(readOrderedJson(text.constData(), text.constData() + text.size(), limit, read),
                 ok ? JsonReadStatus::Ok : JsonReadStatus::TooDeep);
        if (ok)
            QCOMPARE(read.dump(), Json::parse(text.toStdString()).dump());
    }
};

QTEST_APPLESS_MAIN(TestOrderedJsonReader)
#include "tst_orderedjsonreader.moc"
