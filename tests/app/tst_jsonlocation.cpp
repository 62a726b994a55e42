// Where an OperationOutcome issue's expression points in a request body: the FHIRPath
// location (fhirpath.html; OperationOutcome.issue.expression, operationoutcome.html) mapped
// to a range of the text the user edits, pretty-printed or not.

#include "app/jsonlocation.h"

#include <QTest>

using namespace fhir::app;
using namespace Qt::StringLiterals;

namespace {

// As the body editor's Format button writes it (two-space indent).
QString patientBody()
{
    return QStringList{
        u"{"_s,
        u"  \"resourceType\": \"Patient\","_s,
        u"  \"name\": ["_s,
        u"    {"_s,
        u"      \"family\": \"Chalmers\","_s,
        u"      \"given\": ["_s,
        u"        \"Peter\","_s,
        u"        \"James\""_s,
        u"      ]"_s,
        u"    },"_s,
        u"    {"_s,
        u"      \"use\": \"nickname\","_s,
        u"      \"given\": [\"Jim\"]"_s,
        u"    }"_s,
        u"  ],"_s,
        u"  \"telecom\": [{\"system\": \"phone\"}, {\"system\": \"email\", \"value\": \"p@x.org\"}],"_s,
        u"  \"gender\": \"male\","_s,
        u"  \"birthDate\": \"1974-13-25\","_s,
        u"  \"deceasedBoolean\": false,"_s,
        u"  \"note\": \"Zoë \\\"Jim\\\" [sic]\""_s,
        u"}"_s,
    }
        .join(u'\n');
}

QString bundleBody()
{
    return u"{\"resourceType\": \"Bundle\", \"type\": \"transaction\", \"entry\": ["
           "{\"resource\": {\"resourceType\": \"Patient\", \"gender\": \"male\"}}, "
           "{\"resource\": {\"resourceType\": \"Patient\", \"birthDate\": \"1999-02-30\"}}]}"_s;
}

} // namespace

class TestJsonLocation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void issueExpressions_data()
    {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("expression");
        QTest::addColumn<QString>("found");
        QTest::addColumn<bool>("exact");
        const QString patient = patientBody();
        QTest::newRow("element") << patient << u"Patient.birthDate"_s
                                 << u"\"birthDate\": \"1974-13-25\""_s << true;
        QTest::newRow("item of an item")
            << patient << u"Patient.name[0].given[1]"_s << u"\"James\""_s << true;
        QTest::newRow("second item")
            << patient << u"Patient.name[1].given[0]"_s << u"\"Jim\""_s << true;
        QTest::newRow("a whole item, over lines")
            << patient << u"Patient.name[1]"_s
            << u"{\n      \"use\": \"nickname\",\n      \"given\": [\"Jim\"]\n    }"_s << true;
        QTest::newRow("no index: the first item")
            << patient << u"Patient.name.family"_s << u"\"family\": \"Chalmers\""_s << true;
        QTest::newRow("no index on the last step: the whole element")
            << patient << u"Patient.telecom"_s
            << u"\"telecom\": [{\"system\": \"phone\"}, {\"system\": \"email\", \"value\": "
               "\"p@x.org\"}]"_s
            << true;
        QTest::newRow("inline array item")
            << patient << u"Patient.telecom[1].value"_s << u"\"value\": \"p@x.org\""_s << true;
        QTest::newRow("choice by its name")
            << patient << u"Patient.deceased"_s << u"\"deceasedBoolean\": false"_s << true;
        QTest::newRow("choice [x]")
            << patient << u"Patient.deceased[x]"_s << u"\"deceasedBoolean\": false"_s << true;
        QTest::newRow("choice ofType") << patient << u"Patient.deceased.ofType(boolean)"_s
                                       << u"\"deceasedBoolean\": false"_s << true;
        QTest::newRow("choice of another type is absent")
            << patient << u"Patient.deceased.ofType(dateTime)"_s << patient << false;
        QTest::newRow("quotes and brackets inside a string")
            << patient << u"Patient.note"_s << u"\"note\": \"Zoë \\\"Jim\\\" [sic]\""_s << true;
        QTest::newRow("function: the element before it")
            << patient << u"Patient.telecom.where(system = 'email').value"_s
            << u"\"telecom\": [{\"system\": \"phone\"}, {\"system\": \"email\", \"value\": "
               "\"p@x.org\"}]"_s
            << false;
        QTest::newRow("missing element: its parent")
            << patient << u"Patient.name[1].family"_s
            << u"{\n      \"use\": \"nickname\",\n      \"given\": [\"Jim\"]\n    }"_s << false;
        QTest::newRow("missing at the top: the resource")
            << patient << u"Patient.address[0].city"_s << patient << false;
        QTest::newRow("index past the end: the array")
            << patient << u"Patient.name[0].given[5]"_s
            << u"\"given\": [\n        \"Peter\",\n        \"James\"\n      ]"_s << false;
        QTest::newRow("the resource itself") << patient << u"Patient"_s << patient << true;
        QTest::newRow("without the type")
            << patient << u"name[0].given[1]"_s << u"\"James\""_s << true;
        QTest::newRow("in a Bundle entry")
            << bundleBody() << u"Bundle.entry[1].resource.birthDate"_s
            << u"\"birthDate\": \"1999-02-30\""_s << true;
    }

    void issueExpressions()
    {
        QFETCH(QString, body);
        QFETCH(QString, expression);
        QFETCH(QString, found);
        QFETCH(bool, exact);
        const JsonSpan span = locateJsonPath(body, expression);
        QVERIFY(span.isValid());
        QCOMPARE(body.mid(span.start, span.end - span.start), found);
        QCOMPARE(span.exact, exact);
    }

    void notJson()
    {
        QVERIFY(!locateJsonPath(u"{\"a\": "_s, u"X.a"_s).isValid());
        QVERIFY(!locateJsonPath(QString(), u"Patient.name"_s).isValid());
    }
};

QTEST_GUILESS_MAIN(TestJsonLocation)
#include "tst_jsonlocation.moc"
