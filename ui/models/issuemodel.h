#pragma once

#include "schemas/validator.h"

#include <QAbstractTableModel>
#include <QList>

#include <nlohmann/json.hpp>

namespace fhir::ui {

/// OperationOutcome issues as a table: severity, code, text, expression. Fed either by an
/// OperationOutcome a server returned or by the local validator.
class IssueModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { SeverityColumn, CodeColumn, TextColumn, ExpressionColumn, ColumnCount };
    enum Role { ExpressionRole = Qt::UserRole + 1 }; ///< the first expression of the issue

    struct Issue
    {
        QString severity; ///< fatal, error, warning, information
        QString code;
        QString text; ///< details.text, else diagnostics
        QStringList expressions; ///< expression, else location
    };

    explicit IssueModel(QObject *parent = nullptr);

    /// Reads OperationOutcome.issue; false (and no rows) when `resource` is not one.
    bool setOutcome(const nlohmann::json &resource);
    void setValidationIssues(const QList<schema::ValidationIssue> &issues);
    void clear();
    const QList<Issue> &issues() const { return m_issues; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QList<Issue> m_issues;
};

} // namespace fhir::ui
