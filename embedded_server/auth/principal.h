#pragma once

#include "scopes.h"

#include <QString>

namespace fhir::server {

/// Who is asking, as the auth gate established it: the deployment's owner (a valid API key,
/// or a server its owner runs without auth), or the holder of an access token with its scopes
/// and launch context.
struct Principal
{
    enum class Kind {
        Owner, ///< every interaction on every resource
        Token, ///< what the token's scopes allow (accesspolicy.h)
    };
    Kind kind = Kind::Owner;
    ScopeSet scopes;
    QString patient; ///< the patient in context (SMART `patient`), for patient/ scopes
    QString fhirUser; ///< the FHIR resource that is the user: "Patient/1", "Practitioner/2"
    QString subject; ///< `sub`
    QString clientId; ///< `client_id`
    QString tokenId; ///< `jti`, when the token has one

    bool isOwner() const { return kind == Kind::Owner; }
    /// The patient the user is, when fhirUser is a Patient: their user/ scopes reach only
    /// their own compartment.
    QString userPatient() const
    {
        return fhirUser.startsWith(QStringLiteral("Patient/")) ? fhirUser.mid(8) : QString();
    }
};

} // namespace fhir::server
