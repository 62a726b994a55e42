#pragma once

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;

namespace fhir::ui {

/// Paste an API key for the current deployment; Logout forgets the one in use. The dialog
/// only asks: the caller stores (DeploymentManager::setApiKey) or forgets (logout).
///
///     AuthorizeDialog dialog(endpoint.name, !endpoint.apiKey.isEmpty(), this);
///     connect(&dialog, &AuthorizeDialog::authorizeRequested, manager, ...);
class AuthorizeDialog : public QDialog
{
    Q_OBJECT

public:
    AuthorizeDialog(const QString &deploymentName, bool authorized, QWidget *parent = nullptr);

    QByteArray apiKey() const;

Q_SIGNALS:
    void authorizeRequested(const QByteArray &apiKey);
    void logoutRequested();

private:
    void updateButtons();

    QLineEdit *m_keyEdit; // owned by the widget tree
    QPushButton *m_authorize;
    QPushButton *m_logout;
};

} // namespace fhir::ui
