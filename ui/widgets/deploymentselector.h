#pragma once

#include <QWidget>

class QComboBox;
class QConcatenateTablesProxyModel;
class QStandardItemModel;

namespace fhir::app {
class DeploymentRegistry;
}

namespace fhir::ui {

/// The deployment drop-down of the tool bar: the registry's embedded and remote entries, then
/// "New Deployment…", which asks for a new one instead of selecting anything.
class DeploymentSelector : public QWidget
{
    Q_OBJECT

public:
    explicit DeploymentSelector(app::DeploymentRegistry *registry, QWidget *parent = nullptr);

    QString currentId() const;
    /// Shows `id` as selected without emitting deploymentChosen.
    void setCurrentId(const QString &id);

Q_SIGNALS:
    void deploymentChosen(const QString &id);
    void newDeploymentRequested();

private:
    void onActivated(int row);

    app::DeploymentRegistry *m_registry; // not owned
    QStandardItemModel *m_actions; // owned by this
    QConcatenateTablesProxyModel *m_model; // owned by this
    QComboBox *m_combo; // owned by the widget tree
    QString m_currentId;
};

} // namespace fhir::ui
