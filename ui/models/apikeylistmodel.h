#pragma once

#include "app/apikey.h"

#include <QAbstractTableModel>

namespace fhir::ui {

/// An embedded deployment's API keys: name, the key's first characters, created, last used.
/// Never a secret: the store does not have them.
class ApiKeyListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { NameColumn, HintColumn, CreatedColumn, LastUsedColumn, ColumnCount };
    enum Role { KeyIdRole = Qt::UserRole + 1 };

    explicit ApiKeyListModel(QObject *parent = nullptr);

    void setKeys(const QList<app::ApiKey> &keys);
    const QList<app::ApiKey> &keys() const { return m_keys; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QList<app::ApiKey> m_keys;
};

} // namespace fhir::ui
