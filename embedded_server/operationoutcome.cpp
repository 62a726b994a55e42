#include "operationoutcome.h"

namespace fhir::server {

QString severityName(IssueSeverity severity)
{
    switch (severity) {
    case IssueSeverity::Fatal:
        return QStringLiteral("fatal");
    case IssueSeverity::Error:
        return QStringLiteral("error");
    case IssueSeverity::Warning:
        return QStringLiteral("warning");
    case IssueSeverity::Information:
        return QStringLiteral("information");
    }
    return QStringLiteral("error");
}

nlohmann::json operationOutcome(const QList<Issue> &issues)
{
    nlohmann::json list = nlohmann::json::array();
    for (const Issue &issue : issues) {
        nlohmann::json entry = {
            {"severity", severityName(issue.severity).toStdString()},
            {"code", issue.code.isEmpty() ? std::string("processing") : issue.code.toStdString()}};
        if (!issue.diagnostics.isEmpty())
            entry["diagnostics"] = issue.diagnostics.toStdString();
        if (!issue.expression.isEmpty()) {
            nlohmann::json expressions = nlohmann::json::array();
            for (const QString &e : issue.expression)
                expressions.push_back(e.toStdString());
            entry["expression"] = std::move(expressions);
        }
        list.push_back(std::move(entry));
    }
    // OperationOutcome.issue is 1..*: an empty list still says that all went well.
    if (list.empty())
        list.push_back(
            {{"severity", "information"}, {"code", "informational"}, {"diagnostics", "All OK"}});
    return {{"resourceType", "OperationOutcome"}, {"issue", std::move(list)}};
}

} // namespace fhir::server
