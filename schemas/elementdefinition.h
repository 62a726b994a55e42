#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <optional>

namespace fhir::schema {

/// One allowed type of an element (ElementDefinition.type).
struct TypeRef
{
    QString code; ///< FHIR type name: "HumanName", "string", "Reference"
    QString systemType; ///< FHIRPath System type for primitive values ("String"), else empty
    QStringList targetProfiles; ///< for Reference / canonical: allowed target profiles
    QStringList profiles; ///< profiles the type must conform to ("SimpleQuantity")
    QString regex; ///< value regex, for the `value` of primitive types

    /// Target resource type names, from the target profiles ("Patient", "Group"...).
    QStringList targetTypes() const;
};

/// An invariant (ElementDefinition.constraint).
struct Constraint
{
    QString key; ///< "pat-1"
    QString severity; ///< "error" | "warning"
    QString human; ///< the rule in words
    QString expression; ///< the rule in FHIRPath
    bool ownDefinition; ///< defined by this type, not inherited from Element/Resource
};

enum class BindingStrength { Required, Extensible, Preferred, Example, Unknown };

/// A terminology binding (ElementDefinition.binding).
struct Binding
{
    BindingStrength strength = BindingStrength::Unknown;
    QString valueSet; ///< canonical URL without version
    QString valueSetVersion; ///< the "|4.0.1" part, when given
    QString name; ///< "AdministrativeGender"
    QString description;

    static QString strengthName(BindingStrength strength);
};

/// A fixed[x] or pattern[x] value, as its FHIR type and its JSON value.
struct FixedValue
{
    QString type;
    nlohmann::json value;

    QString text() const; ///< compact JSON, for display
};

/// One element of a type's snapshot (ElementDefinition), with what a developer reads in the
/// spec's tables: cardinality, types, flags, texts, invariants, binding.
struct ElementDefinition
{
    QString path; ///< as defined: "Patient.name", "Observation.value[x]"
    QString basePath; ///< where it was first defined, when elsewhere: "Resource.id"
    int min = 0;
    QString max; ///< "1", "*", "0"
    QList<TypeRef> types;
    QString contentReference; ///< "#Questionnaire.item": same definition as that element
    QString shortText;
    QString definition;
    QString comment;
    QString requirements;
    QString meaningWhenMissing;
    QString modifierReason;
    bool isSummary = false; ///< Σ
    bool isModifier = false; ///< ?!
    bool mustSupport = false;
    QList<Constraint> constraints;
    QStringList conditions; ///< keys of invariants that refer to this element
    std::optional<FixedValue> fixed;
    std::optional<FixedValue> pattern;
    std::optional<Binding> binding;

    /// Last path segment: "name", "value[x]".
    QString name() const;
    bool isChoice() const { return path.endsWith(QLatin1String("[x]")); }
    bool isArray() const { return max != QLatin1String("1") && max != QLatin1String("0"); }
    bool isRoot() const { return !path.contains(QLatin1Char('.')); }
    /// "0..1", "1..*"
    QString cardinality() const;
    /// The spec's "I" flag: has invariants of its own, or is referred to by one.
    bool hasInvariants() const;
    /// "HumanName", "Reference(Patient | Group)", "Quantity | CodeableConcept | string".
    QString typeSummary() const;
};

} // namespace fhir::schema
