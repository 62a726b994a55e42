#include "apikeylistmodel.h"

#include <QLocale>

using namespace Qt::StringLiterals;

namespace fhir::ui {

ApiKeyListModel::ApiKeyListModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void ApiKeyListModel::setKeys(const QList<app::ApiKey> &keys)
{
    beginResetModel();
    m_keys = keys;
    endResetModel();
}

int ApiKeyListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_keys.size());
}

int ApiKeyListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ApiKeyListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const app::ApiKey &key = m_keys.at(index.row());
    if (role == KeyIdRole)
        return key.id;
    if (role != Qt::DisplayRole)
        return {};
    const QLocale locale;
    switch (index.column()) {
    case NameColumn:
        return key.name;
    case HintColumn:
        return QString(key.hint + u'…');
    case CreatedColumn:
        return locale.toString(key.created.toLocalTime(), QLocale::ShortFormat);
    case LastUsedColumn:
        return key.lastUsed ? locale.toString(key.lastUsed->toLocalTime(), QLocale::ShortFormat)
                            : tr("never");
    }
    return {};
}

QVariant ApiKeyListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case HintColumn:
        return tr("Key");
    case CreatedColumn:
        return tr("Created");
    case LastUsedColumn:
        return tr("Last used");
    }
    return {};
}

} // namespace fhir::ui
