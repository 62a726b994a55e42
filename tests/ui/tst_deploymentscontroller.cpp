// The deployments part as the window uses it, offscreen, over a real embedded server: the
// first start, the Overview page (status, URL, samples, keys), Authorize, history, and a new
// remote deployment through the selector.

#include "app/deploymentmanager.h"
#include "app/deploymentregistry.h"
#include "ui/widgets/authorizedialog.h"
#include "ui/widgets/deploymentscontroller.h"
#include "ui/widgets/deploymentselector.h"
#include "ui/widgets/historypanel.h"
#include "ui/widgets/newdeploymentdialog.h"
#include "ui/widgets/overviewpage.h"

#include "testmodel.h"

#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <QVBoxLayout>

using namespace fhir;
using namespace Qt::StringLiterals;

namespace {

template<typename T> T *topLevel(const QString &objectName)
{
    for (QWidget *w : QApplication::topLevelWidgets()) {
        if (auto *match = qobject_cast<T *>(w);
            match && w->objectName() == objectName && w->isVisible())
            return match;
    }
    return nullptr;
}

} // namespace

class TestDeploymentsController : public QObject
{
    Q_OBJECT

    std::shared_ptr<const schema::Model> m_model;

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }

    void firstStartOverviewKeysHistoryAndRemote()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(u"settings.ini"_s), QSettings::IniFormat);
        QWidget window;
        ui::DeploymentsController::Storage storage;
        storage.settings = &settings;
        storage.dataRoot = dir.filePath(u"deployments"_s);
        storage.historyFile = dir.filePath(u"history.json"_s);
        storage.keychainService = u"FHIR Portal test "_s + QFileInfo(dir.path()).fileName();
        auto *controller = new ui::DeploymentsController(m_model, storage, &window);
        ui::OverviewPage *overview = controller->overviewPage();
        auto *layout = new QVBoxLayout(&window);
        layout->addWidget(controller->selector());
        layout->addWidget(overview);
        layout->addWidget(controller->historyPanel());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        QSignalSpy endpoints(controller, &ui::DeploymentsController::endpointChanged);
        controller->initialize(3);
        QVERIFY(QTest::qWaitFor(
            [&] {
                return controller->endpoint().isValid() && !controller->endpoint().apiKey.isEmpty();
            },
            20000));
        const app::Endpoint endpoint = controller->endpoint();
        QVERIFY(!endpoints.isEmpty());
        QCOMPARE(endpoints.last().at(0).value<app::Endpoint>().baseUrl, endpoint.baseUrl);

        // Overview: what a developer copies into a terminal.
        QCOMPARE(overview->findChild<QLabel *>(u"overviewTitle"_s)->text(), u"Local"_s);
        QCOMPARE(overview->findChild<QLabel *>(u"deploymentIdLabel"_s)->text(), u"local"_s);
        QVERIFY(QTest::qWaitFor(
            [&] { return overview->findChild<QLabel *>(u"statusLabel"_s)->text() == u"Running"_s; },
            10000));
        QCOMPARE(overview->findChild<QLineEdit *>(u"baseUrlField"_s)->text(),
                 endpoint.baseUrl.toString());
        QVERIFY(overview->findChild<QLabel *>(u"authLabel"_s)->text().contains(u"x-api-key"_s));
        const QString samples
            = overview->findChild<QPlainTextEdit *>(u"sampleCurl"_s)->toPlainText();
        QVERIFY2(samples.contains(u"-H \"x-api-key: $FHIR_API_KEY\""_s), qPrintable(samples));
        QVERIFY(samples.contains(u"'"_s + endpoint.baseUrl.toString() + u"/metadata'"_s));
        QVERIFY(!samples.contains(QString::fromUtf8(endpoint.apiKey))); // never the key itself
        auto *keys = overview->findChild<QTreeView *>(u"apiKeyView"_s);
        QCOMPARE(keys->model()->rowCount(), 1);
        QCOMPARE(keys->model()->index(0, 0).data().toString(),
                 app::DeploymentManager::appKeyName());

        // Create a key: shown once, in a dialog with Copy.
        QTest::keyClicks(overview->findChild<QLineEdit *>(u"newKeyName"_s), u"CI"_s);
        QTest::mouseClick(overview->findChild<QPushButton *>(u"createKeyButton"_s), Qt::LeftButton);
        QDialog *shown = nullptr;
        QVERIFY(QTest::qWaitFor([&] { return (shown = topLevel<QDialog>(u"newApiKeyDialog"_s)); },
                                5000));
        const QString secret = shown->findChild<QLineEdit *>(u"newApiKeyField"_s)->text();
        QVERIFY(secret.startsWith(u"fpk_"_s));
        shown->close();
        QCOMPARE(keys->model()->rowCount(), 2);

        // Revoke it, after a confirmation.
        keys->setCurrentIndex(keys->model()->index(1, 0));
        QTest::mouseClick(overview->findChild<QPushButton *>(u"revokeKeyButton"_s), Qt::LeftButton);
        QMessageBox *confirm = nullptr;
        QVERIFY(QTest::qWaitFor(
            [&] { return (confirm = topLevel<QMessageBox>(u"revokeConfirmation"_s)); }, 5000));
        QTest::mouseClick(confirm->button(QMessageBox::Yes), Qt::LeftButton);
        QCOMPARE(keys->model()->rowCount(), 1);

        // Stop and start from the page.
        auto *startStop = overview->findChild<QPushButton *>(u"startStopButton"_s);
        QTest::mouseClick(startStop, Qt::LeftButton);
        QVERIFY(QTest::qWaitFor(
            [&] { return overview->findChild<QLabel *>(u"statusLabel"_s)->text() == u"Stopped"_s; },
            20000));
        QVERIFY(QTest::qWaitFor([&] { return !controller->endpoint().isValid(); }, 10000));
        QTest::mouseClick(startStop, Qt::LeftButton);
        QVERIFY(QTest::qWaitFor([&] { return controller->endpoint().isValid(); }, 20000));

        // History: a finished request is kept without its key, and reopens.
        app::ApiRequest request;
        request.path = u"Patient"_s;
        request.headers = {{"x-api-key", endpoint.apiKey}};
        controller->recordRequest(request, 200, 17);
        auto *history = controller->historyPanel()->findChild<QTreeView *>(u"historyView"_s);
        QCOMPARE(history->model()->rowCount(), 1);
        QSignalSpy reopened(controller, &ui::DeploymentsController::reopenRequested);
        history->setFocus();
        history->setCurrentIndex(history->model()->index(0, 0));
        QTest::keyClick(history, Qt::Key_Return);
        QCOMPARE(reopened.size(), 1);
        QCOMPARE(reopened.at(0).at(0).value<app::ApiRequest>().path, u"Patient"_s);
        QVERIFY(reopened.at(0).at(0).value<app::ApiRequest>().headers.isEmpty());

        // Authorize dialog: log out, then the endpoint carries no key.
        QVERIFY(controller->authorizeAction()->isEnabled());
        controller->authorizeAction()->trigger();
        ui::AuthorizeDialog *authorize = nullptr;
        QVERIFY(QTest::qWaitFor(
            [&] { return (authorize = topLevel<ui::AuthorizeDialog>(u"authorizeDialog"_s)); },
            5000));
        auto *logout = authorize->findChild<QPushButton *>(u"logoutButton"_s);
        QVERIFY(logout->isEnabled());
        QTest::mouseClick(logout, Qt::LeftButton);
        QVERIFY(QTest::qWaitFor([&] { return controller->endpoint().apiKey.isEmpty(); }, 10000));
        QVERIFY(controller->endpoint().isValid());

        // A remote deployment through "New Deployment…": a server that is not there.
        quint16 port = 0;
        {
            QTcpServer reserve;
            QVERIFY(reserve.listen(QHostAddress::LocalHost));
            port = reserve.serverPort();
        }
        const QUrl remoteUrl(u"http://127.0.0.1:%1/fhir"_s.arg(port));
        controller->newDeploymentAction()->trigger();
        ui::NewDeploymentDialog *create = nullptr;
        QVERIFY(QTest::qWaitFor(
            [&] { return (create = topLevel<ui::NewDeploymentDialog>(u"newDeploymentDialog"_s)); },
            5000));
        QTest::keyClick(create->findChild<QRadioButton *>(u"remoteChoice"_s), Qt::Key_Space);
        QTest::keyClicks(create->findChild<QLineEdit *>(u"remoteName"_s), u"Example"_s);
        QTest::keyClicks(create->findChild<QLineEdit *>(u"baseUrlEdit"_s), remoteUrl.toString());
        QTest::mouseClick(create->findChild<QPushButton *>(u"createButton"_s), Qt::LeftButton);
        QVERIFY(
            QTest::qWaitFor([&] { return controller->endpoint().baseUrl == remoteUrl; }, 10000));
        QCOMPARE(controller->registry()->rowCount(), 2);
        QCOMPARE(controller->selector()->currentId(), u"example"_s);
        QCOMPARE(overview->findChild<QLabel *>(u"statusLabel"_s)->text(), u"Remote server"_s);
        QVERIFY(!overview->findChild<QPushButton *>(u"startStopButton"_s)->isVisible());
        QCOMPARE(history->model()->rowCount(), 0); // another deployment's history
        auto *check = overview->findChild<QPushButton *>(u"checkConnectionButton"_s);
        QVERIFY(check->isVisible() && check->isEnabled());
        QTest::mouseClick(check, Qt::LeftButton);
        auto *checkResult = overview->findChild<QLabel *>(u"checkResult"_s);
        QVERIFY(QTest::qWaitFor(
            [&] { return checkResult->text().contains(u"cannot be reached"_s); }, 15000));
    }
};

QTEST_MAIN(TestDeploymentsController)
#include "tst_deploymentscontroller.moc"
