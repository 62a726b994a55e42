#pragma once

// Internal: fast child lookup over the Model for the evaluator, cached per Model.

#include <QHash>
#include <QReadWriteLock>
#include <QString>
#include <QStringList>

#include <atomic>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

namespace fhir::schema {
class Model;
struct ElementDefinition;
} // namespace fhir::schema

namespace fhir::fhirpath {

/// Where a node of an instance sits in the model: its FHIR type, and the snapshot element
/// whose children are its children.
class TypeNode;

/// A child element as the JSON spells it: one option, or one per type of a choice.
struct ChildOption
{
    std::string jsonName; ///< "valueQuantity"
    std::string extensionName; ///< "_valueQuantity"
    const TypeNode *type = nullptr;
};
using ChildOptions = QList<ChildOption>;

/// A node's children, by FHIRPath name ("value" for value[x]), and all of them in order.
struct ChildMap
{
    QHash<QString, ChildOptions> byName;
    ChildOptions all;
};

/// Where a node of an instance sits in the model: its FHIR type, and the snapshot element
/// whose children are its children.
class TypeNode
{
public:
    /// How a value of this type reads as a System value, beyond the JSON's own type.
    enum class Special { None, Date, DateTime, Time, Decimal, Quantity, AnyResource };

    QString typeName; ///< "HumanName", "BackboneElement", "string", "Patient"
    QString definedIn; ///< the type whose snapshot holds the children
    QString definitionPath; ///< "Patient.contact", or the type name for a data type
    Special special = Special::None;
    QStringList ancestors; ///< base types, nearest first: "Element", "Base"
    /// Built on first use under the index's lock, then read without it.
    mutable std::atomic<const ChildMap *> children{nullptr};
};

class ModelIndex
{
public:
    /// The index for a model, shared by every evaluation that uses it.
    static std::shared_ptr<ModelIndex> of(const std::shared_ptr<const schema::Model> &model);

    /// `model` must outlive every use of the index (evaluations hold it through Environment).
    explicit ModelIndex(const schema::Model *model);
    const schema::Model &model() const { return *m_model; }

    /// The node for a type's root (a resource or a data type), or null for unknown types.
    const TypeNode *typeRoot(const QString &typeName);
    /// The child `name` of a node; null when the model has no such element.
    const ChildOptions *child(const TypeNode *parent, const QString &name);
    /// All children (for children() and descendants()), in the snapshot's order.
    const ChildOptions *allChildren(const TypeNode *parent);

private:
    struct TypeDefs
    {
        QHash<QString, const schema::ElementDefinition *> byPath;
        QHash<QString, QList<const schema::ElementDefinition *>> childrenOf;
    };
    const TypeDefs *defs(const QString &typeName); // caller holds the write lock
    const TypeNode *node(const QString &typeName, const QString &definedIn,
                         const QString &definitionPath); // caller holds the write lock
    ChildOptions optionsFor(const QString &definedIn, const schema::ElementDefinition &def);
    const ChildMap *childMap(const TypeNode *parent);

    const schema::Model *m_model; // not owned: the registry must not keep models alive
    QReadWriteLock m_lock;
    std::deque<TypeNode> m_nodes; // stable addresses
    QHash<QString, const TypeNode *> m_nodeByKey;
    QHash<QString, const TypeNode *> m_roots; // type name -> its root node
    std::unordered_map<QString, TypeDefs> m_defs; // node-based: pointers stay valid
    std::deque<ChildMap> m_childMaps;
};

} // namespace fhir::fhirpath
