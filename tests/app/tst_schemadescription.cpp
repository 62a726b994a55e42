#include "app/schemadescription.h"

#include "testmodel.h"

#include <QTest>

using namespace fhir;
using namespace Qt::StringLiterals;

class TestSchemaDescription : public QObject
{
    Q_OBJECT

    std::shared_ptr<const schema::Model> m_model;

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }

    void resourceRoot()
    {
        const auto text = app::describeElement(*m_model, u"Patient"_s);
        QVERIFY2(text, qPrintable(text.error()));
        QVERIFY(text->startsWith(u"Patient (Base > Individuals)\n"_s));
        QVERIFY(text->contains(u"Information about an individual or animal"_s));
        QVERIFY(text->contains(u"  gender "_s));
        QVERIFY(text->contains(u"name+"_s)); // expandable into HumanName
    }

    void elementWithBindingAndSearch()
    {
        const auto text = app::describeElement(*m_model, u"Patient.gender"_s);
        QVERIFY2(text, qPrintable(text.error()));
        QVERIFY(text->startsWith(u"Patient.gender  0..1  code  \u03a3\n"_s));
        QVERIFY(text->contains(u"(male | female | other | unknown)"_s));
        QVERIFY(text->contains(u"search parameters: gender"_s));
    }

    void flags_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("flags");
        QTest::newRow("modifier and summary") << u"Patient.active"_s << u"?! \u03a3"_s;
        QTest::newRow("invariant") << u"Patient.contact"_s << u"I"_s;
        QTest::newRow("none") << u"Patient.contact.relationship"_s << QString();
    }
    void flags()
    {
        QFETCH(QString, path);
        QFETCH(QString, flags);
        const auto node = m_model->element(path);
        QVERIFY2(node, qPrintable(node.error()));
        QCOMPARE(app::elementFlags(*node->definition), flags);
    }

    void unknownPath()
    {
        const auto text = app::describeElement(*m_model, u"Patient.nope"_s);
        QVERIFY(!text);
        QVERIFY(text.error().contains(u"nope"_s));
    }
};

QTEST_GUILESS_MAIN(TestSchemaDescription)
#include "tst_schemadescription.moc"
