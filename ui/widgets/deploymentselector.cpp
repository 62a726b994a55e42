#include "deploymentselector.h"

#include "app/deploymentregistry.h"

#include <QComboBox>
#include <QConcatenateTablesProxyModel>
#include <QHBoxLayout>
#include <QLabel>
#include <QStandardItemModel>

using namespace Qt::StringLiterals;

namespace fhir::ui {

DeploymentSelector::DeploymentSelector(app::DeploymentRegistry *registry, QWidget *parent)
    : QWidget(parent)
    , m_registry(registry)
    , m_actions(new QStandardItemModel(this))
    , m_model(new QConcatenateTablesProxyModel(this))
    , m_combo(new QComboBox)
{
    auto *item = new QStandardItem(QIcon::fromTheme(u"list-add"_s), tr("New Deployment…"));
    item->setToolTip(tr("Create an embedded FHIR server or connect to a remote one"));
    m_actions->appendRow(item);
    m_model->addSourceModel(registry);
    m_model->addSourceModel(m_actions);

    m_combo->setObjectName(u"deploymentCombo"_s);
    m_combo->setAccessibleName(tr("Deployment"));
    m_combo->setToolTip(tr("The FHIR server requests go to"));
    m_combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_combo->setModel(m_model);
    auto *label = new QLabel(tr("&Deployment:"));
    label->setBuddy(m_combo);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(label);
    layout->addWidget(m_combo);
    setFocusProxy(m_combo);

    connect(m_combo, &QComboBox::activated, this, &DeploymentSelector::onActivated);
    // Rows come and go with the registry; keep showing the selected one.
    connect(m_model, &QAbstractItemModel::rowsInserted, this,
            [this] { setCurrentId(m_currentId); });
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, [this] { setCurrentId(m_currentId); });
    setCurrentId(registry->currentId());
}

QString DeploymentSelector::currentId() const
{
    return m_currentId;
}

void DeploymentSelector::setCurrentId(const QString &id)
{
    m_currentId = m_registry->indexOf(id) >= 0 ? id : QString();
    m_combo->setCurrentIndex(m_registry->indexOf(m_currentId));
}

void DeploymentSelector::onActivated(int row)
{
    if (row >= m_registry->rowCount()) { // "New Deployment…"
        setCurrentId(m_currentId);
        Q_EMIT newDeploymentRequested();
        return;
    }
    const QString id = m_registry->index(row).data(app::DeploymentRegistry::IdRole).toString();
    if (id == m_currentId)
        return;
    m_currentId = id;
    Q_EMIT deploymentChosen(id);
}

} // namespace fhir::ui
