// JSON Patch (RFC 6902) alone: the RFC's Appendix A examples and the errors, from a data file.

#include "embedded_server/patch/jsonpatch.h"

#include <QFile>
#include <QTest>

#include <nlohmann/json.hpp>

using namespace fhir::server;
using namespace Qt::StringLiterals;
using Json = nlohmann::json;

class TestJsonPatch : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cases_data()
    {
        QTest::addColumn<QByteArray>("doc");
        QTest::addColumn<QByteArray>("patch");
        QTest::addColumn<QByteArray>("expected"); // empty when an error is expected
        QTest::addColumn<QString>("error"); // "parse", "apply" or empty

        QFile file(QStringLiteral(PATCH_CASES_DIR "/jsonpatch-cases.json"));
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
        const Json cases = Json::parse(file.readAll().toStdString());
        for (const Json &c : cases) {
            QTest::newRow(c["name"].get<std::string>().c_str())
                << QByteArray::fromStdString(c["doc"].dump())
                << QByteArray::fromStdString(c["patch"].dump())
                << (c.contains("expected") ? QByteArray::fromStdString(c["expected"].dump())
                                           : QByteArray())
                << QString::fromStdString(c.value("error", std::string()));
        }
    }
    void cases()
    {
        QFETCH(QByteArray, doc);
        QFETCH(QByteArray, patch);
        QFETCH(QByteArray, expected);
        QFETCH(QString, error);
        const Json target = Json::parse(doc.toStdString());
        const Json before = target;
        auto parsed = JsonPatch::parse(Json::parse(patch.toStdString()));
        if (error == u"parse"_s) {
            QVERIFY(!parsed);
            QVERIFY(!parsed.error().isEmpty());
            return;
        }
        QVERIFY2(parsed, qPrintable(parsed.error()));
        auto result = parsed->apply(target);
        QVERIFY(target == before); // the input is never touched
        if (error == u"apply"_s) {
            QVERIFY(!result);
            QVERIFY2(result.error().startsWith(u"operation "_s), qPrintable(result.error()));
            return;
        }
        QVERIFY2(result, qPrintable(result.error()));
        QCOMPARE(QByteArray::fromStdString(result->dump()),
                 QByteArray::fromStdString(Json::parse(expected.toStdString()).dump()));
    }

    // The error names the failing operation and its path, for the OperationOutcome.
    void errorNamesTheOperation()
    {
        const auto patch = JsonPatch::parse(Json::array(
            {{{"op", "add"}, {"path", "/a"}, {"value", 1}}, {{"op", "remove"}, {"path", "/zz"}}}));
        QVERIFY(patch);
        QCOMPARE(patch->size(), size_t(2));
        const auto result = patch->apply(Json::object());
        QVERIFY(!result);
        QVERIFY2(result.error().startsWith(u"operation 1 (remove /zz): "_s),
                 qPrintable(result.error()));
        const auto bad = JsonPatch::parse(Json::array({{{"op", "move"}, {"path", "/a"}}}));
        QVERIFY2(bad.error().startsWith(u"operation 0 (move) needs \"from\""_s),
                 qPrintable(bad.error()));
    }
};

QTEST_GUILESS_MAIN(TestJsonPatch)
#include "tst_jsonpatch.moc"
