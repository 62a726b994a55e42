#pragma once

#include "authpages.h"
#include "clients.h"
#include "signingkeys.h"
#include "tokenverifier.h"
#include "users.h"

#include "embedded_server/request.h"

#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace fhir::server {

class Store;

/// The patients a user may pick on the authorization server's patient picker: the FHIR
/// server's own, found by name.
class PatientDirectory
{
public:
    virtual ~PatientDirectory() = default;
    /// Up to `limit` current Patients whose name matches `name` (every one when empty).
    virtual QList<pages::PatientChoice> find(const QString &name, int limit) = 0;
    /// The current Patient `id`, or nothing when there is none.
    virtual std::optional<pages::PatientChoice> patient(const QString &id) = 0;
};

/// How long what the authorization server issues lives.
struct AuthorizationSettings
{
    int accessTokenSeconds = 3600; ///< at most an hour (SMART App Launch)
    int codeSeconds = 60; ///< RFC 6749 §4.1.2 allows 10 minutes; RFC 9700 prefers short
    int loginSeconds = 600; ///< from the authorize request to the redirect back
    int offlineRefreshDays = 30; ///< offline_access
    int onlineRefreshHours = 12; ///< online_access
    int maxLoginFailures = 5; ///< per authorization request
};

/// The deployment's OAuth 2.0 authorization server for SMART App Launch 2.x, under the FHIR
/// base: `.well-known/smart-configuration`, `.well-known/openid-configuration`, `authorize`
/// (login page, patient picker, consent page), `token` (authorization_code with PKCE S256,
/// refresh_token with rotation and reuse detection, client_credentials for system/ scopes),
/// `jwks`, `introspect` (RFC 7662), `revoke` (RFC 7009) and `userinfo`. Access tokens are
/// RS256 JWTs (RFC 9068, `typ: at+jwt`) whose `iss` and `aud` are the FHIR base URL.
///
/// Transport-free like the FHIR server: a Request in, a Response out. State lives in the
/// deployment's store (the `oauth_*` tables): users, clients, keys, the logins in progress,
/// grants, codes and refresh tokens, each secret only as a hash.
///
///     AuthorizationServer as(store, patients);
///     if (AuthorizationServer::isEndpoint(segments))
///         return as.handle(request, segments, baseUrl);
class AuthorizationServer
{
public:
    AuthorizationServer(Store &store, PatientDirectory &patients,
                        AuthorizationSettings settings = {}, std::function<qint64()> clock = {});
    ~AuthorizationServer();
    AuthorizationServer(const AuthorizationServer &) = delete;
    AuthorizationServer &operator=(const AuthorizationServer &) = delete;

    /// Whether the path segments below the FHIR base name one of the endpoints.
    static bool isEndpoint(const QStringList &segments);
    /// Whether an endpoint reads its query as a form (`+` a space): the authorization
    /// endpoint, which browsers and OAuth libraries call with form-encoded queries.
    static bool readsFormQuery(const QString &path);

    Response handle(const Request &request, const QStringList &segments, const QString &baseUrl);

    /// Who may introspect any token besides the clients: the deployment's owner (an API key).
    void setOwnerCheck(std::function<bool(const Request &)> isOwner);
    /// Which names are resource types: a scope naming another is never granted.
    void setResourceTypeCheck(std::function<bool(const QString &)> isType);

    UserStore &users();
    ClientStore &clients();
    SigningKeys &signingKeys();
    LocalTokenVerifier &verifier();
    const AuthorizationSettings &settings() const;

    /// The URLs of the endpoints, for discovery and the CapabilityStatement.
    struct Endpoints
    {
        QString authorize, token, jwks, introspect, revoke, userinfo;
    };
    static Endpoints endpoints(const QString &baseUrl);
    /// The SMART capabilities this server has (smart-configuration's `capabilities`).
    static QStringList capabilities();

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace fhir::server
