#pragma once

#include "embedded_server/store.h"

#include "schemas/fhirpath/fhirpath.h"
#include "schemas/model.h"

#include <QHash>

#include <memory>
#include <optional>

namespace fhir::server::search {

/// One search parameter of one resource type, as the index knows it.
struct IndexedParam
{
    const schema::SearchParameter *definition = nullptr; ///< owned by the Model
    QString type; ///< the resource type it is indexed for
    qint64 id = 0; ///< search_param.id: the `param` column of the index tables
    std::optional<fhirpath::Expression> expression; ///< parsed once, for this type
    /// For a composite: each component's expression, relative to an element `expression`
    /// reaches (see definition->components for their codes and types).
    QList<std::optional<fhirpath::Expression>> components;
};

/// Keeps the typed index tables (see Store) in step with the resources: evaluates each search
/// parameter's FHIRPath expression of the resource's type and writes one row per value, in the
/// caller's transaction, so a resource and its index rows are committed together.
///
/// _id and _lastUpdated are answered from the `resource` table; special parameters (_text,
/// _content, near...) are not indexed. A composite parameter's components go to
/// `idx_composite`, one group per element its expression reaches (see Store, schema 4).
///
///     Indexer indexer(model, store);
///     if (auto ok = indexer.open(); !ok) return fail(ok.error());   // once, after Store::open
///     Store::Transaction tx(store);
///     store.append(version);
///     indexer.index(version, json);                                  // same transaction
class Indexer
{
public:
    Indexer(std::shared_ptr<const schema::Model> model, Store &store);
    ~Indexer();
    Indexer(const Indexer &) = delete;
    Indexer &operator=(const Indexer &) = delete;

    /// Registers every indexable parameter in search_param, then indexes the resources a
    /// migration queued in index_pending (a database of an older schema). Idempotent.
    Result<bool> open();
    bool isOpen() const;

    /// The indexable parameters of a resource type (expressions parsed on first use), or
    /// null when `code` is not one of them.
    const IndexedParam *param(const QString &type, const QString &code);
    QList<const IndexedParam *> params(const QString &type);

    /// Replaces the index rows of the version's resource: none for a deletion. `resource` is
    /// the version's content, parsed.
    Result<bool> index(const StoredVersion &version, const nlohmann::json &resource);
    /// The same, parsing `version.content`.
    Result<bool> index(const StoredVersion &version);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

/// Whether the indexer writes rows for parameters of this type.
bool isIndexedType(schema::SearchParamType type);

} // namespace fhir::server::search
