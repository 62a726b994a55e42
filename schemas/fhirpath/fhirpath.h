#pragma once

#include "schemas/fhirpath/value.h"
#include "schemas/result.h"

#include <QDateTime>
#include <QHash>
#include <QString>

#include <functional>
#include <memory>

namespace fhir::schema {
class Model;
}

namespace fhir::fhirpath {

struct Node;

/// What an evaluation can see beyond the resource: the FHIR model (for choice elements and
/// FHIR types), the caller's %variables, a resolver for resolve(), and the clock.
struct Environment
{
    /// With a model, `Observation.value` reaches `valueQuantity` and `is/as/ofType` know FHIR
    /// types; without one the engine navigates the JSON as it is.
    std::shared_ptr<const schema::Model> model;
    /// %name variables; each one a collection.
    QHash<QString, Collection> variables;
    /// Called by resolve() for a reference that is neither contained nor in the Bundle; returns
    /// the resource, or null. The JSON must outlive the evaluation's result.
    std::function<const nlohmann::json *(const QString &reference)> resolver;
    /// now(), today() and timeOfDay(); the current time when invalid.
    QDateTime now;
    /// Called by trace(name); none by default.
    std::function<void(const QString &name, const Collection &items)> tracer;
};

/// A compiled FHIRPath expression (FHIRPath normative release with the FHIR R4 additions).
/// Parse once, evaluate many times, from any thread: evaluate() is const and thread-safe.
///
/// Choices this engine makes where the specification leaves room or FHIR needs it:
/// - `as` (operator and function) filters a collection of several items like ofType(), as the
///   R4 search expressions need, instead of failing;
/// - Decimals are doubles that remember their written scale (about 15 significant digits);
/// - matches() finds the pattern anywhere in the string (use ^...$ for the whole string);
/// - htmlChecks() is true (the validator checks the narrative); conformsTo() is not provided;
/// - unknown functions and wrong argument counts are syntax errors, found by parse().
///
///     auto expr = Expression::parse(u"Patient.name.where(use = 'official').given"_s);
///     if (!expr) return fail(expr.error());   // "1:13: expected ')' ..."
///     Environment env{ model };
///     Result<Collection> names = expr->evaluate(patientJson, env);
class Expression
{
public:
    /// Syntax errors name the position as "line:column" and say what was expected.
    static Result<Expression> parse(const QString &text);

    /// Evaluates with `resource` as %resource, %rootResource and %context (and the input).
    /// Runtime errors (single() on many items, a string added to a number...) come back as
    /// an Error. The result may point into `resource`, which must outlive it.
    Result<Collection> evaluate(const nlohmann::json &resource, const Environment &env) const;
    /// Evaluates on a given input collection (for example one element of a resource, when a
    /// constraint is checked on it); `resource` is %resource.
    Result<Collection> evaluate(const Collection &input, const nlohmann::json &resource,
                                const Environment &env) const;

    QString text() const;
    /// The tree, for tests and debugging: "(Patient.name).where(...)".
    QString dump() const;

private:
    Expression() = default;
    QString m_text;
    std::shared_ptr<const Node> m_root;
};

/// `value` as a node of the FHIR type `fhirType` ("Range", "Patient"), typed through
/// env.model when there is one: the input for evaluate() when a rule applies to a data type.
/// The item points into `value`, which must outlive it.
Item typedNode(const nlohmann::json &value, const QString &fhirType, const Environment &env);

/// Convenience for the common case: true/false for a singleton Boolean, empty for empty.
std::optional<bool> toBoolean(const Collection &items);

} // namespace fhir::fhirpath
