#pragma once

#include "app/requesthistory.h"

#include <QAbstractTableModel>
#include <QPointer>

namespace fhir::ui {

/// One deployment's request history as a table, newest first: time, request line, status,
/// elapsed milliseconds. Follows the RequestHistory as requests are recorded.
class RequestHistoryModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TimeColumn, RequestColumn, StatusColumn, ElapsedColumn, ColumnCount };

    explicit RequestHistoryModel(app::RequestHistory *history, QObject *parent = nullptr);
    ~RequestHistoryModel() override;

    /// Shows another deployment's history (empty: none).
    void setDeploymentId(const QString &deploymentId);
    QString deploymentId() const { return m_deploymentId; }

    /// The request of a row, secrets already removed, ready to run again.
    app::ApiRequest requestAt(int row) const;
    /// "GET Patient?name=x" as the row shows it.
    static QString requestLine(const app::ApiRequest &request);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    void onEntryAdded(const QString &deploymentId, const app::HistoryEntry &entry);
    void onCleared(const QString &deploymentId);

    QPointer<app::RequestHistory> m_history;
    QString m_deploymentId;
    QList<app::HistoryEntry> m_entries; // newest first, as the history holds them
};

} // namespace fhir::ui
