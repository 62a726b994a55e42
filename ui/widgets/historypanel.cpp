#include "historypanel.h"

#include "ui/models/requesthistorymodel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace fhir::ui {

HistoryPanel::HistoryPanel(app::RequestHistory *history, QWidget *parent)
    : QWidget(parent)
    , m_history(history)
    , m_model(new RequestHistoryModel(history, this))
    , m_view(new QTreeView)
    , m_clear(new QPushButton(tr("C&lear History")))
{
    m_view->setObjectName(u"historyView"_s);
    m_view->setAccessibleName(tr("Request history"));
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAllColumnsShowFocus(true);
    m_view->setModel(m_model);
    m_view->header()->setStretchLastSection(false);
    m_view->header()->setSectionResizeMode(RequestHistoryModel::RequestColumn,
                                           QHeaderView::Stretch);
    m_view->header()->setSectionResizeMode(RequestHistoryModel::TimeColumn,
                                           QHeaderView::ResizeToContents);
    m_clear->setObjectName(u"clearHistoryButton"_s);
    m_clear->setEnabled(false);

    auto *hint = new QLabel(tr("Double-click a request to open it again."));
    hint->setWordWrap(true);
    auto *bottom = new QHBoxLayout;
    bottom->addWidget(hint, 1);
    bottom->addWidget(m_clear);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view, 1);
    layout->addLayout(bottom);

    // activated: double-click, or Enter on the keyboard.
    connect(m_view, &QTreeView::activated, this,
            [this](const QModelIndex &index) { Q_EMIT reopen(m_model->requestAt(index.row())); });
    connect(m_clear, &QPushButton::clicked, this, [this] {
        if (!m_model->deploymentId().isEmpty())
            m_history->clear(m_model->deploymentId());
    });
    auto updateClear = [this] {
        m_clear->setEnabled(m_model->rowCount() > 0);
    };
    connect(m_model, &QAbstractItemModel::modelReset, this, updateClear);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, updateClear);
}

void HistoryPanel::setDeploymentId(const QString &deploymentId)
{
    m_model->setDeploymentId(deploymentId);
}

} // namespace fhir::ui
