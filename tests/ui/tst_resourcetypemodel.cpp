#include "ui/models/resourcetypemodel.h"

#include "testmodel.h"
#include <QAbstractItemModelTester>

#include <QTest>

using namespace fhir;
using namespace Qt::StringLiterals;

class TestResourceTypeModel : public QObject
{
    Q_OBJECT

    std::shared_ptr<const schema::Model> m_model;

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }

    void groupsByCategoryInTheSpecOrder()
    {
        ui::ResourceTypeModel types;
        QAbstractItemModelTester tester(&types,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        types.setModel(m_model);
        QStringList areas;
        for (int row = 0; row < types.rowCount(); ++row)
            areas.append(types.index(row, 0).data().toString());
        QCOMPARE(areas,
                 (QStringList{u"Foundation"_s, u"Base"_s, u"Clinical"_s, u"Financial"_s,
                              u"Specialized"_s}));

        int leaves = 0;
        for (int a = 0; a < types.rowCount(); ++a) {
            const QModelIndex area = types.index(a, 0);
            QVERIFY(!(types.flags(area) & Qt::ItemIsSelectable));
            for (int g = 0; g < types.rowCount(area); ++g) {
                const QModelIndex group = types.index(g, 0, area);
                leaves += types.rowCount(group);
            }
        }
        QCOMPARE(leaves, 146);
    }

    void patientUnderBaseIndividuals()
    {
        ui::ResourceTypeModel types;
        types.setModel(m_model);
        const QModelIndex patient = types.indexOfType(u"Patient"_s);
        QVERIFY(patient.isValid());
        QCOMPARE(patient.data(ui::ResourceTypeModel::TypeNameRole).toString(), u"Patient"_s);
        QCOMPARE(patient.parent().data().toString(), u"Individuals"_s);
        QCOMPARE(patient.parent().parent().data().toString(), u"Base"_s);
        QCOMPARE(
            patient.siblingAtColumn(ui::ResourceTypeModel::DescriptionColumn).data().toString(),
            u"Information about an individual or animal receiving health care services"_s);
        QVERIFY(types.flags(patient) & Qt::ItemIsSelectable);
        QVERIFY(!types.indexOfType(u"HumanName"_s).isValid());
    }

    void limitedToSupportedTypes()
    {
        ui::ResourceTypeModel types;
        QAbstractItemModelTester tester(&types,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        types.setModel(m_model, {u"Patient"_s, u"Observation"_s});
        QVERIFY(types.indexOfType(u"Patient"_s).isValid());
        QVERIFY(types.indexOfType(u"Observation"_s).isValid());
        QVERIFY(!types.indexOfType(u"Claim"_s).isValid());
        QCOMPARE(types.rowCount(), 2); // Base and Clinical only
        types.setModel(nullptr);
        QCOMPARE(types.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestResourceTypeModel)
#include "tst_resourcetypemodel.moc"
