// The search form: every parameter of the type with editors that fit, and the query it makes
// (search.html: ',' is OR within a parameter, repeating a parameter is AND).

#include "ui/models/searchformmodel.h"

#include "testmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace fhir;
using namespace Qt::StringLiterals;
using Form = ui::SearchFormModel;
using Query = QList<QPair<QString, QString>>;

class TestSearchFormModel : public QObject
{
    Q_OBJECT

    std::shared_ptr<const schema::Model> m_model;

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }

    void rowsOfPatient()
    {
        Form form;
        QAbstractItemModelTester tester(&form,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        form.setResourceType(m_model, u"Patient"_s);
        for (const QString &code :
             {u"gender"_s, u"birthdate"_s, u"general-practitioner"_s, u"_id"_s, u"_lastUpdated"_s,
              u"_count"_s, u"_sort"_s, u"_include"_s, u"_revinclude"_s, u"_summary"_s,
              u"_elements"_s, u"_total"_s})
            QVERIFY2(form.rowOf(code) >= 0, qPrintable(code));
        // The type's own parameters come before the common ones.
        QVERIFY(form.rowOf(u"gender"_s) < form.rowOf(u"_id"_s));
        QVERIFY(form.rowOf(u"_id"_s) < form.rowOf(u"_count"_s));

        const int gender = form.rowOf(u"gender"_s);
        QCOMPARE(form.index(gender, Form::ValueColumn).data(Form::EditorKindRole).toInt(),
                 int(Form::EditorKind::Token));
        QCOMPARE(form.index(gender, Form::ValueColumn).data(Form::PlaceholderRole).toString(),
                 u"code, or system|code"_s);
        const QStringList tokenModifiers
            = form.index(gender, Form::ModifierColumn).data(Form::ChoicesRole).toStringList();
        QVERIFY(tokenModifiers.contains(u"not"_s));
        QVERIFY(tokenModifiers.contains(u"text"_s));
        QVERIFY(!tokenModifiers.contains(u"exact"_s)); // a string modifier
        QVERIFY(!(form.flags(form.index(gender, Form::PrefixColumn)) & Qt::ItemIsEditable));

        const int birthdate = form.rowOf(u"birthdate"_s);
        QCOMPARE(form.index(birthdate, Form::ValueColumn).data(Form::EditorKindRole).toInt(),
                 int(Form::EditorKind::Date));
        QVERIFY(form.index(birthdate, Form::PrefixColumn)
                    .data(Form::ChoicesRole)
                    .toStringList()
                    .contains(u"ge"_s));

        const int gp = form.rowOf(u"general-practitioner"_s);
        QCOMPARE(form.index(gp, Form::ValueColumn).data(Form::EditorKindRole).toInt(),
                 int(Form::EditorKind::Reference));
        // A reference may be narrowed to one of its target types.
        QVERIFY(form.index(gp, Form::ModifierColumn)
                    .data(Form::ChoicesRole)
                    .toStringList()
                    .contains(u"Practitioner"_s));

        const int summary = form.rowOf(u"_summary"_s);
        QCOMPARE(form.index(summary, Form::ValueColumn).data(Form::EditorKindRole).toInt(),
                 int(Form::EditorKind::Choice));
        QVERIFY(form.index(summary, Form::ValueColumn)
                    .data(Form::ChoicesRole)
                    .toStringList()
                    .contains(u"count"_s));
        QVERIFY(form.index(form.rowOf(u"_include"_s), Form::ValueColumn)
                    .data(Form::ChoicesRole)
                    .toStringList()
                    .contains(u"Patient:general-practitioner"_s));
    }

    void queryItems_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QStringList>("edits"); // code|modifier|prefix|value, + for a new AND row
        QTest::addColumn<Query>("expected");
        QTest::newRow("one token")
            << u"Patient"_s << QStringList{u"gender|||male"_s} << Query{{u"gender"_s, u"male"_s}};
        QTest::newRow("or in one row, with a modifier")
            << u"Patient"_s << QStringList{u"gender|not||male,female"_s}
            << Query{{u"gender:not"_s, u"male,female"_s}};
        QTest::newRow("a prefix on each or'd value")
            << u"Patient"_s << QStringList{u"birthdate||ge|1970-01-01, 1990"_s}
            << Query{{u"birthdate"_s, u"ge1970-01-01,ge1990"_s}};
        QTest::newRow("a typed prefix is kept")
            << u"Patient"_s << QStringList{u"birthdate||ge|lt1970"_s}
            << Query{{u"birthdate"_s, u"lt1970"_s}};
        QTest::newRow("and across rows")
            << u"Observation"_s
            << QStringList{u"date||ge|2020-01-01"_s, u"+date||lt|2021-01-01"_s,
                           u"code|||http://loinc.org|8867-4"_s, u"_count|||5"_s}
            << Query{{u"code"_s, u"http://loinc.org|8867-4"_s},
                     {u"date"_s, u"ge2020-01-01"_s},
                     {u"date"_s, u"lt2021-01-01"_s},
                     {u"_count"_s, u"5"_s}};
        QTest::newRow("reference narrowed to a type")
            << u"Observation"_s << QStringList{u"subject|Patient||123"_s}
            << Query{{u"subject:Patient"_s, u"123"_s}};
        QTest::newRow("blank values are left out")
            << u"Patient"_s << QStringList{u"gender|||  "_s} << Query{};
    }

    void queryItems()
    {
        QFETCH(QString, type);
        QFETCH(QStringList, edits);
        QFETCH(Query, expected);
        Form form;
        form.setResourceType(m_model, type);
        QSignalSpy changed(&form, &Form::queryChanged);
        for (QString edit : edits) {
            const bool newRow = edit.startsWith(u'+');
            if (newRow)
                edit.remove(0, 1);
            const QStringList parts = edit.split(u'|');
            int row = form.rowOf(parts.at(0));
            QVERIFY(row >= 0);
            if (newRow)
                row = form.duplicateRow(row);
            form.setModifier(row, parts.at(1));
            form.setPrefix(row, parts.at(2));
            form.setValue(row, parts.mid(3).join(u'|'));
        }
        QCOMPARE(form.queryItems(), expected);
        QVERIFY(!changed.isEmpty());
    }

    void refusesWhatTheTypeDoesNotAllow()
    {
        Form form;
        form.setResourceType(m_model, u"Patient"_s);
        const int gender = form.rowOf(u"gender"_s);
        QVERIFY(!form.setData(form.index(gender, Form::ModifierColumn), u"exact"_s));
        QVERIFY(!form.setData(form.index(gender, Form::PrefixColumn), u"ge"_s));
        QVERIFY(!form.setData(form.index(gender, Form::NameColumn), u"x"_s));
        QVERIFY(form.setData(form.index(gender, Form::ModifierColumn), u":not"_s));
        QCOMPARE(form.index(gender, Form::ModifierColumn).data().toString(), u":not"_s);
    }

    void fillsFromAQuery()
    {
        Form form;
        QAbstractItemModelTester tester(&form,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        form.setResourceType(m_model, u"Observation"_s);
        const Query query{{u"date"_s, u"ge2020"_s},
                          {u"date"_s, u"lt2021"_s},
                          {u"status:not"_s, u"final"_s},
                          {u"nonsense"_s, u"1"_s}};
        const Query unknown = form.setQueryItems(query);
        QCOMPARE(unknown, (Query{{u"nonsense"_s, u"1"_s}}));
        QCOMPARE(form.queryItems(),
                 (Query{{u"date"_s, u"ge2020"_s},
                        {u"date"_s, u"lt2021"_s},
                        {u"status:not"_s, u"final"_s}}));
        form.clearValues();
        QVERIFY(form.queryItems().isEmpty());
    }

    void marksWhatTheServerDoesNotDeclare()
    {
        Form form;
        form.setResourceType(m_model, u"Patient"_s);
        const QModelIndex gender = form.index(form.rowOf(u"gender"_s), Form::NameColumn);
        QVERIFY(gender.data(Form::DeclaredRole).toBool());
        form.setDeclared({u"_id"_s, u"_lastUpdated"_s});
        QVERIFY(!gender.data(Form::DeclaredRole).toBool());
        QVERIFY(gender.data(Qt::ToolTipRole).toString().contains(u"does not list"_s));
        QVERIFY(form.index(form.rowOf(u"_id"_s), 0).data(Form::DeclaredRole).toBool());
        QVERIFY(form.index(form.rowOf(u"_count"_s), 0).data(Form::DeclaredRole).toBool());
    }
};

QTEST_MAIN(TestSearchFormModel)
#include "tst_searchformmodel.moc"
