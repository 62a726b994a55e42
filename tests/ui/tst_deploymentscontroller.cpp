// The deployments part as the window uses it, offscreen, over a real embedded server: the
// first start, the Overview page (status, URL, samples, keys), Authorize, history, and a new
// remote deployment through the selector.

#include "app/deploymentmanager.h"
#include "app/deploymentregistry.h"
#include "app/secretstore.h"
#include "ui/models/oauthlistmodels.h"
#include "ui/widgets/authorizedialog.h"
#include "ui/widgets/deploymentscontroller.h"
#include "ui/widgets/deploymentselector.h"
#include "ui/widgets/editdeploymentdialog.h"
#include "ui/widgets/filedialogs.h"
#include "ui/widgets/historypanel.h"
#include "ui/widgets/importdialog.h"
#include "ui/widgets/newdeploymentdialog.h"
#include "ui/widgets/oauthpagedialog.h"
#include "ui/widgets/overviewpage.h"

#include "testmodel.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTableView>
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

// Renders a widget for a person to look at: <build>/test-artifacts/<name>.png.
void shoot(QWidget *widget, const QString &name)
{
    const QString dir = QStringLiteral(FHIR_TEST_ARTIFACTS_DIR);
    QDir().mkpath(dir);
    QCoreApplication::processEvents();
    const QString path = QDir(dir).filePath(name + u".png"_s);
    QVERIFY2(widget->grab().save(path), qPrintable(path));
}

// A window holding the selector, the Overview and the History of a controller whose
// settings, data and keychain service are its own.
struct Harness
{
    QTemporaryDir dir;
    QSettings settings{dir.filePath(u"settings.ini"_s), QSettings::IniFormat};
    QWidget window;
    ui::DeploymentsController *controller = nullptr; // owned by window

    explicit Harness(const std::shared_ptr<const schema::Model> &model)
    {
        ui::DeploymentsController::Storage storage;
        storage.settings = &settings;
        storage.dataRoot = dir.filePath(u"deployments"_s);
        storage.historyFile = dir.filePath(u"history.json"_s);
        storage.keychainService = u"FHIR Portal test "_s + QFileInfo(dir.path()).fileName();
        controller = new ui::DeploymentsController(model, storage, &window);
        auto *layout = new QVBoxLayout(&window);
        layout->addWidget(controller->selector());
        layout->addWidget(controller->overviewPage());
        layout->addWidget(controller->historyPanel());
        window.show();
    }
};

} // namespace

class TestDeploymentsController : public QObject
{
    Q_OBJECT

    std::shared_ptr<const schema::Model> m_model;

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }

    void firstStartOverviewKeysHistoryAndRemote()
    {
        Harness harness(m_model);
        QVERIFY(QTest::qWaitForWindowExposed(&harness.window));
        ui::DeploymentsController *controller = harness.controller;
        ui::OverviewPage *overview = controller->overviewPage();

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

    // Issue 13's OAuth 2.0 page: the authorization server turned on from the Overview (the
    // deployment restarts with it), a user and a confidential application added, the secret
    // shown once, discovery answering on the new endpoint.
    void oauthPageFromTheOverview()
    {
        Harness harness(m_model);
        QVERIFY(QTest::qWaitForWindowExposed(&harness.window));
        ui::DeploymentsController *controller = harness.controller;
        controller->initialize(0);
        QVERIFY(QTest::qWaitFor([&] { return controller->endpoint().isValid(); }, 20000));
        auto *button
            = controller->overviewPage()->findChild<QPushButton *>(u"overviewOAuthButton"_s);
        QVERIFY(button && button->isVisible());
        QTest::mouseClick(button, Qt::LeftButton);
        ui::OAuthPageDialog *page = nullptr;
        QVERIFY(QTest::qWaitFor(
            [&] { return (page = harness.window.findChild<ui::OAuthPageDialog *>()) != nullptr; },
            5000));
        QVERIFY(QTest::qWaitForWindowExposed(page));
        auto *enabled = page->findChild<QCheckBox *>(u"oauthEnabled"_s);
        QVERIFY(enabled && !enabled->isChecked());
        const QUrl before = controller->endpoint().baseUrl;
        enabled->setChecked(true);
        QVERIFY(QTest::qWaitFor([&] { return controller->endpoint().isValid(); }, 20000));
        auto *discovery = page->findChild<QLabel *>(u"oauthDiscovery"_s);
        QTRY_VERIFY_WITH_TIMEOUT(discovery->text().contains(u".well-known/smart-configuration"_s),
                                 20000);
        Q_UNUSED(before);

        page->findChild<QLineEdit *>(u"newUsername"_s)->setText(u"alice"_s);
        page->findChild<QLineEdit *>(u"newPassword"_s)->setText(u"correct horse"_s);
        page->findChild<QLineEdit *>(u"newFhirUser"_s)->setText(u"Patient/example"_s);
        QTest::mouseClick(page->findChild<QPushButton *>(u"addUserButton"_s), Qt::LeftButton);
        QCOMPARE(page->users()->rowCount(), 1);
        QVERIFY(page->findChild<QLineEdit *>(u"newPassword"_s)->text().isEmpty());

        QSignalSpy secrets(page, &ui::OAuthPageDialog::secretShown);
        page->findChild<QLineEdit *>(u"newClientName"_s)->setText(u"Web app"_s);
        auto *type = page->findChild<QComboBox *>(u"newClientType"_s);
        type->setCurrentIndex(type->findData(u"confidential"_s));
        page->findChild<QPlainTextEdit *>(u"newRedirectUris"_s)
            ->setPlainText(u"https://app.example.org/callback"_s);
        QTest::mouseClick(page->findChild<QPushButton *>(u"addClientButton"_s), Qt::LeftButton);
        QCOMPARE(page->clients()->rowCount(), 1);
        QCOMPARE(secrets.size(), 1);
        QVERIFY(secrets.first().at(1).toString().startsWith(u"fcs_"_s));
        for (int column = 0; column < page->clients()->columnCount(); ++column)
            QVERIFY(!page->clients()->index(0, column).data().toString().contains(
                secrets.first().at(1).toString()));
        auto *secretBox = page->findChild<QMessageBox *>(u"clientSecretBox"_s);
        QVERIFY(secretBox);
        secretBox->close();
        shoot(page, u"oauth-page"_s);

        // The restarted deployment serves discovery.
        QNetworkAccessManager network;
        // The URL the page shows: the endpoint may still be catching up with the restart.
        const QString shown = discovery->text().section(u" at "_s, 1).trimmed();
        QVERIFY2(shown.startsWith(u"http://127.0.0.1:"_s), qPrintable(discovery->text()));
        QNetworkReply *reply = network.get(QNetworkRequest(QUrl(shown)));
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 20000);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        reply->deleteLater();
        page->close();
    }

    // Issue 6 "from the app (with progress)", and removing and editing deployments: what a
    // user does with the actions and the Overview page's buttons; the file dialog answers
    // through setOpenFileNamesAnswer.
    void importEditAndRemoveFromTheWindow()
    {
        Harness harness(m_model);
        QVERIFY(QTest::qWaitForWindowExposed(&harness.window));
        QWidget &window = harness.window;
        ui::DeploymentsController *controller = harness.controller;
        ui::OverviewPage *overview = controller->overviewPage();
        controller->initialize(0);
        QVERIFY(QTest::qWaitFor(
            [&] {
                return controller->endpoint().isValid() && !controller->endpoint().apiKey.isEmpty();
            },
            20000));

        // Import: two good lines, one bad; the report names line 2 and why.
        const QString path = harness.dir.filePath(u"mixed.ndjson"_s);
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("{\"resourceType\":\"Patient\",\"id\":\"a\"}\n"
                       "{\"resourceType\":\"Patient\",\"birthDate\":\"yesterday\"}\n"
                       "{\"resourceType\":\"Observation\",\"id\":\"o\",\"status\":\"final\","
                       "\"code\":{\"text\":\"weight\"}}\n");
        }
        ui::setOpenFileNamesAnswer([path] { return QStringList{path}; });
        auto *importButton = overview->findChild<QPushButton *>(u"overviewImportButton"_s);
        QVERIFY(importButton->isVisible() && importButton->isEnabled());
        QVERIFY(controller->importAction()->isEnabled());
        QTest::mouseClick(importButton, Qt::LeftButton);
        ui::setOpenFileNamesAnswer({});
        QVERIFY(!controller->importAction()->isEnabled()); // one load at a time
        QVERIFY(!importButton->isEnabled());
        ui::ImportDialog *import = nullptr;
        QVERIFY(QTest::qWaitFor(
            [&] { return (import = topLevel<ui::ImportDialog>(u"importDialog"_s)); }, 5000));
        QVERIFY(QTest::qWaitFor([&] { return import->isFinished(); }, 20000));
        const QString report
            = import->findChild<QPlainTextEdit *>(u"importReport"_s)->toPlainText();
        QVERIFY2(report.contains(u"mixed.ndjson: 2 loaded, 1 not loaded"_s), qPrintable(report));
        QVERIFY2(report.contains(u"line 2: "_s), qPrintable(report));
        QVERIFY2(report.contains(u"birthDate"_s), qPrintable(report));
        QVERIFY(
            import->findChild<QLabel *>(u"importHeadline"_s)->text().contains(u"Not everything"_s));
        QVERIFY(controller->importAction()->isEnabled());
        shoot(import, u"deployments-import-report"_s);
        shoot(&window, u"deployments-overview-embedded"_s);
        QTest::mouseClick(import->findChild<QPushButton *>(u"closeImportButton"_s), Qt::LeftButton);
        QVERIFY(QTest::qWaitFor([&] { return !topLevel<ui::ImportDialog>(u"importDialog"_s); }));

        // A file dialog cancelled: nothing happens.
        ui::setOpenFileNamesAnswer([] { return QStringList(); });
        controller->importAction()->trigger();
        ui::setOpenFileNamesAnswer({});
        QVERIFY(!topLevel<ui::ImportDialog>(u"importDialog"_s));

        // Rename through the Overview's Edit button.
        QTest::mouseClick(overview->findChild<QPushButton *>(u"overviewEditButton"_s),
                          Qt::LeftButton);
        ui::EditDeploymentDialog *edit = nullptr;
        QVERIFY(QTest::qWaitFor(
            [&] { return (edit = topLevel<ui::EditDeploymentDialog>(u"editDeploymentDialog"_s)); },
            5000));
        QVERIFY(!edit->findChild<QLineEdit *>(u"editBaseUrl"_s)); // embedded: name only
        shoot(edit, u"deployments-edit-embedded"_s);
        auto *name = edit->findChild<QLineEdit *>(u"editName"_s);
        name->selectAll();
        QTest::keyClicks(name, u"Clinic"_s);
        QTest::mouseClick(edit->findChild<QPushButton *>(u"saveButton"_s), Qt::LeftButton);
        QVERIFY(QTest::qWaitFor([&] { return !edit->isVisible(); }, 5000));
        auto *combo = controller->selector()->findChild<QComboBox *>(u"deploymentCombo"_s);
        QCOMPARE(combo->currentText(), u"Clinic"_s);
        QCOMPARE(overview->findChild<QLabel *>(u"overviewTitle"_s)->text(), u"Clinic"_s);

        // A remote endpoint: nothing to import; its URL and headers edit.
        app::DeploymentEntry remote;
        remote.name = u"Far"_s;
        remote.baseUrl = QUrl(u"https://fhir.example.org/r4"_s);
        QVERIFY(controller->manager()->addRemote(remote, {}));
        QCOMPARE(controller->selector()->currentId(), u"far"_s);
        QVERIFY(!controller->importAction()->isEnabled());
        QVERIFY(!importButton->isVisible());
        controller->editDeploymentAction()->trigger();
        QVERIFY(QTest::qWaitFor(
            [&] { return (edit = topLevel<ui::EditDeploymentDialog>(u"editDeploymentDialog"_s)); },
            5000));
        auto *url = edit->findChild<QLineEdit *>(u"editBaseUrl"_s);
        url->clear();
        QTest::keyClicks(url, u"not a url"_s);
        QTest::keyClicks(edit->findChild<QPlainTextEdit *>(u"editHeaders"_s),
                         u"Prefer: handling=strict"_s);
        QTest::mouseClick(edit->findChild<QPushButton *>(u"saveButton"_s), Qt::LeftButton);
        QVERIFY(edit->isVisible()); // refused, and says why
        QVERIFY(edit->findChild<QLabel *>(u"editError"_s)->isVisible());
        shoot(edit, u"deployments-edit-remote-error"_s);
        url->clear();
        QTest::keyClicks(url, u"https://staging.example.org/r4"_s);
        QTest::mouseClick(edit->findChild<QPushButton *>(u"saveButton"_s), Qt::LeftButton);
        QVERIFY(QTest::qWaitFor([&] { return !edit->isVisible(); }, 5000));
        QVERIFY(QTest::qWaitFor(
            [&] {
                return controller->endpoint().baseUrl == QUrl(u"https://staging.example.org/r4"_s);
            },
            10000));
        QCOMPARE(controller->endpoint().headers,
                 (QList<QPair<QByteArray, QByteArray>>{{"Prefer", "handling=strict"}}));

        // Remove the remote one: just forgotten; the selector moves to what is left.
        controller->removeDeploymentAction()->trigger();
        QMessageBox *confirm = nullptr;
        QVERIFY(QTest::qWaitFor(
            [&] { return (confirm = topLevel<QMessageBox>(u"removeConfirmation"_s)); }, 5000));
        QVERIFY(!confirm->findChild<QPushButton *>(u"removeAndDeleteButton"_s));
        shoot(confirm, u"deployments-remove-remote"_s);
        QTest::mouseClick(confirm->findChild<QPushButton *>(u"removeButton"_s), Qt::LeftButton);
        QCOMPARE(controller->registry()->rowCount(), 1);
        QCOMPARE(controller->selector()->currentId(), u"local"_s);
        QCOMPARE(combo->currentText(), u"Clinic"_s);

        // Remove the embedded one: Cancel first changes nothing; then with its data.
        QTest::mouseClick(overview->findChild<QPushButton *>(u"overviewRemoveButton"_s),
                          Qt::LeftButton);
        QVERIFY(QTest::qWaitFor(
            [&] { return (confirm = topLevel<QMessageBox>(u"removeConfirmation"_s)); }, 5000));
        QTest::mouseClick(confirm->button(QMessageBox::Cancel), Qt::LeftButton);
        QVERIFY(QTest::qWaitFor([&] { return !topLevel<QMessageBox>(u"removeConfirmation"_s); }));
        QCOMPARE(controller->registry()->rowCount(), 1);
        const QString database = controller->registry()->dataFolder(u"local"_s) + u"/fhir.sqlite"_s;
        QVERIFY(QFileInfo::exists(database));
        controller->removeDeploymentAction()->trigger();
        QVERIFY(QTest::qWaitFor(
            [&] { return (confirm = topLevel<QMessageBox>(u"removeConfirmation"_s)); }, 5000));
        shoot(confirm, u"deployments-remove-embedded"_s);
        QTest::mouseClick(confirm->findChild<QPushButton *>(u"removeAndDeleteButton"_s),
                          Qt::LeftButton);
        QCOMPARE(controller->registry()->rowCount(), 0);
        QVERIFY(!QFileInfo::exists(database));
        // Its API key left the keychain (or this run's memory) with it.
        std::optional<app::SecretResult> key;
        controller->manager()->secrets()->read(app::secretKey(u"local"_s), controller,
                                               [&](const app::SecretResult &r) { key = r; });
        QVERIFY(QTest::qWaitFor([&] { return key.has_value(); }, 10000));
        QVERIFY(!key->ok());
        QVERIFY(controller->selector()->currentId().isEmpty());
        QCOMPARE(combo->currentIndex(), -1);
        QVERIFY(!controller->removeDeploymentAction()->isEnabled());
        QVERIFY(!controller->importAction()->isEnabled());
        QCOMPARE(overview->findChild<QLabel *>(u"overviewTitle"_s)->text(),
                 u"No deployment selected"_s);
    }
};

QTEST_MAIN(TestDeploymentsController)
#include "tst_deploymentscontroller.moc"
