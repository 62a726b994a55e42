#pragma once

#include "principal.h"

#include "embedded_server/search/searchengine.h"

#include "schemas/model.h"

#include <memory>
#include <optional>

namespace fhir::server {

namespace search {
class Indexer;
}

/// A condition in SQL over the resource table `r`, with the values of its `?` in order.
/// Empty text: every resource.
struct SqlCondition
{
    QByteArray text;
    QList<search::SqlValue> values;

    bool isEverything() const { return text.isEmpty(); }
};

/// What a principal's scopes open, as SQL the interactions AND into their own queries, so a
/// search, a read, an _include or a $everything sees only what the token may see, and a
/// write is checked on the resource as written (SMART App Launch 2.x,
/// scopes-and-launch-context.html). Scopes combine as a union.
///
/// - `system/` scopes, and `user/` scopes of a user who is not a Patient, open every resource
///   of their type.
/// - `patient/` scopes open the compartment of the patient in context (CompartmentDefinition
///   patient: the Patient, and what refers to it through the compartment's parameters);
///   `user/` scopes of a user whose fhirUser is a Patient open that patient's compartment.
///   Types outside the compartment (Practitioner, Organization, Medication...) hold no
///   patient's record: such a scope may read and search them, never write them.
/// - A granular scope (`patient/Observation.rs?category=...`) adds its search as a condition;
///   one this server cannot compile opens nothing, never more.
///
///     AccessPolicy policy(model, indexer, engine);
///     auto reach = policy.reach(principal, u"Observation"_s, Search, baseUrl, now);
///     if (!reach) return forbidden();           // no scope gives Search on Observation
///     criteria.where += " AND (" + reach->text + ")";   // unless reach->isEverything()
class AccessPolicy
{
public:
    AccessPolicy(std::shared_ptr<const schema::Model> model, search::Indexer &indexer,
                 search::SearchEngine &engine);

    /// The resources of `type` (of every type when empty) on which `principal` has
    /// `permission`: nothing when no scope gives it, an empty condition when every one.
    std::optional<SqlCondition> reach(const Principal &principal, const QString &type,
                                      Permission permission, const QString &baseUrl, qint64 nowMs);
    /// Whether `principal` has `permission` on every resource of every type, with no
    /// condition: the owner, `system/*.x`, or `user/*.x` of a user who is not a Patient.
    static bool unrestricted(const Principal &principal, Permission permission);

private:
    std::optional<SqlCondition> scopeReach(const Principal &principal, const ResourceScope &scope,
                                           const QString &type, Permission permission,
                                           const QString &baseUrl, qint64 nowMs);
    /// The compartment of Patient `patient` among resources of `type` (every type when
    /// empty); nothing when `type` has no compartment and `permission` writes.
    std::optional<SqlCondition> compartment(const QString &patient, const QString &type,
                                            Permission permission);

    std::shared_ptr<const schema::Model> m_model;
    search::Indexer &m_indexer; // not owned
    search::SearchEngine &m_engine; // not owned
};

} // namespace fhir::server
