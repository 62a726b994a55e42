#pragma once

#include "app/apirequest.h"
#include "app/endpoint.h"
#include "schemas/model.h"

#include <QObject>
#include <QPointer>

#include <memory>

class QAction;
class QSettings;
class QWidget;

namespace fhir::app {
class DeploymentManager;
class DeploymentRegistry;
class RequestHistory;
class SecretStore;
} // namespace fhir::app

namespace fhir::ui {

class DeploymentSelector;
class HistoryPanel;
class MainWindow;
class NewDeploymentDialog;
class OverviewPage;

/// The one entry point of the deployments part for the main window. It owns the keychain
/// access, the registry, the embedded servers and the request history, and hands out the
/// widgets to place: the selector (tool bar), the Overview page, the History panel, and the
/// Authorize / New Deployment actions.
///
///     auto *deployments = new DeploymentsController(model, {}, window);
///     deployments->placeIn(window);
///     deployments->initialize(); // first start: a local server with 100 patients
class DeploymentsController : public QObject
{
    Q_OBJECT

public:
    /// Where things live; empty members take the defaults (QSettings(), AppDataLocation,
    /// keychain service "FHIR Portal"). Tests point them at a temporary folder.
    struct Storage
    {
        QSettings *settings = nullptr;
        QString dataRoot; ///< embedded deployments' data folders
        QString historyFile;
        QString keychainService;
    };

    /// `window` parents the dialogs and the widgets handed out.
    DeploymentsController(std::shared_ptr<const schema::Model> model, const Storage &storage,
                          QWidget *window);
    ~DeploymentsController() override; ///< stops the embedded servers

    DeploymentSelector *selector() const { return m_selector; }
    OverviewPage *overviewPage() const { return m_overview; }
    HistoryPanel *historyPanel() const { return m_historyPanel; }
    QAction *authorizeAction() const { return m_authorizeAction; }
    QAction *newDeploymentAction() const { return m_newAction; }
    /// Import FHIR JSON / NDJSON files into the current embedded deployment.
    QAction *importAction() const { return m_importAction; }
    QAction *editDeploymentAction() const { return m_editAction; }
    QAction *removeDeploymentAction() const { return m_removeAction; }

    app::DeploymentManager *manager() const { return m_manager; }
    app::DeploymentRegistry *registry() const { return m_registry; }
    app::RequestHistory *history() const { return m_history; }
    const app::Endpoint &endpoint() const;

    /// Puts the selector and the Authorize / New Deployment / Import actions into the window's
    /// deployment tool bar, every deployment action into a Deployment menu, the Overview and
    /// History as docks (toggled from that tool bar), and connects endpoint, history and
    /// reopen. `window` must be the one given to the
    /// constructor, which owns the widgets from then on.
    void placeIn(MainWindow *window);

    /// Creates the first deployment on a first start, else selects the last one used.
    void initialize(int firstStartPatients = 100);

public Q_SLOTS:
    /// Keeps a finished request in the current deployment's history (credentials removed).
    void recordRequest(const fhir::app::ApiRequest &request, int status, qint64 elapsedMs);
    void showAuthorizeDialog();
    void showNewDeploymentDialog();
    /// Asks for files (askOpenFileNames), then imports them into the current embedded
    /// deployment with a progress dialog and its report.
    void importFiles();
    void showEditDialog();
    /// Asks first: an embedded deployment's data can go with it or stay on disk.
    void removeCurrentDeployment();

Q_SIGNALS:
    /// Where requests go now: base URL, API key (from the keychain), extra headers.
    void endpointChanged(const fhir::app::Endpoint &endpoint);
    /// The user picked a request in the history to run again.
    void reopenRequested(const fhir::app::ApiRequest &request);
    /// One line for the status bar: a key kept in memory only, a server that failed.
    void message(const QString &text);

private:
    QWidget *m_window; // not owned
    app::SecretStore *m_secrets; // owned by this
    app::DeploymentRegistry *m_registry; // owned by this
    app::RequestHistory *m_history; // owned by this
    app::DeploymentManager *m_manager; // owned by this
    DeploymentSelector *m_selector; // owned by m_window's widget tree once placed
    OverviewPage *m_overview;
    HistoryPanel *m_historyPanel;
    QAction *m_authorizeAction; // owned by this
    QAction *m_newAction;
    QAction *m_importAction;
    QAction *m_editAction;
    QAction *m_removeAction;
    QPointer<NewDeploymentDialog> m_newDialog;

    void updateActions();
};

} // namespace fhir::ui
