#include "deploymentscontroller.h"

#include "app/deploymentmanager.h"
#include "app/deploymentregistry.h"
#include "app/requesthistory.h"
#include "app/secretstore.h"
#include "ui/widgets/authorizedialog.h"
#include "ui/widgets/deploymentselector.h"
#include "ui/widgets/editdeploymentdialog.h"
#include "ui/widgets/filedialogs.h"
#include "ui/widgets/historypanel.h"
#include "ui/widgets/importdialog.h"
#include "ui/widgets/mainwindow.h"
#include "ui/widgets/newdeploymentdialog.h"
#include "ui/widgets/oauthpagedialog.h"
#include "ui/widgets/overviewpage.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QToolBar>

using namespace Qt::StringLiterals;

namespace fhir::ui {

DeploymentsController::DeploymentsController(std::shared_ptr<const schema::Model> model,
                                             const Storage &storage, QWidget *window)
    : QObject(window)
    , m_window(window)
    , m_secrets(new app::SecretStore(
          storage.keychainService.isEmpty() ? u"FHIR Portal"_s : storage.keychainService, this))
    , m_registry(new app::DeploymentRegistry(storage.settings, storage.dataRoot, this))
    , m_history(
          new app::RequestHistory(storage.historyFile, app::RequestHistory::defaultLimit, this))
    , m_manager(new app::DeploymentManager(std::move(model), m_registry, m_secrets, this))
    , m_selector(new DeploymentSelector(m_registry, window))
    , m_overview(new OverviewPage(m_manager, window))
    , m_historyPanel(new HistoryPanel(m_history, window))
    , m_authorizeAction(
          new QAction(QIcon::fromTheme(u"dialog-password"_s), tr("&Authorize…"), this))
    , m_newAction(new QAction(QIcon::fromTheme(u"list-add"_s), tr("&New Deployment…"), this))
    , m_importAction(
          new QAction(QIcon::fromTheme(u"document-import"_s), tr("&Import Files…"), this))
    , m_editAction(new QAction(QIcon::fromTheme(u"document-edit"_s), tr("&Edit Deployment…"), this))
    , m_removeAction(
          new QAction(QIcon::fromTheme(u"edit-delete"_s), tr("&Remove Deployment…"), this))
{
    m_authorizeAction->setObjectName(u"authorizeAction"_s);
    m_authorizeAction->setToolTip(tr("Give FHIR Portal an API key for this deployment"));
    m_newAction->setObjectName(u"newDeploymentAction"_s);
    connect(m_authorizeAction, &QAction::triggered, this,
            &DeploymentsController::showAuthorizeDialog);
    connect(m_newAction, &QAction::triggered, this,
            &DeploymentsController::showNewDeploymentDialog);
    m_importAction->setObjectName(u"importAction"_s);
    m_importAction->setShortcut(Qt::CTRL | Qt::Key_I);
    m_importAction->setToolTip(tr("Import FHIR JSON or NDJSON files into this embedded "
                                  "deployment (Ctrl+I)"));
    m_editAction->setObjectName(u"editDeploymentAction"_s);
    m_editAction->setShortcut(Qt::Key_F2);
    m_editAction->setToolTip(tr("Rename this deployment; change a remote one's URL and headers"));
    m_removeAction->setObjectName(u"removeDeploymentAction"_s);
    m_removeAction->setToolTip(tr("Forget this deployment (asks first)"));
    connect(m_importAction, &QAction::triggered, this, &DeploymentsController::importFiles);
    connect(m_editAction, &QAction::triggered, this, &DeploymentsController::showEditDialog);
    connect(m_removeAction, &QAction::triggered, this,
            &DeploymentsController::removeCurrentDeployment);

    connect(m_selector, &DeploymentSelector::deploymentChosen, m_manager,
            &app::DeploymentManager::setCurrent);
    connect(m_selector, &DeploymentSelector::newDeploymentRequested, this,
            &DeploymentsController::showNewDeploymentDialog);
    connect(m_overview, &OverviewPage::authorizeRequested, this,
            &DeploymentsController::showAuthorizeDialog);
    connect(m_overview, &OverviewPage::importRequested, this, &DeploymentsController::importFiles);
    connect(m_overview, &OverviewPage::oauthPageRequested, this, [this] {
        const QString id = m_manager->registry()->currentId();
        auto *page = new OAuthPageDialog(m_manager, id, m_window);
        page->setAttribute(Qt::WA_DeleteOnClose);
        page->open();
    });
    connect(m_overview, &OverviewPage::editRequested, this, &DeploymentsController::showEditDialog);
    connect(m_overview, &OverviewPage::removeRequested, this,
            &DeploymentsController::removeCurrentDeployment);
    connect(m_historyPanel, &HistoryPanel::reopen, this, &DeploymentsController::reopenRequested);

    connect(m_manager, &app::DeploymentManager::currentChanged, this, [this](const QString &id) {
        m_selector->setCurrentId(id);
        m_overview->setDeploymentId(id);
        m_historyPanel->setDeploymentId(id);
        updateActions();
    });
    connect(m_manager, &app::DeploymentManager::loadStarted, this,
            &DeploymentsController::updateActions);
    connect(m_manager, &app::DeploymentManager::loadFinished, this,
            &DeploymentsController::updateActions);
    connect(m_manager, &app::DeploymentManager::currentEndpointChanged, this,
            &DeploymentsController::endpointChanged);
    connect(m_manager, &app::DeploymentManager::notice, this, &DeploymentsController::message);
    updateActions();
}

DeploymentsController::~DeploymentsController()
{
    // The servers stop before the widgets that listen to them go with the window.
    delete m_manager;
    m_manager = nullptr;
}

const app::Endpoint &DeploymentsController::endpoint() const
{
    return m_manager->currentEndpoint();
}

void DeploymentsController::placeIn(MainWindow *window)
{
    Q_ASSERT(window == m_window);
    QToolBar *bar = window->deploymentToolBar();
    bar->addSeparator(); // after the endpoint label
    bar->addWidget(m_selector);
    bar->addAction(m_authorizeAction);
    bar->addAction(m_newAction);
    bar->addAction(m_importAction);

    QMenu *menu = window->menuBar()->addMenu(tr("&Deployment"));
    menu->setObjectName(u"deploymentMenu"_s);
    menu->addAction(m_newAction);
    menu->addAction(m_authorizeAction);
    menu->addSeparator();
    menu->addAction(m_importAction);
    menu->addSeparator();
    menu->addAction(m_editAction);
    menu->addAction(m_removeAction);

    auto dock = [window](QWidget *content, const QString &name, const QString &title) {
        auto *d = new QDockWidget(title, window);
        d->setObjectName(name);
        d->setWidget(content);
        d->setAllowedAreas(Qt::LeftDockWidgetArea | Qt::RightDockWidgetArea
                           | Qt::BottomDockWidgetArea);
        window->addDockWidget(Qt::RightDockWidgetArea, d);
        return d;
    };
    // Wide enough for the base URL, the auth line and the sample commands beside the API.
    m_overview->setMinimumWidth(380);
    QDockWidget *overview = dock(m_overview, u"overviewDock"_s, tr("Overview"));
    QDockWidget *history = dock(m_historyPanel, u"historyDock"_s, tr("History"));
    window->tabifyDockWidget(overview, history);
    // Docks start closed, so the first screen is the API; the tool bar opens them.
    overview->hide();
    history->hide();
    for (QDockWidget *d : {overview, history}) {
        QAction *toggle = d->toggleViewAction();
        toggle->setObjectName(d->objectName() + u"Toggle"_s);
        bar->addAction(toggle);
    }
    // The window restored its state before these docks existed; now they can take theirs.
    window->restoreState(QSettings().value(u"mainWindow/state"_s).toByteArray());

    connect(this, &DeploymentsController::endpointChanged, window, &MainWindow::setEndpoint);
    connect(this, &DeploymentsController::reopenRequested, window, &MainWindow::openRequest);
    connect(window, &MainWindow::requestFinished, this, &DeploymentsController::recordRequest);
    connect(this, &DeploymentsController::message, window,
            [window](const QString &text) { window->statusBar()->showMessage(text, 15000); });
}

void DeploymentsController::initialize(int firstStartPatients)
{
    m_manager->initialize(firstStartPatients);
}

void DeploymentsController::recordRequest(const app::ApiRequest &request, int status,
                                          qint64 elapsedMs)
{
    const QString id = m_manager->currentId();
    if (!id.isEmpty())
        m_history->record(id, request, status, elapsedMs);
}

void DeploymentsController::showAuthorizeDialog()
{
    const QString id = m_manager->currentId();
    const auto entry = m_registry->entry(id);
    if (!entry)
        return;
    const app::Endpoint &endpoint = m_manager->currentEndpoint();
    auto *dialog = new AuthorizeDialog(entry->name, !endpoint.apiKey.isEmpty(), m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &AuthorizeDialog::authorizeRequested, m_manager,
            [this, id](const QByteArray &key) { m_manager->setApiKey(id, key); });
    connect(dialog, &AuthorizeDialog::logoutRequested, m_manager,
            [this, id] { m_manager->logout(id); });
    dialog->open();
}

void DeploymentsController::updateActions()
{
    const QString id = m_manager->currentId();
    const auto entry = m_registry->entry(id);
    m_authorizeAction->setEnabled(entry.has_value());
    m_editAction->setEnabled(entry.has_value());
    const bool loading = m_manager->isLoading(id);
    m_removeAction->setEnabled(entry && !loading); // a load finishes or is cancelled first
    // A remote server takes data through its own API; one load at a time.
    m_importAction->setEnabled(entry && entry->isEmbedded() && !loading);
}

void DeploymentsController::importFiles()
{
    const QString id = m_manager->currentId();
    const auto entry = m_registry->entry(id);
    if (!entry || !entry->isEmbedded() || m_manager->isLoading(id))
        return;
    const QStringList paths
        = askOpenFileNames(m_window, tr("Import into %1").arg(entry->name),
                           tr("FHIR JSON and NDJSON (*.json *.ndjson *.jsonl);;All files (*)"));
    if (paths.isEmpty())
        return;
    auto *dialog = new ImportDialog(id, entry->name, paths, m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(m_manager, &app::DeploymentManager::loadProgress, dialog, &ImportDialog::setProgress);
    connect(m_manager, &app::DeploymentManager::loadFinished, dialog, &ImportDialog::setFinished);
    connect(dialog, &ImportDialog::cancelRequested, m_manager, &app::DeploymentManager::cancelLoad);
    if (const auto started = m_manager->importFiles(id, paths); !started)
        dialog->setRefused(started.error());
    dialog->open();
}

void DeploymentsController::showEditDialog()
{
    const auto entry = m_registry->entry(m_manager->currentId());
    if (!entry)
        return;
    auto *dialog = new EditDeploymentDialog(*entry, m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &EditDeploymentDialog::saveRequested, this,
            [this, dialog](const app::DeploymentEntry &edited,
                           const QList<QPair<QByteArray, QByteArray>> &secrets) {
                const auto saved = m_manager->editDeployment(edited, secrets);
                if (!saved)
                    return dialog->showError(saved.error());
                dialog->accept();
            });
    dialog->open();
}

void DeploymentsController::removeCurrentDeployment()
{
    const QString id = m_manager->currentId();
    const auto entry = m_registry->entry(id);
    if (!entry || m_manager->isLoading(id))
        return;
    auto *box = new QMessageBox(m_window);
    box->setObjectName(u"removeConfirmation"_s);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setIcon(QMessageBox::Warning);
    box->setWindowTitle(tr("Remove Deployment"));
    QPushButton *deleteData = nullptr;
    QPushButton *keep = nullptr;
    if (entry->isEmbedded()) {
        box->setText(tr("Remove the embedded deployment \"%1\"?").arg(entry->name));
        box->setInformativeText(
            tr("Its server stops and its key leaves your keychain. Its data can stay in %1, "
               "or be deleted for good.")
                .arg(QDir::toNativeSeparators(m_registry->dataFolder(id))));
        deleteData = box->addButton(tr("Remove and &Delete Data"), QMessageBox::DestructiveRole);
        deleteData->setObjectName(u"removeAndDeleteButton"_s);
        keep = box->addButton(tr("Remove, &Keep Data"), QMessageBox::AcceptRole);
    } else {
        box->setText(tr("Forget the remote endpoint \"%1\"?").arg(entry->name));
        box->setInformativeText(tr("%1 itself is not touched; its credentials leave your "
                                   "keychain.")
                                    .arg(entry->baseUrl.toDisplayString()));
        keep = box->addButton(tr("&Remove"), QMessageBox::AcceptRole);
    }
    keep->setObjectName(u"removeButton"_s);
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(QMessageBox::Cancel);
    connect(box, &QMessageBox::buttonClicked, this,
            [this, id, deleteData, keep](QAbstractButton *clicked) {
                if (clicked != keep && (!deleteData || clicked != deleteData))
                    return;
                const bool alsoData = deleteData && clicked == deleteData;
                if (const auto removed = m_manager->removeDeployment(id, alsoData); !removed) {
                    Q_EMIT message(
                        tr("The deployment could not be removed: %1").arg(removed.error()));
                    return;
                }
                m_history->clear(id);
            });
    box->open();
}

void DeploymentsController::showNewDeploymentDialog()
{
    if (m_newDialog) {
        m_newDialog->raise();
        m_newDialog->activateWindow();
        return;
    }
    auto *dialog = new NewDeploymentDialog(m_window);
    m_newDialog = dialog;
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &NewDeploymentDialog::createEmbeddedRequested, this,
            [this, dialog](const app::DeploymentEntry &entry, int patients) {
                const auto made = m_manager->createEmbedded(entry, patients);
                if (!made)
                    return dialog->showError(made.error());
                if (patients > 0)
                    dialog->showLoading(made->id, patients);
                else
                    dialog->accept();
            });
    connect(dialog, &NewDeploymentDialog::addRemoteRequested, this,
            [this, dialog](const app::DeploymentEntry &entry,
                           const QList<QPair<QByteArray, QByteArray>> &secretHeaders) {
                const auto added = m_manager->addRemote(entry, secretHeaders);
                if (!added)
                    return dialog->showError(added.error());
                dialog->accept();
            });
    connect(dialog, &NewDeploymentDialog::cancelLoadRequested, m_manager,
            &app::DeploymentManager::cancelLoad);
    connect(m_manager, &app::DeploymentManager::loadProgress, dialog,
            &NewDeploymentDialog::setProgress);
    connect(m_manager, &app::DeploymentManager::loadFinished, dialog,
            &NewDeploymentDialog::setLoadFinished);
    dialog->open();
}

} // namespace fhir::ui
