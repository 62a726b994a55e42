#include "requesthistorymodel.h"

#include <QLocale>

using namespace Qt::StringLiterals;

namespace fhir::ui {

RequestHistoryModel::RequestHistoryModel(app::RequestHistory *history, QObject *parent)
    : QAbstractTableModel(parent)
    , m_history(history)
{
    connect(history, &app::RequestHistory::entryAdded, this, &RequestHistoryModel::onEntryAdded);
    connect(history, &app::RequestHistory::cleared, this, &RequestHistoryModel::onCleared);
}

RequestHistoryModel::~RequestHistoryModel() = default;

void RequestHistoryModel::setDeploymentId(const QString &deploymentId)
{
    beginResetModel();
    m_deploymentId = deploymentId;
    m_entries = m_history && !deploymentId.isEmpty() ? m_history->entries(deploymentId)
                                                     : QList<app::HistoryEntry>();
    endResetModel();
}

app::ApiRequest RequestHistoryModel::requestAt(int row) const
{
    return row >= 0 && row < m_entries.size() ? m_entries.at(row).request : app::ApiRequest();
}

QString RequestHistoryModel::requestLine(const app::ApiRequest &request)
{
    QString line = QString::fromLatin1(request.method) + u' '
        + (request.path.isEmpty() ? u"/"_s : request.path);
    // Decoded, as people read it; the request itself keeps the exact items.
    QChar separator = request.path.contains(u'?') ? u'&' : u'?';
    for (const auto &[name, value] : request.query) {
        line += separator + name + u'=' + value;
        separator = u'&';
    }
    return line;
}

int RequestHistoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int RequestHistoryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RequestHistoryModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const app::HistoryEntry &e = m_entries.at(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case TimeColumn:
            return QLocale().toString(e.time.toLocalTime(), QLocale::ShortFormat);
        case RequestColumn:
            return requestLine(e.request);
        case StatusColumn:
            return e.status ? QString::number(e.status) : tr("no response");
        case ElapsedColumn:
            return tr("%1 ms").arg(e.elapsedMs);
        }
    }
    if (role == Qt::ToolTipRole) {
        QString tip
            = e.time.toLocalTime().toString(Qt::ISODateWithMs) + u'\n' + requestLine(e.request);
        if (e.bodyOmitted)
            tip += u'\n' + tr("The body was too large to keep.");
        return tip;
    }
    if (role == Qt::TextAlignmentRole
        && (index.column() == StatusColumn || index.column() == ElapsedColumn))
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant RequestHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case RequestColumn:
        return tr("Request");
    case StatusColumn:
        return tr("Status");
    case ElapsedColumn:
        return tr("Elapsed");
    }
    return {};
}

void RequestHistoryModel::onEntryAdded(const QString &deploymentId, const app::HistoryEntry &entry)
{
    if (deploymentId != m_deploymentId)
        return;
    beginInsertRows({}, 0, 0);
    m_entries.prepend(entry);
    endInsertRows();
    // The history dropped its oldest entries past its limit; so do we.
    const int limit = m_history ? m_history->limit() : int(m_entries.size());
    if (m_entries.size() > limit) {
        beginRemoveRows({}, limit, int(m_entries.size()) - 1);
        m_entries.resize(limit);
        endRemoveRows();
    }
}

void RequestHistoryModel::onCleared(const QString &deploymentId)
{
    if (deploymentId != m_deploymentId || m_entries.isEmpty())
        return;
    beginResetModel();
    m_entries.clear();
    endResetModel();
}

} // namespace fhir::ui
