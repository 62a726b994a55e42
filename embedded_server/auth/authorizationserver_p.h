#pragma once

// The parts of AuthorizationServer its endpoint files share; not for use outside auth/.

#include "authorizationserver.h"
#include "formdata.h"
#include "scopes.h"

#include <nlohmann/json.hpp>

namespace fhir::server {

/// An authorization request between the authorize call and the redirect back.
struct PendingLogin
{
    QString id;
    QByteArray sessionHash;
    QString csrf;
    QString clientId;
    QString redirectUri;
    QString scope; ///< what will be granted (requested, within what the client may have)
    QString state; ///< null when the client sent none
    QString challenge;
    QString nonce;
    qint64 userId = 0; ///< 0 until the user has logged in
    QString patient;
    int failures = 0;
    qint64 created = 0;
};

/// One approval: what codes and tokens descend from.
struct Grant
{
    QString id;
    QString clientId;
    qint64 userId = 0; ///< 0 for client_credentials
    QString scope;
    QString patient;
    QString fhirUser;
};

/// An OAuth error of the token, introspection and revocation endpoints (RFC 6749 §5.2).
struct OAuthError
{
    int status = 400;
    QByteArray code; ///< invalid_request, invalid_client, invalid_grant...
    QString description;
};

struct AuthorizationServer::Private
{
    Store &store;
    PatientDirectory &patients;
    AuthorizationSettings settings;
    std::function<qint64()> clock;
    UserStore users;
    ClientStore clients;
    SigningKeys keys;
    LocalTokenVerifier verifier;
    std::function<bool(const Request &)> isOwner;
    std::function<bool(const QString &)> isType;
    QString baseUrl; ///< of the request being answered

    Private(Store &store, PatientDirectory &patients, AuthorizationSettings settings,
            std::function<qint64()> clock);

    qint64 now() const;
    ScopeSet parseScopes(const QString &text) const { return ScopeSet::parse(text, isType); }

    // --- discovery, keys, userinfo (authorizationserver.cpp) ---
    Response smartConfiguration() const;
    Response openidConfiguration() const;
    Response jwks();
    Response userinfo(const Request &request);

    // --- the authorization endpoint (authorizeendpoint.cpp) ---
    Response authorizeGet(const Request &request);
    Response authorizePost(const Request &request);
    Response start(const Request &request, const form::Items &items);
    /// The page of the login's current step: log in, choose a patient, or consent.
    Response show(const PendingLogin &login, const QString &message, const QString &nameFilter,
                  const QByteArray &setCookie = {});
    std::optional<PendingLogin> pending(const QString &id);
    /// The redirect back to the client with `items` added to its query, and `iss` (RFC 9207).
    Response redirectToClient(int status, const QString &redirectUri, form::Items items,
                              const QString &state) const;
    Response errorToClient(int status, const QString &redirectUri, const QByteArray &code,
                           const QString &description, const QString &state) const;
    /// Whether a login must end with a patient in context.
    static bool needsPatient(const ScopeSet &scopes);
    QByteArray sessionCookieName() const;
    Response approve(const PendingLogin &login);

    // --- the token, introspection and revocation endpoints (tokenendpoint.cpp) ---
    Response token(const Request &request);
    Response introspect(const Request &request);
    Response revoke(const Request &request);
    /// The client a token-endpoint request comes from (RFC 6749 §2.3): authenticated when
    /// confidential, identified when public.
    std::variant<ClientInfo, OAuthError> client(const Request &request, const form::Items &items);
    Response authorizationCode(const ClientInfo &client, const form::Items &items);
    Response refresh(const ClientInfo &client, const form::Items &items);
    Response clientCredentials(const ClientInfo &client, const form::Items &items);
    /// Tokens for `grant` with `scopes`: an access token, a refresh token when
    /// offline_access or online_access is granted, an id_token for openid.
    Response issue(const Grant &grant, const ScopeSet &scopes, const QString &nonce);
    Result<Grant> grant(const QString &id);
    Result<bool> revokeGrant(const QString &id);
    /// Forgets what has expired: logins, codes, token records.
    void purge();

    static Response json(int status, const nlohmann::json &body);
    static Response oauthError(const OAuthError &error);
};

/// Form posts must say so (and browsers do).
bool isFormPost(const Request &request);

} // namespace fhir::server
