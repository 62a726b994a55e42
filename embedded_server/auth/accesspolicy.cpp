#include "accesspolicy.h"

#include "embedded_server/search/indexer.h"

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

QByteArray placeholders(qsizetype n)
{
    QByteArray out;
    for (qsizetype i = 0; i < n; ++i)
        out += i == 0 ? "?" : ", ?";
    return out;
}

/// The patient whose compartment a scope is confined to; empty when it is not confined.
QString confinement(const Principal &principal, const ResourceScope &scope)
{
    switch (scope.context) {
    case ScopeContext::Patient:
        return principal.patient;
    case ScopeContext::User:
        return principal.userPatient();
    case ScopeContext::System:
        break;
    }
    return {};
}

/// The conditions joined by `op` (" AND ", " OR "), each in parentheses; none: everything.
SqlCondition joined(const QList<SqlCondition> &conditions, const QByteArray &op)
{
    if (conditions.size() == 1)
        return conditions.first();
    SqlCondition out;
    for (const SqlCondition &c : conditions) {
        out.text += (out.text.isEmpty() ? QByteArray("(") : op + '(') + c.text + ')';
        out.values += c.values;
    }
    return out;
}

bool reads(Permission permission)
{
    return permission == Read || permission == Search;
}

} // namespace

AccessPolicy::AccessPolicy(std::shared_ptr<const schema::Model> model, search::Indexer &indexer,
                           search::SearchEngine &engine)
    : m_model(std::move(model))
    , m_indexer(indexer)
    , m_engine(engine)
{
}

bool AccessPolicy::unrestricted(const Principal &principal, Permission permission)
{
    if (principal.isOwner())
        return true;
    for (const ResourceScope &scope : principal.scopes.resources) {
        if (scope.type == u'*' && (scope.permissions & permission) && scope.filter.isEmpty()
            && confinement(principal, scope).isEmpty() && scope.context != ScopeContext::Patient)
            return true;
    }
    return false;
}

std::optional<SqlCondition> AccessPolicy::reach(const Principal &principal, const QString &type,
                                                Permission permission, const QString &baseUrl,
                                                qint64 nowMs)
{
    if (principal.isOwner())
        return SqlCondition{};
    QList<SqlCondition> parts;
    for (const ResourceScope &scope : principal.scopes.resources) {
        if (!(scope.permissions & permission) || (!type.isEmpty() && !scope.covers(type)))
            continue;
        auto part = scopeReach(principal, scope, type, permission, baseUrl, nowMs);
        if (!part)
            continue;
        if (part->isEverything())
            return part;
        parts.append(std::move(*part));
    }
    if (parts.isEmpty())
        return std::nullopt;
    return joined(parts, " OR ");
}

std::optional<SqlCondition> AccessPolicy::scopeReach(const Principal &principal,
                                                     const ResourceScope &scope,
                                                     const QString &type, Permission permission,
                                                     const QString &baseUrl, qint64 nowMs)
{
    // A patient/ scope without a patient in context opens nothing (SMART: the server SHALL
    // give the context with such a scope; a token without it is confined to no one).
    if (scope.context == ScopeContext::Patient && principal.patient.isEmpty())
        return std::nullopt;
    const QString target = scope.type == u'*' ? type : scope.type;
    QList<SqlCondition> terms;
    if (type.isEmpty() && !target.isEmpty())
        terms.append({"r.type = ?", {target}});
    if (const QString patient = confinement(principal, scope); !patient.isEmpty()) {
        auto inCompartment = compartment(patient, target, permission);
        if (!inCompartment)
            return std::nullopt;
        if (!inCompartment->isEverything())
            terms.append(std::move(*inCompartment));
    }
    if (!scope.filter.isEmpty()) {
        // A filter is a search of one type; on `*`, or one that does not compile with every
        // parameter known, it would be ignored, so it opens nothing.
        if (scope.type == u'*')
            return std::nullopt;
        auto criteria = m_engine.criteria(scope.type, scope.filter, true, baseUrl, nowMs);
        if (!criteria || criteria->conditions == 0)
            return std::nullopt;
        terms.append({criteria->where, criteria->values});
    }
    return joined(terms, " AND ");
}

std::optional<SqlCondition> AccessPolicy::compartment(const QString &patient, const QString &type,
                                                      Permission permission)
{
    const QStringList members = m_model->patientCompartmentTypes();
    if (!type.isEmpty() && !members.contains(type)) {
        if (reads(permission))
            return SqlCondition{};
        return std::nullopt;
    }
    // The parameters through which a resource joins the compartment, by their index id.
    QList<search::SqlValue> params;
    for (const QString &member : type.isEmpty() ? members : QStringList{type}) {
        for (const QString &code : m_model->patientCompartmentParams(member)) {
            if (const search::IndexedParam *p = m_indexer.param(member, code))
                params.append(p->id);
        }
    }
    SqlCondition c;
    c.text = "(r.type = 'Patient' AND r.id = ?)";
    c.values = {patient};
    if (!params.isEmpty()) {
        c.text += " OR r.pk IN (SELECT x.pk FROM idx_reference x WHERE x.target_type = 'Patient'"
                  " AND x.target_id = ? AND x.param IN ("
            + placeholders(params.size()) + "))";
        c.values.append(patient);
        c.values += params;
    }
    if (type.isEmpty() && reads(permission)) {
        c.text += " OR r.type NOT IN (" + placeholders(members.size()) + ')';
        for (const QString &member : members)
            c.values.append(member);
    }
    return c;
}

} // namespace fhir::server
