#pragma once

#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <functional>

namespace fhir::server {

/// SMART v2's permissions on a resource type (scopes-and-launch-context.html): create, read,
/// update, delete, search. v1's `read` is rs, `write` is cud, `*` all five.
enum Permission : quint8 {
    Create = 0x01,
    Read = 0x02,
    Update = 0x04,
    Delete = 0x08,
    Search = 0x10,
};
using Permissions = quint8;
constexpr Permissions kAllPermissions = Create | Read | Update | Delete | Search;

/// Whose data a resource scope opens: the patient in context, what the user may see, or
/// everything (a backend service).
enum class ScopeContext { Patient, User, System };

/// One resource scope: `patient/Observation.rs?category=...|laboratory`.
struct ResourceScope
{
    QString text; ///< as the client wrote it
    ScopeContext context = ScopeContext::Patient;
    QString type; ///< a resource type, or "*" for every type
    Permissions permissions = 0;
    /// A granular scope's search parameters (v2 only), decoded; empty for the whole type.
    QList<QPair<QString, QString>> filter;

    bool covers(const QString &resourceType) const { return type == u'*' || type == resourceType; }
};

/// The scopes of a request or a token (SMART App Launch 2.x, scopes-and-launch-context.html):
/// resource scopes, the launch and identity scopes, and what was malformed or unknown. A scope
/// that does not parse is set aside, never widened into something that does: `sr`, `rr`,
/// `patient/*.x`, a filter on a v1 scope are all ignored.
///
///     ScopeSet scopes = ScopeSet::parse(u"patient/Observation.rs openid fhirUser"_s);
///     scopes.has(u"openid"_s);            // true
///     scopes.resources.first().permissions == (Read | Search);
struct ScopeSet
{
    QList<ResourceScope> resources;
    QStringList others; ///< openid, fhirUser, profile, launch, launch/patient, offline_access...
    QStringList ignored; ///< malformed or unknown, as written

    /// Scopes separated by spaces. `isType`, when given, says which type names exist: a
    /// resource scope naming another is ignored.
    static ScopeSet parse(const QString &text,
                          const std::function<bool(const QString &)> &isType = {});
    /// One resource scope, or nothing when `text` is not one.
    static std::optional<ResourceScope> parseResource(const QString &text);
    /// The scopes that are not resource scopes and that this server understands.
    static const QStringList &knownOthers();

    bool isEmpty() const { return resources.isEmpty() && others.isEmpty(); }
    bool has(const QString &scope) const { return others.contains(scope); }
    bool hasContext(ScopeContext context) const;
    /// The scopes as a space-separated string, resource scopes first, as written.
    QString toString() const;
    QStringList texts() const;

    /// Whether a client allowed `allowed` may be granted `requested`: same context, a type and
    /// permissions within the allowed ones, and the allowed scope's filter (if any) the same.
    static bool covers(const ResourceScope &allowed, const ResourceScope &requested);
    /// The scopes of `requested` that `allowed` covers, each kept as written.
    ScopeSet within(const ScopeSet &allowed) const;
};

/// "rs", "cruds": v2 letters of a permission set, in order.
QString permissionLetters(Permissions permissions);
/// Words for a consent page: "read and search your Observation records".
QString describeScope(const QString &scope);

} // namespace fhir::server
