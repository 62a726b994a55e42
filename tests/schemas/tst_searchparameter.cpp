// Reading element paths out of search-parameter expressions, in both spellings that packagings
// of the R4 definitions use: `(X as T)` (the official files) and `X.ofType(T)` (rewritten).

#include "schemas/model.h"

#include <QRegularExpression>
#include <QTest>

using namespace fhir::schema;
using namespace Qt::StringLiterals;

class TestSearchParameter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void splitUnion_data()
    {
        QTest::addColumn<QString>("expression");
        QTest::addColumn<QStringList>("branches");
        QTest::newRow("one") << u"Patient.name"_s << QStringList{u"Patient.name"_s};
        QTest::newRow("two") << u"Patient.name | Person.name"_s
                             << QStringList{u"Patient.name"_s, u"Person.name"_s};
        QTest::newRow("inside parens")
            << u"(Observation.value as Quantity) | (Observation.value as SampledData)"_s
            << QStringList{u"(Observation.value as Quantity)"_s,
                           u"(Observation.value as SampledData)"_s};
        QTest::newRow("inside where")
            << u"A.b.where(c = 'x|y' or (d | e).exists()) | A.f"_s
            << QStringList{u"A.b.where(c = 'x|y' or (d | e).exists())"_s, u"A.f"_s};
        QTest::newRow("empty") << QString() << QStringList{};
    }
    void splitUnion()
    {
        QFETCH(QString, expression);
        QFETCH(QStringList, branches);
        QCOMPARE(fhir::schema::splitUnion(expression), branches);
    }

    void searchPathOf_data()
    {
        QTest::addColumn<QString>("branch");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("typeHint");
        QTest::newRow("plain") << u"Patient.name.family"_s << u"Patient.name.family"_s << QString();
        QTest::newRow("as (R4 files)")
            << u"(Observation.value as Quantity)"_s << u"Observation.value"_s << u"Quantity"_s;
        QTest::newRow("as()") << u"Observation.value.as(Quantity)"_s << u"Observation.value"_s
                              << u"Quantity"_s;
        QTest::newRow("ofType() (v5 spelling)")
            << u"Observation.value.ofType(Quantity)"_s << u"Observation.value"_s << u"Quantity"_s;
        QTest::newRow("where keeps the path")
            << u"Patient.telecom.where(system='phone')"_s << u"Patient.telecom"_s << QString();
        QTest::newRow("resolve filter") << u"Observation.subject.where(resolve() is Patient)"_s
                                        << u"Observation.subject"_s << QString();
        QTest::newRow("function ends the path")
            << u"Patient.deceased.exists() and Patient.deceased != false"_s << u"Patient.deceased"_s
            << QString();
        QTest::newRow("indexer") << u"Bundle.entry[0].resource"_s << u"Bundle.entry.resource"_s
                                 << QString();
        QTest::newRow("continues past a type filter")
            << u"Observation.value.ofType(Quantity).value"_s << u"Observation.valueQuantity.value"_s
            << QString();
        QTest::newRow("continues past a parenthesised cast (R4 files)")
            << u"(Observation.value as CodeableConcept).text"_s
            << u"Observation.valueCodeableConcept.text"_s << QString();
        QTest::newRow("relative to the resource") << u"name"_s << u"name"_s << QString();
        QTest::newRow("extension call")
            << u"Patient.extension('http://x').value"_s << u"Patient"_s << QString();
    }
    void searchPathOf()
    {
        QFETCH(QString, branch);
        QFETCH(QString, path);
        QFETCH(QString, typeHint);
        const SearchPath p = fhir::schema::searchPathOf(branch);
        QCOMPARE(p.path, path);
        QCOMPARE(p.typeHint, typeHint);
    }

    // Rewrites every `(X as T)` of the official files the way Medplum's version 5 does
    // (`X.ofType(T)`), and checks that every parameter of every type reads the same paths.
    void bothSpellingsGiveTheSamePaths()
    {
        auto loaded = Model::loadDefault();
        QVERIFY2(loaded, qPrintable(loaded.error()));
        const Model &model = **loaded;
        static const QRegularExpression asCast(uR"(\(([A-Za-z][A-Za-z0-9_.]*) as ([A-Za-z]+)\))"_s);
        int rewritten = 0;
        int compared = 0;
        for (const QString &type : model.resourceTypes()) {
            const auto params = model.searchParameters(type);
            QVERIFY(params);
            for (const SearchParameter *p : *params) {
                SearchParameter v5 = *p;
                v5.expression.replace(asCast, u"\\1.ofType(\\2)"_s);
                if (v5.expression != p->expression)
                    ++rewritten;
                const QList<SearchPath> a = p->pathsFor(type);
                const QList<SearchPath> b = v5.pathsFor(type);
                QVERIFY2(a.size() == b.size(),
                         qPrintable(type + u'.' + p->code + u": "_s + p->expression));
                for (qsizetype i = 0; i < a.size(); ++i) {
                    QCOMPARE(b.at(i).path, a.at(i).path);
                    QCOMPARE(b.at(i).typeHint, a.at(i).typeHint);
                }
                ++compared;
            }
        }
        qInfo("compared %d parameter/type pairs; %d expressions use `as` and were rewritten",
              compared, rewritten);
        QVERIFY(rewritten > 50);
    }

    // Every parameter with an expression yields at least one path for each of its base types,
    // and every path it reads starts at a real element of the model.
    void everyExpressionReachesTheModel()
    {
        auto loaded = Model::loadDefault();
        QVERIFY2(loaded, qPrintable(loaded.error()));
        const Model &model = **loaded;
        int paths = 0;
        for (const QString &type : model.resourceTypes()) {
            const auto params = model.searchParameters(type);
            QVERIFY(params);
            for (const SearchParameter *p : *params) {
                if (p->expression.isEmpty())
                    continue;
                const QList<SearchPath> found = p->pathsFor(type);
                QVERIFY2(!found.isEmpty(), qPrintable(type + u'.' + p->code));
                for (const SearchPath &sp : found) {
                    // The first step below the root is a real element (a choice by its base).
                    const QString first = sp.path.section(u'.', 0, 1);
                    const bool known
                        = model.element(first) || model.element(first + u"[x]"_s) || first == type;
                    QVERIFY2(known, qPrintable(type + u'.' + p->code + u": "_s + sp.path));
                    ++paths;
                }
            }
        }
        qInfo("%d search paths checked", paths);
    }
};

QTEST_GUILESS_MAIN(TestSearchParameter)
#include "tst_searchparameter.moc"
