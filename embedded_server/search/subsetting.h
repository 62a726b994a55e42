#pragma once

#include "searchengine.h"

#include <nlohmann/json.hpp>

#include <QHash>

namespace fhir::server::search {

/// Applies `_summary` and `_elements` to resources (search.html#summary, #elements): the
/// top-level elements asked for, plus those the spec keeps (resourceType, id, meta and the
/// mandatory elements), and the SUBSETTED tag in meta.tag of every resource it trims.
/// Nested elements are kept whole.
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

    std::shared_ptr<const schema::Model> m_model;
    QHash<QString, TypeElements> m_cache;
};

} // namespace fhir::server::search
