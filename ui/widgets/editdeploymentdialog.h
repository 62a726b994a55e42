#pragma once

#include "app/deploymentregistry.h"

#include <QDialog>
#include <QHash>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace fhir::ui {

/// Changes a deployment: its name; for a remote endpoint also its base URL and extra headers.
/// Credentials stay in the keychain: each stored one is kept unless unticked, and one typed
/// again replaces it. The dialog asks; the caller saves:
///
///     connect(dialog, &EditDeploymentDialog::saveRequested, ...
///         auto saved = manager->editDeployment(entry, secrets);
///         saved ? dialog->accept() : dialog->showError(saved.error()); });
class EditDeploymentDialog : public QDialog
{
    Q_OBJECT

public:
    explicit EditDeploymentDialog(const app::DeploymentEntry &entry, QWidget *parent = nullptr);
    ~EditDeploymentDialog() override;

    QString deploymentId() const { return m_entry.id; }
    void showError(const QString &message);

Q_SIGNALS:
    /// `entry.secretHeaders` names the stored credentials to keep; `newSecretHeaders` are
    /// the ones typed (to the keychain).
    void saveRequested(const fhir::app::DeploymentEntry &entry,
                       const QList<QPair<QByteArray, QByteArray>> &newSecretHeaders);

private:
    void save();

    app::DeploymentEntry m_entry;
    QLineEdit *m_name; // owned by the widget tree
    QLineEdit *m_baseUrl = nullptr; // remote only
    QPlainTextEdit *m_headers = nullptr;
    QHash<QByteArray, QCheckBox *> m_keepSecret;
    QLabel *m_error;
};

} // namespace fhir::ui
