#include "authorizationserver_p.h"

#include "embedded_server/fhirserver.h"
#include "embedded_server/serverlogging.h"
#include "embedded_server/store.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace fhir::server {

AuthorizationServer::Private::Private(Store &store, PatientDirectory &patients,
                                      AuthorizationSettings settings, std::function<qint64()> clock)
    : store(store)
    , patients(patients)
    , settings(settings)
    , clock(std::move(clock))
    , users(store, this->clock)
    , clients(store, this->clock)
    , keys(store, this->clock)
    , verifier(store, keys, this->clock)
{
    this->settings.accessTokenSeconds = std::clamp(this->settings.accessTokenSeconds, 1, 3600);
}

qint64 AuthorizationServer::Private::now() const
{
    return clock ? clock() : QDateTime::currentMSecsSinceEpoch();
}

AuthorizationServer::AuthorizationServer(Store &store, PatientDirectory &patients,
                                         AuthorizationSettings settings,
                                         std::function<qint64()> clock)
    : d(std::make_unique<Private>(store, patients, settings, std::move(clock)))
{
}

AuthorizationServer::~AuthorizationServer() = default;

bool AuthorizationServer::isEndpoint(const QStringList &s)
{
    static const QStringList single
        = {u"authorize"_s, u"token"_s, u"jwks"_s, u"introspect"_s, u"revoke"_s, u"userinfo"_s};
    if (s.size() == 1)
        return single.contains(s[0]);
    return s.size() == 2 && s[0] == u".well-known"_s
        && (s[1] == u"smart-configuration"_s || s[1] == u"openid-configuration"_s);
}

bool AuthorizationServer::readsFormQuery(const QString &path)
{
    return path == FhirServer::basePath() + u"/authorize"_s;
}

void AuthorizationServer::setOwnerCheck(std::function<bool(const Request &)> isOwner)
{
    d->isOwner = std::move(isOwner);
}

void AuthorizationServer::setResourceTypeCheck(std::function<bool(const QString &)> isType)
{
    d->isType = std::move(isType);
}

UserStore &AuthorizationServer::users()
{
    return d->users;
}

ClientStore &AuthorizationServer::clients()
{
    return d->clients;
}

SigningKeys &AuthorizationServer::signingKeys()
{
    return d->keys;
}

LocalTokenVerifier &AuthorizationServer::verifier()
{
    return d->verifier;
}

const AuthorizationSettings &AuthorizationServer::settings() const
{
    return d->settings;
}

AuthorizationServer::Endpoints AuthorizationServer::endpoints(const QString &baseUrl)
{
    return {baseUrl + u"/authorize"_s,  baseUrl + u"/token"_s,  baseUrl + u"/jwks"_s,
            baseUrl + u"/introspect"_s, baseUrl + u"/revoke"_s, baseUrl + u"/userinfo"_s};
}

QStringList AuthorizationServer::capabilities()
{
    return {u"launch-standalone"_s,
            u"client-public"_s,
            u"client-confidential-symmetric"_s,
            u"context-standalone-patient"_s,
            u"permission-offline"_s,
            u"permission-online"_s,
            u"permission-patient"_s,
            u"permission-user"_s,
            u"permission-v1"_s,
            u"permission-v2"_s,
            u"sso-openid-connect"_s};
}

Response AuthorizationServer::handle(const Request &request, const QStringList &segments,
                                     const QString &baseUrl)
{
    d->baseUrl = baseUrl;
    const QString &endpoint = segments.last();
    const QByteArray &method = request.method;
    auto only = [&](std::initializer_list<QByteArrayView> methods) {
        for (const QByteArrayView m : methods) {
            if (method == m)
                return true;
        }
        return false;
    };
    auto notAllowed = [](const QByteArray &allow) {
        Response response
            = Private::oauthError({405, "invalid_request",
                                   u"this endpoint answers %1"_s.arg(QString::fromLatin1(allow))});
        response.setHeader("Allow", allow);
        return response;
    };
    if (segments.size() == 2) {
        if (!only({"GET"}))
            return notAllowed("GET");
        return endpoint == u"smart-configuration"_s ? d->smartConfiguration()
                                                    : d->openidConfiguration();
    }
    if (endpoint == u"authorize"_s) {
        if (method == "GET")
            return d->authorizeGet(request);
        if (method == "POST")
            return d->authorizePost(request);
        return notAllowed("GET, POST");
    }
    if (endpoint == u"jwks"_s)
        return only({"GET"}) ? d->jwks() : notAllowed("GET");
    if (endpoint == u"userinfo"_s)
        return only({"GET", "POST"}) ? d->userinfo(request) : notAllowed("GET, POST");
    if (!only({"POST"}))
        return notAllowed("POST");
    if (endpoint == u"token"_s)
        return d->token(request);
    if (endpoint == u"introspect"_s)
        return d->introspect(request);
    return d->revoke(request);
}

Response AuthorizationServer::Private::json(int status, const nlohmann::json &body)
{
    Response response;
    response.status = status;
    response.setHeader("Content-Type", "application/json");
    // RFC 6749 §5.1: token responses must not be cached; nothing here should be.
    response.setHeader("Cache-Control", "no-store");
    response.setHeader("Pragma", "no-cache");
    response.body = QByteArray::fromStdString(body.dump());
    return response;
}

Response AuthorizationServer::Private::oauthError(const OAuthError &error)
{
    Response response = json(error.status,
                             {{"error", error.code.toStdString()},
                              {"error_description", error.description.toStdString()}});
    if (error.status == 401)
        response.setHeader("WWW-Authenticate", R"(Basic realm="FHIR Portal")");
    return response;
}

Response AuthorizationServer::Private::smartConfiguration() const
{
    // SMART App Launch 2.x, conformance.html#metadata.
    const Endpoints urls = endpoints(baseUrl);
    nlohmann::json capabilities = nlohmann::json::array();
    for (const QString &c : AuthorizationServer::capabilities())
        capabilities.push_back(c.toStdString());
    return json(
        200,
        {{"issuer", baseUrl.toStdString()},
         {"jwks_uri", urls.jwks.toStdString()},
         {"authorization_endpoint", urls.authorize.toStdString()},
         {"token_endpoint", urls.token.toStdString()},
         {"token_endpoint_auth_methods_supported",
          {"client_secret_basic", "client_secret_post", "none"}},
         {"grant_types_supported", {"authorization_code", "refresh_token", "client_credentials"}},
         {"scopes_supported",
          {"openid", "fhirUser", "profile", "launch/patient", "offline_access", "online_access",
           "patient/*.rs", "patient/*.cruds", "user/*.rs", "user/*.cruds", "system/*.rs",
           "system/*.cruds", "patient/*.read", "patient/*.write", "user/*.read", "user/*.write",
           "system/*.read", "system/*.write"}},
         {"response_types_supported", {"code"}},
         {"introspection_endpoint", urls.introspect.toStdString()},
         {"revocation_endpoint", urls.revoke.toStdString()},
         {"userinfo_endpoint", urls.userinfo.toStdString()},
         {"code_challenge_methods_supported", {"S256"}},
         {"authorization_response_iss_parameter_supported", true},
         {"capabilities", capabilities}});
}

Response AuthorizationServer::Private::openidConfiguration() const
{
    // OpenID Connect Discovery 1.0 §3, for the same issuer.
    const Endpoints urls = endpoints(baseUrl);
    return json(
        200,
        {{"issuer", baseUrl.toStdString()},
         {"authorization_endpoint", urls.authorize.toStdString()},
         {"token_endpoint", urls.token.toStdString()},
         {"userinfo_endpoint", urls.userinfo.toStdString()},
         {"jwks_uri", urls.jwks.toStdString()},
         {"introspection_endpoint", urls.introspect.toStdString()},
         {"revocation_endpoint", urls.revoke.toStdString()},
         {"response_types_supported", {"code"}},
         {"response_modes_supported", {"query"}},
         {"grant_types_supported", {"authorization_code", "refresh_token", "client_credentials"}},
         {"subject_types_supported", {"public"}},
         {"id_token_signing_alg_values_supported", {"RS256"}},
         {"token_endpoint_auth_methods_supported",
          {"client_secret_basic", "client_secret_post", "none"}},
         {"scopes_supported", {"openid", "fhirUser", "profile", "offline_access"}},
         {"claims_supported",
          {"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "fhirUser", "name",
           "preferred_username"}},
         {"code_challenge_methods_supported", {"S256"}},
         {"authorization_response_iss_parameter_supported", true}});
}

Response AuthorizationServer::Private::jwks()
{
    auto set = keys.jwks();
    if (!set)
        return oauthError({500, "server_error", u"cannot read the signing keys"_s});
    Response response = json(200, *set);
    response.setHeader("Content-Type", "application/jwk-set+json");
    // Short, so a rotated key reaches verifiers soon.
    response.setHeader("Cache-Control", "max-age=300");
    response.headers.removeIf([](const auto &h) { return h.first == "Pragma"; });
    return response;
}

Response AuthorizationServer::Private::userinfo(const Request &request)
{
    // OpenID Connect Core §5.3, with RFC 6750's errors.
    auto challenge = [](int status, const QByteArray &error, const QString &description) {
        Response response = json(
            status,
            {{"error", error.toStdString()}, {"error_description", description.toStdString()}});
        response.setHeader("WWW-Authenticate",
                           R"(Bearer realm="FHIR Portal", error=")" + error
                               + R"(", error_description=")" + description.toUtf8() + '"');
        return response;
    };
    const QByteArray token = form::bearerToken(request);
    if (token.isEmpty())
        return challenge(401, "invalid_token", u"send the access token as a Bearer token"_s);
    const TokenVerdict verdict = verifier.verify(token, baseUrl);
    if (verdict.serverFault)
        return oauthError({500, "server_error", verdict.problem});
    if (!verdict.principal)
        return challenge(401, "invalid_token", verdict.problem);
    if (!verdict.principal->scopes.has(u"openid"_s))
        return challenge(403, "insufficient_scope", u"userinfo needs the openid scope"_s);
    auto user = users.find(verdict.principal->subject);
    if (!user)
        return oauthError({500, "server_error", user.error()});
    if (!*user)
        return challenge(401, "invalid_token", u"the token's user no longer exists"_s);
    nlohmann::json claims = {{"sub", (*user)->username.toStdString()},
                             {"preferred_username", (*user)->username.toStdString()}};
    if (!(*user)->displayName.isEmpty())
        claims["name"] = (*user)->displayName.toStdString();
    if (!(*user)->fhirUser.isEmpty())
        claims["fhirUser"] = QString(baseUrl + u'/' + (*user)->fhirUser).toStdString();
    return json(200, claims);
}

bool isFormPost(const Request &request)
{
    const QByteArray type = request.header("Content-Type").split(';').first().trimmed().toLower();
    return type == "application/x-www-form-urlencoded";
}

} // namespace fhir::server
