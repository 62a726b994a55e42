#include "ui/models/elementtreemodel.h"

#include "testmodel.h"
#include <QAbstractItemModelTester>

#include <QTest>

using namespace fhir;
using namespace Qt::StringLiterals;

class TestElementTreeModel : public QObject
{
    Q_OBJECT

    std::shared_ptr<const schema::Model> m_model;

    static QModelIndex childNamed(const QAbstractItemModel &model, const QModelIndex &parent,
                                  const QString &name)
    {
        for (int row = 0; row < model.rowCount(parent); ++row) {
            const QModelIndex index = model.index(row, 0, parent);
            if (index.data().toString() == name)
                return index;
        }
        return {};
    }

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }

    void topLevelIsTheTypesElements()
    {
        ui::ElementTreeModel tree;
        QAbstractItemModelTester tester(&tree,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(tree.setType(m_model, u"Patient"_s));
        QCOMPARE(tree.typeName(), u"Patient"_s);
        const QModelIndex gender = childNamed(tree, {}, u"gender"_s);
        QVERIFY(gender.isValid());
        QCOMPARE(gender.siblingAtColumn(ui::ElementTreeModel::CardinalityColumn).data().toString(),
                 u"0..1"_s);
        QCOMPARE(gender.siblingAtColumn(ui::ElementTreeModel::TypeColumn).data().toString(),
                 u"code"_s);
        QCOMPARE(gender.siblingAtColumn(ui::ElementTreeModel::FlagsColumn).data().toString(),
                 u"\u03a3"_s);
        QCOMPARE(gender.data(ui::ElementTreeModel::PathRole).toString(), u"Patient.gender"_s);
        QVERIFY(!tree.hasChildren(gender));
    }

    void dataTypesExpandOnDemand()
    {
        // No QAbstractItemModelTester here: after each insertion it walks ten levels deep,
        // fetching as it goes, and the element tree is infinite by nature (an Extension has
        // extensions), which is why this model is lazy in the first place.
        ui::ElementTreeModel tree;
        QVERIFY(tree.setType(m_model, u"Patient"_s));
        const QModelIndex name = childNamed(tree, {}, u"name"_s);
        QVERIFY(name.isValid());
        QVERIFY(tree.hasChildren(name));
        QCOMPARE(tree.rowCount(name), 0); // nothing fetched yet
        QVERIFY(tree.canFetchMore(name));
        tree.fetchMore(name);
        QVERIFY(!tree.canFetchMore(name));
        QCOMPARE(tree.rowCount(name), 9);
        const QModelIndex family = childNamed(tree, name, u"family"_s);
        QVERIFY(family.isValid());
        QCOMPARE(family.data(ui::ElementTreeModel::PathRole).toString(), u"Patient.name.family"_s);
        QCOMPARE(family.parent(), name);

        // A choice expands into one row per type.
        QVERIFY(tree.setType(m_model, u"Observation"_s));
        const QModelIndex value = childNamed(tree, {}, u"value[x]"_s);
        QVERIFY(value.isValid());
        tree.fetchMore(value);
        QCOMPARE(tree.rowCount(value), 11);
        const QModelIndex quantity = childNamed(tree, value, u"valueQuantity"_s);
        QVERIFY(quantity.isValid());
        QCOMPARE(quantity.siblingAtColumn(ui::ElementTreeModel::TypeColumn).data().toString(),
                 u"Quantity"_s);
        tree.fetchMore(quantity);
        QVERIFY(childNamed(tree, quantity, u"unit"_s).isValid());
    }

    void unknownTypeLeavesTheTreeEmpty()
    {
        ui::ElementTreeModel tree;
        QAbstractItemModelTester tester(&tree,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(tree.setType(m_model, u"Patient"_s));
        const auto result = tree.setType(m_model, u"NoSuchType"_s);
        QVERIFY(!result);
        QVERIFY(result.error().contains(u"NoSuchType"_s));
        QCOMPARE(tree.rowCount(), 0);
        QVERIFY(!tree.setType(nullptr, u"Patient"_s));
    }
};

QTEST_GUILESS_MAIN(TestElementTreeModel)
#include "tst_elementtreemodel.moc"
