#pragma once

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QComboBox;
class QTableView;

namespace fhir::app {
class DeploymentManager;
}

namespace fhir::ui {

class OAuthClientListModel;
class OAuthUserListModel;

/// The OAuth 2.0 page of an embedded deployment: its integrated authorization server on or
/// off (with the discovery URL to give an app), its users (add with a password and an
/// optional Patient or Practitioner they are; remove), and its applications (add a public,
/// confidential or backend one with redirect URIs and allowed scopes; its secret is shown
/// once; remove). The lists are item models (models/oauthlistmodels.h); this stays thin.
class OAuthPageDialog : public QDialog
{
    Q_OBJECT

public:
    OAuthPageDialog(app::DeploymentManager *manager, const QString &deploymentId,
                    QWidget *parent = nullptr);

    OAuthUserListModel *users() const { return m_users; }
    OAuthClientListModel *clients() const { return m_clients; }

Q_SIGNALS:
    /// A new confidential application's secret, for the one time it is shown (tests read it).
    void secretShown(const QString &clientId, const QString &secret);

private:
    void reload();
    void addUser();
    void removeUser();
    void addClient();
    void removeClient();
    void showError(const QString &message);

    app::DeploymentManager *m_manager; // not owned
    QString m_id;
    OAuthUserListModel *m_users;
    OAuthClientListModel *m_clients;
    QCheckBox *m_enabled;
    QLabel *m_discovery;
    QLabel *m_error;
    QTableView *m_userView;
    QLineEdit *m_username;
    QLineEdit *m_password;
    QLineEdit *m_fhirUser;
    QPushButton *m_addUser;
    QPushButton *m_removeUser;
    QTableView *m_clientView;
    QLineEdit *m_clientName;
    QComboBox *m_clientType;
    QPlainTextEdit *m_redirectUris;
    QLineEdit *m_scopes;
    QPushButton *m_addClient;
    QPushButton *m_removeClient;
};

} // namespace fhir::ui
