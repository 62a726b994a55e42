#include "issuemodel.h"

#include "ui/models/jsonfields.h"

using namespace Qt::StringLiterals;
using Json = nlohmann::json;

namespace fhir::ui {

IssueModel::IssueModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

bool IssueModel::setOutcome(const Json &resource)
{
    beginResetModel();
    m_issues.clear();
    const bool isOutcome = jsonfields::text(resource, "resourceType") == u"OperationOutcome"_s;
    if (isOutcome) {
        if (const auto list = resource.find("issue"); list != resource.end() && list->is_array()) {
            for (const Json &issue : *list) {
                Issue i;
                i.severity = jsonfields::text(issue, "severity");
                i.code = jsonfields::text(issue, "code");
                i.text = jsonfields::text(jsonfields::member(issue, "details"), "text");
                if (i.text.isEmpty())
                    i.text = jsonfields::text(issue, "diagnostics");
                i.expressions = jsonfields::strings(issue, "expression");
                if (i.expressions.isEmpty())
                    i.expressions = jsonfields::strings(issue, "location");
                m_issues.append(i);
            }
        }
    }
    endResetModel();
    return isOutcome;
}

void IssueModel::setValidationIssues(const QList<schema::ValidationIssue> &issues)
{
    beginResetModel();
    m_issues.clear();
    for (const schema::ValidationIssue &issue : issues) {
        m_issues.append(
            {issue.severity == schema::ValidationIssue::Severity::Error ? u"error"_s : u"warning"_s,
             issue.code,
             issue.message,
             {issue.expression}});
    }
    endResetModel();
}

void IssueModel::clear()
{
    beginResetModel();
    m_issues.clear();
    endResetModel();
}

int IssueModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_issues.size());
}

int IssueModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant IssueModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this)
        return {};
    const Issue &issue = m_issues.at(index.row());
    if (role == ExpressionRole)
        return issue.expressions.value(0);
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case SeverityColumn:
        return issue.severity;
    case CodeColumn:
        return issue.code;
    case TextColumn:
        return issue.text;
    case ExpressionColumn:
        return issue.expressions.join(u", "_s);
    default:
        return {};
    }
}

QVariant IssueModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case SeverityColumn:
        return tr("Severity");
    case CodeColumn:
        return tr("Code");
    case TextColumn:
        return tr("Details");
    case ExpressionColumn:
        return tr("Where");
    default:
        return {};
    }
}

} // namespace fhir::ui
