// The window as a user meets it, offscreen: pick a type, read its schema, select an element.

#include "ui/models/resourcetypemodel.h"
#include "ui/widgets/mainwindow.h"

#include "cannedhttpserver.h"
#include "testmodel.h"
#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QStatusBar>

#include <QTest>
#include <QTextBrowser>
#include <QTreeView>

using namespace fhir;
using namespace Qt::StringLiterals;

class TestMainWindow : public QObject
{
    Q_OBJECT

    std::shared_ptr<const schema::Model> m_model;

    static QModelIndex find(QAbstractItemModel *model, const QString &text,
                            const QModelIndex &parent = {})
    {
        for (int row = 0; row < model->rowCount(parent); ++row) {
            const QModelIndex index = model->index(row, 0, parent);
            if (index.data().toString() == text)
                return index;
            if (const QModelIndex inner = find(model, text, index); inner.isValid())
                return inner;
        }
        return {};
    }

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }

    void opensOnPatientSchema()
    {
        ui::MainWindow window(m_model);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *title = window.findChild<QLabel *>(u"typeTitle"_s);
        QVERIFY(title);
        QVERIFY(title->text().contains(u"Patient"_s));
        auto *elements = window.findChild<QTreeView *>(u"elementTreeView"_s);
        QVERIFY(elements);
        QVERIFY(find(elements->model(), u"gender"_s).isValid());
    }

    void filterThenPickObservation()
    {
        ui::MainWindow window(m_model);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *filter = window.findChild<QLineEdit *>(u"resourceFilter"_s);
        auto *types = window.findChild<QTreeView *>(u"resourceTypeView"_s);
        QVERIFY(filter && types);
        QTest::keyClicks(filter, u"observ"_s);
        const QModelIndex observation = find(types->model(), u"Observation"_s);
        QVERIFY(observation.isValid());
        QVERIFY(!find(types->model(), u"Patient"_s).isValid()); // filtered out
        types->setCurrentIndex(observation);

        auto *title = window.findChild<QLabel *>(u"typeTitle"_s);
        QVERIFY(title->text().contains(u"Observation"_s));
        auto *elements = window.findChild<QTreeView *>(u"elementTreeView"_s);
        const QModelIndex status = find(elements->model(), u"status"_s);
        QVERIFY(status.isValid());
        elements->setCurrentIndex(status);
        auto *details = window.findChild<QTextBrowser *>(u"elementDetails"_s);
        QVERIFY(details);
        const QString text = details->toPlainText();
        QVERIFY2(text.contains(u"Observation.status"_s), qPrintable(text));
        QVERIFY(text.contains(u"required"_s));
        QVERIFY(text.contains(u"final"_s)); // a code of the observation-status value set
        QVERIFY(text.contains(u"status (token)"_s)); // the search parameter indexing it
    }

    void examplesOfTheChosenType()
    {
        ui::MainWindow window(m_model);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *chooser = window.findChild<QComboBox *>(u"exampleChooser"_s);
        auto *view = window.findChild<QPlainTextEdit *>(u"exampleView"_s);
        QVERIFY(chooser && view);
        // Patient is shown first: its curated examples lead, the generated one follows.
        QCOMPARE(chooser->count(), 3);
        QVERIFY(chooser->itemText(0).startsWith(u"patient-example-a"_s));
        QVERIFY(view->toPlainText().contains(u"\"gender\": \"male\""_s));
        chooser->setCurrentIndex(2);
        QVERIFY(view->toPlainText().startsWith(u"{\n  \"resourceType\": \"Patient\""_s));

        window.showType(u"Claim"_s);
        QCOMPARE(chooser->count(), 1);
        QVERIFY(chooser->itemText(0).startsWith(u"generated"_s));
        QVERIFY(view->toPlainText().contains(u"\"resourceType\": \"Claim\""_s));
    }

    void filterElements()
    {
        ui::MainWindow window(m_model);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *filter = window.findChild<QLineEdit *>(u"elementFilter"_s);
        auto *elements = window.findChild<QTreeView *>(u"elementTreeView"_s);
        QVERIFY(filter && elements);
        QVERIFY(find(elements->model(), u"gender"_s).isValid());
        QTest::keyClicks(filter, u"birth"_s);
        QVERIFY(find(elements->model(), u"birthDate"_s).isValid());
        QVERIFY(!find(elements->model(), u"gender"_s).isValid());
        // Selecting through the filter still shows the right element.
        elements->setCurrentIndex(find(elements->model(), u"birthDate"_s));
        auto *details = window.findChild<QTextBrowser *>(u"elementDetails"_s);
        QVERIFY(details->toPlainText().contains(u"Patient.birthDate"_s));
        filter->clear();
        QVERIFY(find(elements->model(), u"gender"_s).isValid());
    }

    static int typeCount(QAbstractItemModel *model, const QModelIndex &parent = {})
    {
        int count = 0;
        for (int row = 0; row < model->rowCount(parent); ++row) {
            const QModelIndex index = model->index(row, 0, parent);
            count += index.data(ui::ResourceTypeModel::IsTypeRole).toBool()
                ? 1
                : typeCount(model, index);
        }
        return count;
    }

    // The picker of a remote server lists the types its CapabilityStatement declares, read
    // over real HTTP; another endpoint brings every type back.
    void remotePickerListsTheDeclaredTypes()
    {
        QFile fixture(QStringLiteral(FHIR_TEST_DATA_DIR "/capabilitystatement-remote.json"));
        QVERIFY(fixture.open(QIODevice::ReadOnly));
        CannedServer remote;
        remote.body = fixture.readAll();
        QVERIFY(remote.server()->isListening());

        ui::MainWindow window(m_model);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *types = window.findChild<QTreeView *>(u"resourceTypeView"_s);
        const int all = typeCount(types->model());
        QCOMPARE(all, 146);
        window.showType(u"Observation"_s);

        app::Endpoint endpoint;
        endpoint.deploymentId = u"clinic"_s;
        endpoint.baseUrl = QUrl(u"http://127.0.0.1:%1/fhir"_s.arg(remote.port()));
        window.setEndpoint(endpoint);
        QVERIFY(QTest::qWaitFor([&] { return typeCount(types->model()) == 3; }, 10000));
        QVERIFY(find(types->model(), u"Encounter"_s).isValid());
        QVERIFY(!find(types->model(), u"Claim"_s).isValid());
        // The type being looked at is offered: it stays.
        QCOMPARE(types->currentIndex().data(ui::ResourceTypeModel::TypeNameRole).toString(),
                 u"Observation"_s);
        QVERIFY(window.findChild<QLabel *>(u"typeTitle"_s)->text().contains(u"Observation"_s));

        // The same server with another header (Authorize, an edit): the list stays meanwhile.
        endpoint.headers = {{"Prefer", "handling=strict"}};
        window.statusBar()->clearMessage();
        window.setEndpoint(endpoint);
        QCOMPARE(typeCount(types->model()), 3);
        QVERIFY(QTest::qWaitFor(
            [&] { return window.statusBar()->currentMessage().startsWith(u"Connected to"_s); },
            10000));
        QCOMPARE(typeCount(types->model()), 3);
        QCOMPARE(types->currentIndex().data(ui::ResourceTypeModel::TypeNameRole).toString(),
                 u"Observation"_s);

        // No endpoint: every type again, the choice kept.
        window.setEndpoint({});
        QCOMPARE(typeCount(types->model()), all);
        QCOMPARE(types->currentIndex().data(ui::ResourceTypeModel::TypeNameRole).toString(),
                 u"Observation"_s);

        // An embedded server is not limited by its statement (it offers every type).
        window.showType(u"Claim"_s);
        endpoint.isEmbedded = true;
        window.statusBar()->clearMessage();
        window.setEndpoint(endpoint);
        QVERIFY(QTest::qWaitFor(
            [&] { return window.statusBar()->currentMessage().startsWith(u"Connected to"_s); },
            10000));
        QCOMPARE(typeCount(types->model()), all);

        // A remote one that does not offer the type shown: the first type it does.
        endpoint.isEmbedded = false;
        window.setEndpoint(endpoint);
        QVERIFY(QTest::qWaitFor([&] { return typeCount(types->model()) == 3; }, 10000));
        QCOMPARE(types->currentIndex().data(ui::ResourceTypeModel::TypeNameRole).toString(),
                 u"Patient"_s);
    }

    void explainsAMissingModel()
    {
        ui::MainWindow window(nullptr, u"no FHIR model file found"_s);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *title = window.findChild<QLabel *>(u"typeTitle"_s);
        QVERIFY(title->text().contains(u"could not be loaded"_s));
        QVERIFY(title->text().contains(u"no FHIR model file found"_s));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
