#pragma once

#include "principal.h"

#include "embedded_server/request.h"
#include "embedded_server/servererror.h"

#include <variant>

namespace fhir::server {

class ApiKeyGate;
class ExternalProvider;
class LocalTokenVerifier;

/// Who is asking, before the router: an API key (x-api-key), a bearer token of this
/// deployment's authorization server, or one of a trusted external OpenID provider, as the
/// deployment enables them. A request with no credentials gets 401 with one challenge per
/// method (RFC 9110 §11.6.1); a bad token gets `Bearer error="invalid_token"` (RFC 6750 §3).
/// GET metadata stays public, so a client can learn how to authenticate.
///
///     AuthGate gate({&apiKeys, &verifier, nullptr});
///     auto who = gate.check(request, baseUrl);
///     if (auto *refused = std::get_if<ServerError>(&who)) return errorResponse(*refused);
class AuthGate
{
public:
    /// The methods a deployment takes; null: not this one. All null: no auth at all.
    struct Methods
    {
        ApiKeyGate *apiKeys = nullptr;
        LocalTokenVerifier *localTokens = nullptr;
        ExternalProvider *externalTokens = nullptr;
    };

    explicit AuthGate(Methods methods);

    std::variant<Principal, ServerError> check(const Request &request, const QString &baseUrl);

    bool takesTokens() const { return m_methods.localTokens || m_methods.externalTokens; }

    /// 403 for a token whose scopes do not allow what it asks (RFC 6750 §3.1:
    /// insufficient_scope).
    static ServerError insufficientScope(const QString &why);

private:
    QByteArray challenges() const;

    Methods m_methods;
};

} // namespace fhir::server
