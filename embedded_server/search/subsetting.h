#pragma once

#include "searchengine.h"

#include <nlohmann/json.hpp>

#include <QHash>

#include <optional>

namespace fhir::server::search {

/// Applies `_summary` and `_elements` to resources (search.html#summary, #elements): the
/// top-level elements asked for, plus those the spec keeps (resourceType, id, meta and the
/// mandatory elements), and the SUBSETTED tag in meta.tag of every resource it trims.
/// _summary=true trims at every level: inside data types and backbone elements only the
/// elements marked Σ stay (Observation.component keeps code and value, not interpretation).
/// `_elements` keeps the top-level elements it names whole; contained resources stay whole.
///
///     Subsetter subsetter(model);
///     subsetter.apply(resource, Summary::True, {});
class Subsetter
{
public:
    explicit Subsetter(std::shared_ptr<const schema::Model> model);

    /// Trims `resource` in place. Returns false when nothing applies (Summary::False or
    /// Count with no _elements).
    bool apply(nlohmann::ordered_json &resource, Summary summary, const QStringList &elements);

private:
    struct TypeElements
    {
        QStringList summary; ///< top-level element names marked Σ ("value[x]" kept as "value[x]")
        QStringList mandatory; ///< top-level elements with min > 0
    };
    const TypeElements &elementsOf(const QString &type);
    /// The names of the Σ children of the element at an instance path ("Patient.contact",
    /// "Observation.valueQuantity"), or null when it is kept whole: a primitive, a resource,
    /// or a path the model does not know.
    const QStringList *summaryChildren(const QString &path);
    /// Keeps only the Σ elements in `value` (an object or an array of them) and below.
    void trimToSummary(nlohmann::ordered_json &value, const QString &path);

    std::shared_ptr<const schema::Model> m_model;
    QHash<QString, TypeElements> m_cache;
    QHash<QString, std::optional<QStringList>> m_summaryChildren; // by instance path
};

} // namespace fhir::server::search
