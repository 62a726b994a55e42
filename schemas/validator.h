#pragma once

#include "schemas/model.h"

#include <QList>
#include <QString>

#include <nlohmann/json.hpp>

#include <memory>

namespace fhir::schema {

/// One problem found in a resource, shaped like an OperationOutcome.issue.
struct ValidationIssue
{
    enum class Severity { Error, Warning };
    Severity severity = Severity::Error;
    /// The spec's issue-type code: "structure", "required", "value", "code-invalid", "invalid".
    QString code;
    QString message;
    /// Where, as a FHIRPath location with indexes: "Patient.name[0].given[1]".
    QString expression;
};

/// Checks a FHIR JSON resource against the model built from the spec's definitions: the
/// resource type, unknown elements, cardinality (min, max, arrays), JSON types and the spec's
/// regexes for primitive values, `_element` companions of primitives, choice elements (one type
/// at most), required bindings whose value set the spec's files define, and contained or
/// nested resources. Invariants (FHIRPath constraints) are not checked here.
/// Thread-safe; cheap to keep for the life of the model.
///
///     Validator validator(model);
///     for (const ValidationIssue &issue : validator.validate(resource))
///         qWarning() << issue.expression << issue.message;
class Validator
{
public:
    explicit Validator(std::shared_ptr<const Model> model);
    ~Validator();
    Validator(const Validator &) = delete;
    Validator &operator=(const Validator &) = delete;

    /// Every problem in `resource`; empty when it is valid. With `expectedType`, the resource
    /// must also be of that type (a create on /Patient must carry a Patient).
    QList<ValidationIssue> validate(const nlohmann::json &resource,
                                    const QString &expectedType = {}) const;

    /// The deepest JSON nesting accepted; deeper input is reported, not walked.
    static constexpr int kMaxDepth = 64;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace fhir::schema
