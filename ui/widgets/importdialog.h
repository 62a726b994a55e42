#pragma once

#include <QDialog>
#include <QStringList>

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;

namespace fhir::ui {

/// An import of FHIR JSON files into one embedded deployment, as the user watches it: the
/// files, a progress bar in bytes with Cancel, then what came of it: per file how many
/// resources loaded, and each entry or NDJSON line that did not, with why.
///
///     auto *dialog = new ImportDialog(id, entry->name, paths, window);
///     connect(manager, &DeploymentManager::loadProgress, dialog, &ImportDialog::setProgress);
///     connect(manager, &DeploymentManager::loadFinished, dialog, &ImportDialog::setFinished);
///     connect(dialog, &ImportDialog::cancelRequested, manager, &DeploymentManager::cancelLoad);
class ImportDialog : public QDialog
{
    Q_OBJECT

public:
    ImportDialog(const QString &deploymentId, const QString &deploymentName,
                 const QStringList &paths, QWidget *parent = nullptr);
    ~ImportDialog() override;

    QString deploymentId() const { return m_id; }
    bool isFinished() const { return m_finished; }

public Q_SLOTS:
    /// Bytes read of all the files; other deployments' progress is ignored.
    void setProgress(const QString &deploymentId, qint64 done, qint64 total);
    /// The import's report (see fhir::server::FileImportReport::text()).
    void setFinished(const QString &deploymentId, bool ok, const QString &report);
    /// The import could not start at all.
    void setRefused(const QString &why);

Q_SIGNALS:
    void cancelRequested(const QString &deploymentId);

protected:
    void reject() override; ///< Escape or closing the window while importing cancels first

private:
    QString m_id;
    bool m_finished = false;
    bool m_cancelled = false;
    QLabel *m_headline; // owned by the widget tree
    QProgressBar *m_progress;
    QPlainTextEdit *m_report;
    QPushButton *m_cancel;
    QPushButton *m_close;
};

} // namespace fhir::ui
