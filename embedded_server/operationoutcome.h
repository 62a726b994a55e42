#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

namespace fhir::server {

/// OperationOutcome.issue.severity
enum class IssueSeverity { Fatal, Error, Warning, Information };

/// One OperationOutcome.issue: what went wrong, where (FHIRPath expressions such as
/// "Patient.birthDate") and the spec's issue-type code ("invalid", "not-found", "processing").
struct Issue
{
    IssueSeverity severity = IssueSeverity::Error;
    QString code;
    QString diagnostics;
    QStringList expression;
};

/// Builds the OperationOutcome resource the server returns with every error status.
///
///     auto body = operationOutcome({{IssueSeverity::Error, u"not-found"_s,
///                                    u"Patient/123 is not known"_s, {}}});
nlohmann::json operationOutcome(const QList<Issue> &issues);

QString severityName(IssueSeverity severity);

} // namespace fhir::server
