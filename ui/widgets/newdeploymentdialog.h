#pragma once

#include "app/deploymentregistry.h"
#include "schemas/result.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QStackedWidget;

namespace fhir::app {
class RemoteProbe;
}

namespace fhir::ui {

/// Headers typed one per line as "Name: value", split into plain ones and credentials
/// (app::isSecretHeader), which belong in the keychain.
struct TypedHeaders
{
    QList<QPair<QByteArray, QByteArray>> plain;
    QList<QPair<QByteArray, QByteArray>> secret;
};
Result<TypedHeaders> parseHeaderLines(const QString &text);

/// A new deployment: an embedded server (name, port, API key on or off, synthetic patients to
/// preload, then a progress bar with Cancel) or a remote endpoint (name, base URL, extra
/// headers, a Check of its /metadata). The dialog asks; the caller creates:
///
///     connect(&dialog, &NewDeploymentDialog::createEmbeddedRequested, ...
///         auto made = manager->createEmbedded(entry, patients);
///         made ? dialog.showLoading(made->id, patients) : dialog.showError(made.error()); });
class NewDeploymentDialog : public QDialog
{
    Q_OBJECT

public:
    explicit NewDeploymentDialog(QWidget *parent = nullptr);
    ~NewDeploymentDialog() override;

    /// The form again, with why the last request failed.
    void showError(const QString &message);
    /// The progress page for a load of `patients` patients into deployment `id`.
    void showLoading(const QString &id, int patients);
    /// Progress of the deployment's load; other ids are ignored.
    void setProgress(const QString &id, qint64 done, qint64 total);
    void setLoadFinished(const QString &id, bool ok, const QString &report);

Q_SIGNALS:
    void createEmbeddedRequested(const fhir::app::DeploymentEntry &entry, int patients);
    void addRemoteRequested(const fhir::app::DeploymentEntry &entry,
                            const QList<QPair<QByteArray, QByteArray>> &secretHeaders);
    void cancelLoadRequested(const QString &id);

private:
    QWidget *embeddedForm();
    QWidget *remoteForm();
    QWidget *progressPage();
    void create();
    void checkRemote();

    QRadioButton *m_embeddedChoice; // owned by the widget tree
    QRadioButton *m_remoteChoice;
    QStackedWidget *m_forms;
    QStackedWidget *m_pages;
    QLabel *m_error;
    // Embedded
    QLineEdit *m_embeddedName;
    QSpinBox *m_port;
    QCheckBox *m_requireKey;
    QLabel *m_noAuthWarning;
    QComboBox *m_preload;
    // Remote
    QLineEdit *m_remoteName;
    QLineEdit *m_baseUrl;
    QPlainTextEdit *m_headers;
    QPushButton *m_check;
    QLabel *m_probeResult;
    app::RemoteProbe *m_probe; // owned by this
    // Progress
    QLabel *m_progressLabel;
    QProgressBar *m_progress;
    QPushButton *m_cancelLoad;
    QPushButton *m_closeAfterLoad;
    QPushButton *m_create;
    QString m_loadingId;
};

} // namespace fhir::ui
