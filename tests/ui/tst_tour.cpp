// The guided tour of issue 5, driven through the real widgets against the embedded deployment a
// first start makes (its own API key, synthetic patients, loopback HTTP): pick Patient, read its
// operations, create the male example with Try It Out, check the answer and its cURL (and run that
// cURL with the real curl), then search by gender, page through the Bundle and download it. The
// last test renders the main views to PNG files under <build>/test-artifacts for a person to look
// at.

#include "app/deploymentmanager.h"
#include "app/requesthistory.h"
#include "ui/models/bundleentrymodel.h"
#include "ui/models/issuemodel.h"
#include "ui/models/operationsmodel.h"
#include "ui/models/searchformmodel.h"
#include "ui/widgets/bundleviewer.h"
#include "ui/widgets/deploymentscontroller.h"
#include "ui/widgets/filedialogs.h"
#include "ui/widgets/mainwindow.h"
#include "ui/widgets/requestpanel.h"
#include "ui/widgets/responseview.h"

#include "testmodel.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QMenuBar>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolBar>
#include <QTreeView>

#include <nlohmann/json.hpp>

using namespace fhir;
using namespace Qt::StringLiterals;
using Json = nlohmann::json;

namespace {

QModelIndex findText(const QAbstractItemModel *model, const QString &text,
                     const QModelIndex &parent = {})
{
    for (int row = 0; row < model->rowCount(parent); ++row) {
        const QModelIndex index = model->index(row, 0, parent);
        if (index.data().toString() == text)
            return index;
        if (const QModelIndex inner = findText(model, text, index); inner.isValid())
            return inner;
    }
    return {};
}

template<typename T> T *child(const QWidget &window, const QString &name)
{
    T *found = window.findChild<T *>(name);
    if (found == nullptr)
        qFatal("no widget named %s", qPrintable(name));
    return found;
}

} // namespace

class TestTour : public QObject
{
    Q_OBJECT

    std::shared_ptr<const schema::Model> m_model;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<QWidget> m_host; // owns the controller, as a main window does in the app
    ui::DeploymentsController *m_deployments = nullptr;

    /// Storage for one app's deployments in `dir`: settings, data, history, a keychain name.
    static ui::DeploymentsController::Storage storageIn(const QTemporaryDir &dir,
                                                        QSettings *settings)
    {
        ui::DeploymentsController::Storage storage;
        storage.settings = settings;
        storage.dataRoot = dir.filePath(u"deployments"_s);
        storage.historyFile = dir.filePath(u"history.json"_s);
        storage.keychainService = u"FHIR Portal tour "_s + QFileInfo(dir.path()).fileName();
        return storage;
    }

    /// Waits for a first start: the local deployment running, its key made, its data loaded.
    static bool firstStart(ui::DeploymentsController *deployments, int patients)
    {
        QSignalSpy loaded(deployments->manager(), &app::DeploymentManager::loadFinished);
        deployments->initialize(patients);
        const bool ready = QTest::qWaitFor(
            [&] {
                return deployments->endpoint().isValid()
                    && !deployments->endpoint().apiKey.isEmpty();
            },
            30000);
        return ready && (!loaded.isEmpty() || loaded.wait(60000)) && loaded.first().at(1).toBool();
    }

    app::Endpoint endpoint() const { return m_deployments->endpoint(); }
    QString baseUrl() const { return endpoint().baseUrl.toString(); }

    /// One request over HTTP with the deployment's key, as any client sends it.
    Json http(const QByteArray &method, const QString &path, const Json &body = {}) const
    {
        QNetworkAccessManager network;
        QNetworkRequest request(QUrl(baseUrl() + path));
        request.setRawHeader("x-api-key", endpoint().apiKey);
        request.setRawHeader("Content-Type", "application/fhir+json");
        QNetworkReply *reply = network.sendCustomRequest(
            request, method,
            body.is_null() ? QByteArray() : QByteArray::fromStdString(body.dump()));
        QSignalSpy done(reply, &QNetworkReply::finished);
        if (!reply->isFinished() && !done.wait(20000))
            return {};
        const QByteArray answer = reply->readAll();
        reply->deleteLater();
        return Json::parse(answer.toStdString(), nullptr, false);
    }

    void seed(const std::string &gender, const std::string &family)
    {
        const Json patient{{"resourceType", "Patient"},
                           {"gender", gender},
                           {"name", Json::array({Json{{"family", family}}})}};
        QVERIFY(http("POST", u"/Patient"_s, patient)["resourceType"] == "Patient");
    }

    int malePatients() const
    {
        const Json bundle = http("GET", u"/Patient?gender=male&_summary=count"_s);
        return bundle.value("total", -1);
    }

    static void selectOperation(const QWidget &window, const QString &text)
    {
        auto *list = child<QListView>(window, u"operationsList"_s);
        const QModelIndex index = findText(list->model(), text);
        QVERIFY2(index.isValid(), qPrintable(text));
        list->setCurrentIndex(index);
    }

    static void execute(const QWidget &window, const QString &status)
    {
        auto *statusLabel = child<QLabel>(window, u"responseStatus"_s);
        auto *button = child<QPushButton>(window, u"executeButton"_s);
        QVERIFY(button->isEnabled());
        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(statusLabel->text().contains(status), 20000);
    }

    /// The window, large, on the deployment, at "Try it out" of an operation.
    void tryItOut(ui::MainWindow &window, const QString &operation) const
    {
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.setEndpoint(endpoint());
        selectOperation(window, operation);
        QTest::mouseClick(child<QPushButton>(window, u"tryItOutButton"_s), Qt::LeftButton);
    }

    static QString artifactsDir()
    {
        const QString dir = QStringLiteral(FHIR_TEST_ARTIFACTS_DIR);
        QDir().mkpath(dir);
        return dir;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        m_model = loadTestModel();
        m_dir = std::make_unique<QTemporaryDir>();
        m_settings
            = std::make_unique<QSettings>(m_dir->filePath(u"settings.ini"_s), QSettings::IniFormat);
        m_host = std::make_unique<QWidget>();
        m_deployments = new ui::DeploymentsController(m_model, storageIn(*m_dir, m_settings.get()),
                                                      m_host.get());
        QVERIFY(firstStart(m_deployments, 4));
        // Others in the waiting room, so the search has pages.
        for (const char *family : {"Adams", "Baker", "Clark"})
            seed("male", family);
        seed("female", "Davis");
    }

    void cleanupTestCase()
    {
        ui::setSaveFileNameAnswer({});
        m_host.reset(); // stops the deployment
    }

    // The app as main() builds it: the window, the deployments placed in it, a first start.
    void firstStartNeedsNoSetup()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(u"settings.ini"_s), QSettings::IniFormat);
        ui::MainWindow window(m_model);
        auto *deployments
            = new ui::DeploymentsController(m_model, storageIn(dir, &settings), &window);
        deployments->placeIn(&window);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.deploymentToolBar()->findChild<QComboBox *>() != nullptr);
        QVERIFY(firstStart(deployments, 2));
        QTRY_COMPARE_WITH_TIMEOUT(window.endpoint().baseUrl, deployments->endpoint().baseUrl,
                                  10000);
        QVERIFY(!window.endpoint().apiKey.isEmpty());
        auto *operations = child<QListView>(window, u"operationsList"_s);
        QTRY_VERIFY_WITH_TIMEOUT(
            qobject_cast<ui::OperationsModel *>(operations->model())->hasCapabilities(), 20000);
        selectOperation(window, u"GET /Patient"_s);
        QTest::mouseClick(child<QPushButton>(window, u"tryItOutButton"_s), Qt::LeftButton);
        execute(window, u"200"_s);
        auto *response = child<ui::ResponseView>(window, u"responseView"_s);
        QCOMPARE(response->bundleViewer()->model()->total().value_or(0), 2);
        // The request went into this deployment's history, without its key.
        QTRY_COMPARE_WITH_TIMEOUT(deployments->history()->entries(u"local"_s).size(), 1, 5000);

        // The Deployment menu holds what the tool bar and the Overview offer.
        auto *menu = window.menuBar()->findChild<QMenu *>(u"deploymentMenu"_s);
        QVERIFY(menu);
        QVERIFY(menu->actions().contains(deployments->importAction()));
        QVERIFY(menu->actions().contains(deployments->removeDeploymentAction()));
        QVERIFY(window.deploymentToolBar()->actions().contains(deployments->importAction()));
        window.resize(1400, 900);
        window.findChild<QAction *>(u"overviewDockToggle"_s)->trigger();
        QCoreApplication::processEvents();
        QVERIFY(window.grab().save(QDir(artifactsDir()).filePath(u"0-window-overview.png"_s)));
    }

    void withoutAnEndpointTheRequestSideSaysSo()
    {
        ui::MainWindow window(m_model);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(child<QLabel>(window, u"endpointNote"_s)->text().contains(u"No endpoint"_s));
        QVERIFY(child<QLabel>(window, u"endpointLabel"_s)->text().contains(u"No endpoint"_s));
        selectOperation(window, u"GET /Patient"_s);
        QTest::mouseClick(child<QPushButton>(window, u"tryItOutButton"_s), Qt::LeftButton);
        QVERIFY(!child<QPushButton>(window, u"executeButton"_s)->isEnabled());
        QVERIFY(window.deploymentToolBar() != nullptr);
    }

    void guidedTour()
    {
        ui::MainWindow window(m_model);
        QSignalSpy finished(&window, &ui::MainWindow::requestFinished);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const int malesBefore = malePatients();
        QVERIFY(malesBefore >= 3);
        window.setEndpoint(endpoint());
        auto *operations = child<QListView>(window, u"operationsList"_s);
        auto *opsModel = qobject_cast<ui::OperationsModel *>(operations->model());
        QVERIFY(opsModel);
        QTRY_VERIFY_WITH_TIMEOUT(opsModel->hasCapabilities(), 20000);

        // 1. Pick Patient in the resource picker.
        auto *types = child<QTreeView>(window, u"resourceTypeView"_s);
        types->setCurrentIndex(findText(types->model(), u"Observation"_s));
        types->setCurrentIndex(findText(types->model(), u"Patient"_s));
        QVERIFY(child<QLabel>(window, u"typeTitle"_s)->text().contains(u"Patient"_s));

        // 2. The operations on Patient and at the system level, as the server declares them.
        for (const QString &op :
             {u"GET /Patient"_s, u"POST /Patient"_s, u"GET /Patient/{id}"_s, u"PUT /Patient/{id}"_s,
              u"PATCH /Patient/{id}"_s, u"DELETE /Patient/{id}"_s, u"GET /Patient/{id}/_history"_s,
              u"GET /Patient/{id}/_history/{vid}"_s, u"GET /Patient/_history"_s,
              u"POST /Patient/_search"_s, u"POST /Patient/$validate"_s,
              u"GET /Patient/$everything"_s, u"GET /Patient/{id}/$everything"_s, u"GET /metadata"_s,
              u"POST /"_s, u"GET /_history"_s, u"GET /?_type=…"_s})
            QVERIFY2(findText(opsModel, op).isValid(), qPrintable(op));

        // 3. Open POST /Patient, see the schema, pick the male example, Try it out, Execute.
        selectOperation(window, u"POST /Patient"_s);
        QVERIFY(child<QLabel>(window, u"operationTitle"_s)->text().contains(u"/Patient"_s));
        auto *tabs = child<QTabWidget>(window, u"typeTabs"_s);
        QTest::mouseClick(child<QPushButton>(window, u"bodySchema"_s), Qt::LeftButton);
        QCOMPARE(tabs->tabText(tabs->currentIndex()).remove(u'&'), u"Schema"_s);
        auto *elements = child<QTreeView>(window, u"elementTreeView"_s);
        QVERIFY(findText(elements->model(), u"gender"_s).isValid());
        tabs->setCurrentIndex(0);

        QTest::mouseClick(child<QPushButton>(window, u"tryItOutButton"_s), Qt::LeftButton);
        // The key (when the deployment has one) as $FHIR_API_KEY, so the cURL can run.
        auto *secretMode = child<QComboBox>(window, u"curlSecretMode"_s);
        secretMode->setCurrentIndex(
            secretMode->findData(int(app::SecretMode::EnvironmentVariable)));
        auto *examples = child<QComboBox>(window, u"bodyExamples"_s);
        const int male = examples->findText(u"patient-example-a"_s, Qt::MatchStartsWith);
        QVERIFY(male > 0);
        examples->setCurrentIndex(male);
        Q_EMIT examples->activated(male);
        auto *body = child<QPlainTextEdit>(window, u"bodyEditor"_s);
        QVERIFY(body->toPlainText().contains(u"\"gender\": \"male\""_s));
        auto *panel = child<ui::RequestPanel>(window, u"requestPanel"_s);
        QVERIFY(panel->validateBody());
        QVERIFY(child<QLineEdit>(window, u"requestUrl"_s)->text().endsWith(u"/fhir/r4/Patient"_s));
        execute(window, u"201"_s);

        // 4. Status, time, headers, the created Patient, and the cURL that ran.
        QVERIFY(child<QLabel>(window, u"responseMeta"_s)->text().contains(u" ms"_s));
        const QString headers = child<QPlainTextEdit>(window, u"responseHeaders"_s)->toPlainText();
        QVERIFY2(headers.contains(u"Location: "_s), qPrintable(headers));
        QVERIFY(headers.contains(u"ETag: W/\"1\""_s));
        const QString created = child<QPlainTextEdit>(window, u"responseBody"_s)->toPlainText();
        const Json patient = Json::parse(created.toStdString());
        QVERIFY(patient["resourceType"] == "Patient");
        QVERIFY(patient["gender"] == "male");
        const QString newId = QString::fromStdString(patient["id"].get<std::string>());
        const QString curl = child<QPlainTextEdit>(window, u"responseCurl"_s)->toPlainText();
        QVERIFY2(curl.startsWith(u"curl -i -X POST "_s + baseUrl() + u"/Patient"_s),
                 qPrintable(curl));
        QVERIFY(curl.contains(u"--data-binary '{"_s));
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.first().at(1).toInt(), 201);

        // PUT on the new Patient: If-Match is filled from the ETag just seen.
        selectOperation(window, u"PUT /Patient/{id}"_s);
        QTest::mouseClick(child<QPushButton>(window, u"tryItOutButton"_s), Qt::LeftButton);
        QTest::keyClicks(child<QLineEdit>(window, u"pathParam_id"_s), newId);
        auto *headerTable = child<QTableWidget>(window, u"headersTable"_s);
        QCOMPARE(headerTable->item(2, 0)->text(), u"If-Match"_s);
        QCOMPARE(headerTable->item(2, 1)->text(), u"W/\"1\""_s);
        QVERIFY(child<QPlainTextEdit>(window, u"curlPreview"_s)
                    ->toPlainText()
                    .contains(u"-H 'If-Match: W/\"1\"'"_s));

        // The same cURL, run by the real curl, makes another Patient the same way.
        QProcess process;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(u"FHIR_API_KEY"_s, QString::fromUtf8(endpoint().apiKey));
        process.setProcessEnvironment(environment);
        QSignalSpy processDone(&process, &QProcess::finished);
        process.start(u"/bin/sh"_s, {u"-c"_s, curl});
        QVERIFY(processDone.wait(20000));
        QCOMPARE(process.exitCode(), 0);
        const QByteArray out = process.readAllStandardOutput();
        QVERIFY2(out.startsWith("HTTP/1.1 201"), out.left(200).constData());
        const qsizetype split = out.indexOf("\r\n\r\n");
        QVERIFY(split > 0);
        const Json viaCurl = Json::parse(out.mid(split + 4).toStdString());
        QVERIFY(viaCurl["resourceType"] == "Patient");
        QVERIFY(viaCurl["gender"] == "male");

        // 5. GET /Patient with gender=male: a Bundle that lists the new patient, in pages.
        selectOperation(window, u"GET /Patient"_s);
        QTest::mouseClick(child<QPushButton>(window, u"tryItOutButton"_s), Qt::LeftButton);
        auto *searchView = child<QTableView>(window, u"searchForm"_s);
        auto *form = panel->searchForm();
        const QModelIndex gender
            = form->index(form->rowOf(u"gender"_s), ui::SearchFormModel::ValueColumn);
        searchView->scrollTo(gender);
        searchView->setCurrentIndex(gender); // opens the editor (all edit triggers)
        auto *editor = qobject_cast<QLineEdit *>(searchView->indexWidget(gender));
        QVERIFY(editor);
        QTest::keyClicks(editor, u"male"_s);
        QTest::keyClick(editor, Qt::Key_Tab); // commits, as a user leaves the field
        form->setValue(form->rowOf(u"_count"_s), u"2"_s);
        QCOMPARE(form->queryItems(),
                 (QList<QPair<QString, QString>>{{u"gender"_s, u"male"_s}, {u"_count"_s, u"2"_s}}));
        QVERIFY(child<QPlainTextEdit>(window, u"curlPreview"_s)
                    ->toPlainText()
                    .contains(u"/Patient?gender=male&_count=2"_s));

        // The server declares gender among Patient's search parameters.
        QVERIFY(opsModel->declaredSearchParameters(u"Patient"_s).contains(u"gender"_s));
        execute(window, u"200"_s);
        auto *response = child<ui::ResponseView>(window, u"responseView"_s);
        auto *bundle = response->bundleViewer();
        QVERIFY(bundle->isVisible());
        auto *entries = bundle->model();
        QCOMPARE(entries->rowCount(), 2);
        QCOMPARE(entries->total().value_or(0), malesBefore + 2); // and the example, the curl one
        auto *next = child<QPushButton>(window, u"bundlePage_next"_s);
        QStringList seen;
        for (int page = 0; page < 10; ++page) {
            for (int row = 0; row < entries->rowCount(); ++row) {
                seen.append(entries->index(row, ui::BundleEntryModel::IdColumn).data().toString());
                QVERIFY(entries->index(row, ui::BundleEntryModel::SummaryColumn)
                            .data()
                            .toString()
                            .split(u" · "_s)
                            .contains(u"male"_s)); // not "female"
            }
            if (!next->isEnabled())
                break; // the last page
            const int before = finished.size();
            QTest::mouseClick(next, Qt::LeftButton);
            QTRY_VERIFY_WITH_TIMEOUT(finished.size() > before, 20000);
        }
        QVERIFY2(seen.contains(newId), qPrintable(seen.join(u' ')));
        QVERIFY(seen.size() > 2); // more than one page
        QCOMPARE(seen.removeDuplicates(), 0); // no entry twice across the pages

        // Back returns to the previous page without asking the server again.
        const int requests = finished.size();
        QTest::mouseClick(child<QPushButton>(window, u"responseBack"_s), Qt::LeftButton);
        QCOMPARE(finished.size(), requests);

        // Download the Bundle.
        QTemporaryDir downloads;
        const QString target = downloads.filePath(u"patients.json"_s);
        ui::setSaveFileNameAnswer([&target](const QString &) { return target; });
        QTest::mouseClick(child<QPushButton>(window, u"bundleDownload"_s), Qt::LeftButton);
        QFile saved(target);
        QVERIFY(saved.open(QIODevice::ReadOnly));
        const Json downloaded = Json::parse(saved.readAll().toStdString());
        QVERIFY(downloaded["resourceType"] == "Bundle");
        QVERIFY(downloaded["type"] == "searchset");
    }

    void pastedCurlFillsTheForm()
    {
        ui::MainWindow window(m_model);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.setEndpoint(endpoint());
        auto *paste = child<QLineEdit>(window, u"pasteCurl"_s);
        QTest::keyClicks(
            paste, u"curl -H 'Prefer: handling=lenient' '"_s + baseUrl() + u"/Patient?_count=1'"_s);
        QTest::keyClick(paste, Qt::Key_Return);
        QVERIFY(child<QCheckBox>(window, u"freeFormToggle"_s)->isChecked());
        QCOMPARE(child<QLineEdit>(window, u"requestUrl"_s)->text(),
                 baseUrl() + u"/Patient?_count=1"_s);
        execute(window, u"200"_s);
        auto *response = child<ui::ResponseView>(window, u"responseView"_s);
        QCOMPARE(response->bundleViewer()->model()->rowCount(), 1);
        // A reference opens its target: the Bundle's self link is not one, so open a read.
        app::ApiRequest read;
        read.path = u"Patient/"_s
            + response->bundleViewer()
                  ->model()
                  ->index(0, ui::BundleEntryModel::IdColumn)
                  .data()
                  .toString();
        window.openRequest(read);
        execute(window, u"200"_s);
        QVERIFY(child<QPlainTextEdit>(window, u"responseBody"_s)
                    ->toPlainText()
                    .contains(u"\"resourceType\": \"Patient\""_s));
    }

    // Issue 5, Response: "an OperationOutcome shown as a list of issues ... and, when it
    // answers our request body, the offending element highlighted". The embedded server
    // refuses a Patient with a bad date and a number for a name; selecting each issue selects
    // its element in the body editor.
    void outcomeIssuesPointIntoTheRequestBody()
    {
        ui::MainWindow window(m_model);
        tryItOut(window, u"POST /Patient"_s);
        auto *body = child<QPlainTextEdit>(window, u"bodyEditor"_s);
        body->setPlainText(u"{\n  \"resourceType\": \"Patient\",\n  \"name\": [\n    {\n"
                           "      \"family\": \"Chalmers\",\n      \"given\": [\"Peter\", 7]\n"
                           "    }\n  ],\n  \"birthDate\": \"1974-13-45\"\n}\n"_s);
        execute(window, u"400"_s);
        auto *issues = child<QTableView>(window, u"responseIssues"_s);
        QTRY_VERIFY(issues->isVisible());
        QVERIFY(child<QLabel>(window, u"responseIssuesHint"_s)->isVisible());
        QHash<QString, int> rowOf;
        for (int row = 0; row < issues->model()->rowCount(); ++row)
            rowOf.insert(
                issues->model()->index(row, 0).data(ui::IssueModel::ExpressionRole).toString(),
                row);
        QVERIFY2(rowOf.contains(u"Patient.birthDate"_s), qPrintable(rowOf.keys().join(u", "_s)));
        QVERIFY2(rowOf.contains(u"Patient.name[0].given[1]"_s),
                 qPrintable(rowOf.keys().join(u", "_s)));

        issues->setFocus();
        issues->setCurrentIndex(
            issues->model()->index(rowOf.value(u"Patient.name[0].given[1]"_s), 0));
        QCOMPARE(body->textCursor().selectedText(), u"7"_s);
        QCOMPARE(body->extraSelections().size(), 1);
        QVERIFY(issues->hasFocus()); // selecting keeps the keyboard in the list
        const QString dir = artifactsDir();
        QVERIFY(window.grab().save(QDir(dir).filePath(u"7-outcome-in-body.png"_s)));

        // Enter goes to the element.
        issues->setCurrentIndex(issues->model()->index(rowOf.value(u"Patient.birthDate"_s), 0));
        QCOMPARE(body->textCursor().selectedText(), u"\"birthDate\": \"1974-13-45\""_s);
        QTest::keyClick(issues, Qt::Key_Return);
        QTRY_VERIFY(body->hasFocus());

        // Once the body is edited, an issue no longer points into it.
        QTest::keyClick(body, Qt::Key_End, Qt::ControlModifier);
        QTest::keyClicks(body, u" "_s);
        issues->setCurrentIndex(
            issues->model()->index(rowOf.value(u"Patient.name[0].given[1]"_s), 0));
        QVERIFY(body->textCursor().selectedText().isEmpty());
        QVERIFY(body->extraSelections().isEmpty());
        QVERIFY(window.statusBar()->currentMessage().contains(u"has changed"_s));
    }

    void rendersTheMainViews()
    {
        ui::MainWindow window(m_model);
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.setEndpoint(endpoint());
        auto *operations = child<QListView>(window, u"operationsList"_s);
        QTRY_VERIFY_WITH_TIMEOUT(
            qobject_cast<ui::OperationsModel *>(operations->model())->hasCapabilities(), 20000);
        const QString dir = artifactsDir();
        auto shoot = [&](const QString &name) {
            QCoreApplication::processEvents();
            const QString path = QDir(dir).filePath(name + u".png"_s);
            QVERIFY2(window.grab().save(path), qPrintable(path));
        };
        selectOperation(window, u"POST /Patient"_s);
        shoot(u"1-operations"_s);
        QTest::mouseClick(child<QPushButton>(window, u"tryItOutButton"_s), Qt::LeftButton);
        auto *examples = child<QComboBox>(window, u"bodyExamples"_s);
        examples->setCurrentIndex(1);
        Q_EMIT examples->activated(1);
        shoot(u"2-try-it-out"_s);
        execute(window, u"201"_s);
        shoot(u"3-response"_s);
        selectOperation(window, u"GET /Patient"_s);
        QTest::mouseClick(child<QPushButton>(window, u"tryItOutButton"_s), Qt::LeftButton);
        auto *panel = child<ui::RequestPanel>(window, u"requestPanel"_s);
        panel->searchForm()->setValue(panel->searchForm()->rowOf(u"_count"_s), u"3"_s);
        execute(window, u"200"_s);
        shoot(u"4-bundle"_s);
        // The invalid body, marked.
        selectOperation(window, u"POST /Patient"_s);
        QTest::mouseClick(child<QPushButton>(window, u"tryItOutButton"_s), Qt::LeftButton);
        child<QPlainTextEdit>(window, u"bodyEditor"_s)
            ->setPlainText(u"{\n  \"resourceType\": \"Patient\",\n  \"gender\": \"man\",\n"
                           "  \"colour\": 3\n}\n"_s);
        QVERIFY(!panel->validateBody());
        shoot(u"5-validation"_s);
        for (const QString &name : {u"1-operations"_s, u"2-try-it-out"_s, u"3-response"_s,
                                    u"4-bundle"_s, u"5-validation"_s})
            QVERIFY(QFileInfo(QDir(dir).filePath(name + u".png"_s)).size() > 1000);
    }

    void rendersInADarkPalette()
    {
        // A dark desktop theme: nothing may assume a white background.
        const QPalette light = QApplication::palette();
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
        dark.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
        dark.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x26));
        dark.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
        dark.setColor(QPalette::ButtonText, QColor(0xe0, 0xe0, 0xe0));
        dark.setColor(QPalette::Highlight, QColor(0x2a, 0x82, 0xda));
        dark.setColor(QPalette::HighlightedText, Qt::white);
        dark.setColor(QPalette::PlaceholderText, QColor(0x9e, 0x9e, 0x9e));
        QApplication::setPalette(dark);
        {
            ui::MainWindow window(m_model);
            tryItOut(window, u"POST /Patient"_s);
            auto *examples = child<QComboBox>(window, u"bodyExamples"_s);
            examples->setCurrentIndex(1);
            Q_EMIT examples->activated(1);
            execute(window, u"201"_s);
            const QString path = QDir(artifactsDir()).filePath(u"6-dark.png"_s);
            QVERIFY(window.grab().save(path));
        }
        QApplication::setPalette(light);
    }
};

QTEST_MAIN(TestTour)
#include "tst_tour.moc"
