#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTreeView;
class QGroupBox;

namespace fhir::app {
class DeploymentManager;
class RemoteProbe;
} // namespace fhir::app

namespace fhir::ui {

class ApiKeyListModel;

/// Everything a developer needs to call one deployment from outside: its id, status (with
/// Start/Stop for an embedded one), base URL, how it authenticates, ready-made cURL commands
/// reading the key from $FHIR_API_KEY, a connection check of a remote one's /metadata, and an
/// embedded deployment's API keys (create: shown once with Copy; revoke).
class OverviewPage : public QWidget
{
    Q_OBJECT

public:
    explicit OverviewPage(app::DeploymentManager *manager, QWidget *parent = nullptr);
    ~OverviewPage() override;

    void setDeploymentId(const QString &id);
    QString deploymentId() const { return m_id; }

    /// The sample commands for a base URL; `apiKey` adds the x-api-key header, `headers` the
    /// extra plain ones, `secretHeaders` each as an environment variable.
    static QString sampleCurl(const QString &baseUrl, bool apiKey,
                              const QList<QPair<QByteArray, QByteArray>> &headers = {},
                              const QList<QByteArray> &secretHeaders = {});

Q_SIGNALS:
    void authorizeRequested();
    /// The OAuth 2.0 page of the embedded deployment shown.
    void oauthPageRequested();
    void importRequested();
    void editRequested();
    void removeRequested();

private:
    void refresh();
    void refreshKeys();
    void createKey();
    void revokeSelectedKey();
    void showNewKey(const QByteArray &secret, const QString &name);
    void checkConnection();

    app::DeploymentManager *m_manager; // not owned
    QString m_id;
    QLabel *m_title; // owned by the widget tree
    QLabel *m_idLabel;
    QLabel *m_status;
    QPushButton *m_edit;
    QPushButton *m_remove;
    QPushButton *m_startStop;
    QProgressBar *m_loadBar;
    QPushButton *m_cancelLoad;
    QLabel *m_importRowLabel = nullptr;
    QLabel *m_checkRowLabel = nullptr;
    QPushButton *m_import;
    QLineEdit *m_baseUrl;
    QLabel *m_auth;
    QPushButton *m_authorize;
    QPushButton *m_oauthPage;
    QPushButton *m_check;
    QLabel *m_checkResult;
    app::RemoteProbe *m_probe; // owned by this
    QPlainTextEdit *m_samples;
    QGroupBox *m_keysBox;
    ApiKeyListModel *m_keys; // owned by this
    QTreeView *m_keyView;
    QLineEdit *m_newKeyName;
    QPushButton *m_createKey;
    QPushButton *m_revokeKey;
    QLabel *m_keyError;
};

} // namespace fhir::ui
