#include "deploymentscontroller.h"

#include "app/deploymentmanager.h"
#include "app/deploymentregistry.h"
#include "app/requesthistory.h"
#include "app/secretstore.h"
#include "ui/widgets/authorizedialog.h"
#include "ui/widgets/deploymentselector.h"
#include "ui/widgets/historypanel.h"
#include "ui/widgets/mainwindow.h"
#include "ui/widgets/newdeploymentdialog.h"
#include "ui/widgets/overviewpage.h"

#include <QAction>
#include <QDockWidget>
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
{
    m_authorizeAction->setObjectName(u"authorizeAction"_s);
    m_authorizeAction->setToolTip(tr("Give FHIR Portal an API key for this deployment"));
    m_newAction->setObjectName(u"newDeploymentAction"_s);
    connect(m_authorizeAction, &QAction::triggered, this,
            &DeploymentsController::showAuthorizeDialog);
    connect(m_newAction, &QAction::triggered, this,
            &DeploymentsController::showNewDeploymentDialog);

    connect(m_selector, &DeploymentSelector::deploymentChosen, m_manager,
            &app::DeploymentManager::setCurrent);
    connect(m_selector, &DeploymentSelector::newDeploymentRequested, this,
            &DeploymentsController::showNewDeploymentDialog);
    connect(m_overview, &OverviewPage::authorizeRequested, this,
            &DeploymentsController::showAuthorizeDialog);
    connect(m_historyPanel, &HistoryPanel::reopen, this, &DeploymentsController::reopenRequested);

    connect(m_manager, &app::DeploymentManager::currentChanged, this, [this](const QString &id) {
        m_selector->setCurrentId(id);
        m_overview->setDeploymentId(id);
        m_historyPanel->setDeploymentId(id);
        m_authorizeAction->setEnabled(!id.isEmpty());
    });
    connect(m_manager, &app::DeploymentManager::currentEndpointChanged, this,
            &DeploymentsController::endpointChanged);
    connect(m_manager, &app::DeploymentManager::notice, this, &DeploymentsController::message);
    m_authorizeAction->setEnabled(false);
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
    bar->addWidget(m_selector);
    bar->addAction(m_authorizeAction);
    bar->addAction(m_newAction);

    auto dock = [window](QWidget *content, const QString &name, const QString &title) {
        auto *d = new QDockWidget(title, window);
        d->setObjectName(name);
        d->setWidget(content);
        d->setAllowedAreas(Qt::LeftDockWidgetArea | Qt::RightDockWidgetArea
                           | Qt::BottomDockWidgetArea);
        window->addDockWidget(Qt::RightDockWidgetArea, d);
        return d;
    };
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
