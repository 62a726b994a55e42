#include "ui/models/operationsmodel.h"
#include "ui/models/resourcetypemodel.h"

#include "testmodel.h"
#include <QAbstractItemModelTester>

#include <QFile>
#include <QTest>

#include <nlohmann/json.hpp>

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

    // Issue 5, resource picker: "for a remote server, what its CapabilityStatement declares"
    // (capabilitystatement.html: rest.resource.type of the server-mode rest; a client-mode
    // rest says what the system asks of others, not what it offers).
    void limitedToWhatARemoteCapabilityStatementDeclares()
    {
        QFile file(QStringLiteral(FHIR_TEST_DATA_DIR "/capabilitystatement-remote.json"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray bytes = file.readAll();
        ui::OperationsModel operations;
        operations.setCapabilities(
            nlohmann::json::parse(bytes.constData(), bytes.constData() + bytes.size()));
        const QStringList declared = operations.declaredTypes();
        QCOMPARE(
            declared,
            (QStringList{u"Patient"_s, u"Observation"_s, u"Encounter"_s, u"ActorDefinition"_s}));

        ui::ResourceTypeModel types;
        QAbstractItemModelTester tester(&types,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        types.setModel(m_model, declared);
        QStringList listed;
        for (int a = 0; a < types.rowCount(); ++a) {
            const QModelIndex area = types.index(a, 0);
            for (int g = 0; g < types.rowCount(area); ++g) {
                const QModelIndex group = types.index(g, 0, area);
                for (int t = 0; t < types.rowCount(group); ++t)
                    listed.append(types.index(t, 0, group).data().toString());
            }
        }
        // Grouped as the spec files them; an R5 type R4 does not know is left out.
        QCOMPARE(listed, (QStringList{u"Patient"_s, u"Encounter"_s, u"Observation"_s}));
        QVERIFY(!types.indexOfType(u"Claim"_s).isValid()); // the client-mode rest
    }
};

QTEST_GUILESS_MAIN(TestResourceTypeModel)
#include "tst_resourcetypemodel.moc"
