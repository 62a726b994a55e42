#include "authorizationserver_p.h"

#include "crypto.h"
#include "jwt.h"

#include "embedded_server/serverlogging.h"
#include "embedded_server/store.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

const QStringList kTokenParameters
    = {u"grant_type"_s, u"code"_s,           u"redirect_uri"_s,  u"code_verifier"_s,
       u"client_id"_s,  u"client_secret"_s,  u"refresh_token"_s, u"scope"_s,
       u"token"_s,      u"token_type_hint"_s};

bool isVerifier(const QString &value)
{
    static const QRegularExpression shape(u"^[A-Za-z0-9\\-._~]{43,128}$"_s);
    return shape.match(value).hasMatch();
}

OAuthError invalidGrant(const QString &why)
{
    return {400, "invalid_grant", why};
}

OAuthError serverError(const QString &why)
{
    qCWarning(lcServer).noquote() << "OAuth:" << why;
    return {500, "server_error", u"the authorization server failed; try again"_s};
}

} // namespace

std::variant<ClientInfo, OAuthError> AuthorizationServer::Private::client(const Request &request,
                                                                          const form::Items &items)
{
    const auto basic = form::basicCredentials(request);
    const QString postedId = form::value(items, u"client_id"_s);
    const QString postedSecret = form::value(items, u"client_secret"_s);
    if (basic && !postedSecret.isNull())
        return OAuthError{400, "invalid_request",
                          u"authenticate the client one way only: HTTP Basic or client_secret"_s};
    if (basic && !postedId.isNull() && postedId != basic->first)
        return OAuthError{400, "invalid_request",
                          u"client_id differs from the one in the Authorization header"_s};
    const QString id = basic ? basic->first : postedId;
    const QString secret = basic ? basic->second : postedSecret;
    if (id.isEmpty())
        return OAuthError{401, "invalid_client",
                          u"send client_id (and a confidential "
                          "application's secret)"_s};
    auto found = clients.find(id.left(100));
    if (!found)
        return serverError(found.error());
    if (!*found)
        return OAuthError{401, "invalid_client", u"no such application"_s};
    if ((*found)->confidential) {
        auto ok = clients.authenticate(id, secret.toUtf8());
        if (!ok)
            return serverError(ok.error());
        if (!*ok)
            return OAuthError{401, "invalid_client",
                              u"the application's secret is missing or wrong"_s};
    } else if (!secret.isEmpty()) {
        return OAuthError{401, "invalid_client", u"a public application has no secret"_s};
    }
    return **found;
}

Response AuthorizationServer::Private::token(const Request &request)
{
    if (!isFormPost(request))
        return oauthError({400, "invalid_request",
                           u"post the token request as application/x-www-form-urlencoded"_s});
    const form::Items items = form::parse(request.body);
    for (const QString &name : kTokenParameters) {
        if (form::count(items, name) > 1)
            return oauthError({400, "invalid_request", u"%1 is repeated"_s.arg(name)});
    }
    auto who = client(request, items);
    if (const auto *error = std::get_if<OAuthError>(&who))
        return oauthError(*error);
    const ClientInfo &client = std::get<ClientInfo>(who);
    const QString grantType = form::value(items, u"grant_type"_s);
    if (grantType.isEmpty())
        return oauthError({400, "invalid_request", u"grant_type is missing"_s});
    if (!ClientStore::knownGrantTypes().contains(grantType))
        return oauthError({400, "unsupported_grant_type",
                           u"this server issues tokens for authorization_code, refresh_token "
                           "and client_credentials"_s});
    if (!client.grantTypes.contains(grantType))
        return oauthError({400, "unauthorized_client",
                           u"this application is not registered for %1"_s.arg(grantType)});
    purge();
    if (grantType == u"authorization_code"_s)
        return authorizationCode(client, items);
    if (grantType == u"refresh_token"_s)
        return refresh(client, items);
    return clientCredentials(client, items);
}

Response AuthorizationServer::Private::authorizationCode(const ClientInfo &client,
                                                         const form::Items &items)
{
    const QString code = form::value(items, u"code"_s);
    if (code.isEmpty())
        return oauthError({400, "invalid_request", u"code is missing"_s});
    const QByteArray hash = crypto::sha256(code.toUtf8());
    Store::Transaction tx(store);
    auto rows = store.query("SELECT grant_id, redirect_uri, code_challenge, nonce, created, used"
                            " FROM oauth_code WHERE hash = ?1",
                            {hash});
    if (!rows)
        return oauthError(serverError(rows.error()));
    if (rows->isEmpty())
        return oauthError(invalidGrant(u"the code is unknown"_s));
    const QVariantList &row = rows->first();
    const QString grantId = row.at(0).toString();
    auto issuedTo = grant(grantId);
    if (!issuedTo)
        return oauthError(invalidGrant(u"the grant of this code has been revoked"_s));
    if (issuedTo->clientId != client.clientId)
        return oauthError(invalidGrant(u"the code was issued to another application"_s));
    if (!row.at(5).isNull()) {
        // RFC 6749 §4.1.2: a code used twice may have been stolen; what it gave is revoked.
        if (auto revoked = revokeGrant(grantId); !revoked || !tx.commit())
            return oauthError(serverError(u"cannot revoke a grant"_s));
        qCWarning(lcServer).noquote()
            << "OAuth code reused by client" << client.clientId << "- its grant is revoked";
        return oauthError(invalidGrant(u"the code was used before; every token issued from it is "
                                       "now revoked"_s));
    }
    // Spent whatever happens next: a wrong verifier does not get a second try.
    if (auto spent = store.query("UPDATE oauth_code SET used = ?2 WHERE hash = ?1", {hash, now()});
        !spent)
        return oauthError(serverError(spent.error()));
    auto finish = [&](const OAuthError &error) {
        (void)tx.commit();
        return oauthError(error);
    };
    if (now() - row.at(4).toLongLong() > qint64(settings.codeSeconds) * 1000)
        return finish(invalidGrant(
            u"the code has expired: codes live %1 seconds"_s.arg(settings.codeSeconds)));
    if (form::value(items, u"redirect_uri"_s) != row.at(1).toString())
        return finish(invalidGrant(u"redirect_uri differs from the authorization request's"_s));
    const QString verifier = form::value(items, u"code_verifier"_s);
    const QString challenge = row.at(2).toString();
    // A verifier without a challenge would be a PKCE downgrade; every code here has one.
    if (challenge.isEmpty() || verifier.isEmpty())
        return finish(invalidGrant(u"code_verifier is missing (PKCE)"_s));
    if (!isVerifier(verifier))
        return finish(
            invalidGrant(u"code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~"_s));
    const QByteArray computed = crypto::base64Url(crypto::sha256(verifier.toLatin1()));
    if (!crypto::equalConstantTime(computed, challenge.toLatin1()))
        return finish(invalidGrant(u"code_verifier does not match the code_challenge"_s));
    Response response = issue(*issuedTo, parseScopes(issuedTo->scope), row.at(3).toString());
    if (response.status != 200)
        return response;
    if (!tx.commit())
        return oauthError(serverError(u"cannot commit the tokens"_s));
    return response;
}

Response AuthorizationServer::Private::refresh(const ClientInfo &client, const form::Items &items)
{
    const QString token = form::value(items, u"refresh_token"_s);
    if (token.isEmpty())
        return oauthError({400, "invalid_request", u"refresh_token is missing"_s});
    const QByteArray hash = crypto::sha256(token.toUtf8());
    Store::Transaction tx(store);
    auto rows = store.query(
        "SELECT grant_id, scope, expires, used FROM oauth_refresh_token WHERE hash = ?1", {hash});
    if (!rows)
        return oauthError(serverError(rows.error()));
    if (rows->isEmpty())
        return oauthError(invalidGrant(u"the refresh token is unknown"_s));
    const QVariantList &row = rows->first();
    const QString grantId = row.at(0).toString();
    auto issuedTo = grant(grantId);
    if (!issuedTo)
        return oauthError(invalidGrant(u"the refresh token has been revoked"_s));
    if (issuedTo->clientId != client.clientId)
        return oauthError(invalidGrant(u"the refresh token was issued to another application"_s));
    if (!row.at(3).isNull()) {
        // RFC 9700 §4.14.2: a rotated token presented again means two parties hold it.
        if (auto revoked = revokeGrant(grantId); !revoked || !tx.commit())
            return oauthError(serverError(u"cannot revoke a grant"_s));
        qCWarning(lcServer).noquote() << "OAuth refresh token reused by client" << client.clientId
                                      << "- its grant is revoked";
        return oauthError(invalidGrant(u"the refresh token was used before; it and every token "
                                       "of its grant are now revoked"_s));
    }
    if (row.at(2).toLongLong() <= now())
        return oauthError(invalidGrant(u"the refresh token has expired"_s));
    const ScopeSet held = parseScopes(row.at(1).toString());
    ScopeSet scopes = held;
    if (const QString asked = form::value(items, u"scope"_s); !asked.isNull()) {
        // RFC 6749 §6: the scope may shrink, never grow.
        scopes = parseScopes(asked);
        const QStringList heldTexts = held.texts();
        for (const QString &text : scopes.texts() + scopes.ignored) {
            if (!heldTexts.contains(text))
                return oauthError({400, "invalid_scope",
                                   u"%1 was not granted; a refresh can only narrow the scope"_s.arg(
                                       text.left(200))});
        }
    }
    if (auto spent = store.query("UPDATE oauth_refresh_token SET used = ?2 WHERE hash = ?1"
                                 " AND used IS NULL",
                                 {hash, now()});
        !spent || store.changes() != 1)
        return oauthError(serverError(u"cannot rotate the refresh token"_s));
    Response response = issue(*issuedTo, scopes, {});
    if (response.status != 200)
        return response;
    if (!tx.commit())
        return oauthError(serverError(u"cannot commit the tokens"_s));
    return response;
}

Response AuthorizationServer::Private::clientCredentials(const ClientInfo &client,
                                                         const form::Items &items)
{
    if (!client.confidential)
        return oauthError(
            {400, "unauthorized_client", u"client_credentials needs a confidential application"_s});
    const ScopeSet requested = parseScopes(form::value(items, u"scope"_s).left(4000));
    if (requested.isEmpty())
        return oauthError({400, "invalid_scope", u"ask for at least one system/ scope"_s});
    const bool onlySystem = requested.others.isEmpty()
        && std::all_of(requested.resources.begin(), requested.resources.end(),
                       [](const ResourceScope &s) { return s.context == ScopeContext::System; });
    if (!onlySystem)
        return oauthError({400, "invalid_scope",
                           u"client_credentials grants only system/ scopes: there is no user or "
                           "patient in a backend service's request"_s});
    const ScopeSet granted = requested.within(parseScopes(client.scopes));
    if (granted.resources.isEmpty())
        return oauthError({400, "invalid_scope",
                           u"none of the requested scopes is allowed for this application"_s});
    auto id = crypto::randomToken(18);
    if (!id)
        return oauthError(serverError(id.error()));
    Grant made{QString::fromLatin1(*id), client.clientId, 0, granted.toString(), {}, {}};
    Store::Transaction tx(store);
    auto inserted = store.query("INSERT INTO oauth_grant (id, client_id, scope, created)"
                                " VALUES (?1, ?2, ?3, ?4)",
                                {made.id, made.clientId, made.scope, now()});
    if (!inserted)
        return oauthError(serverError(inserted.error()));
    Response response = issue(made, granted, {});
    if (response.status != 200)
        return response;
    if (!tx.commit())
        return oauthError(serverError(u"cannot commit the token"_s));
    return response;
}

Response AuthorizationServer::Private::issue(const Grant &grant, const ScopeSet &scopes,
                                             const QString &nonce)
{
    auto signer = keys.current();
    auto jti = crypto::randomToken(18);
    if (!signer || !jti)
        return oauthError(serverError(signer ? jti.error() : signer.error()));
    std::optional<UserInfo> user;
    if (grant.userId != 0) {
        auto found = users.find(grant.userId);
        if (!found || !*found)
            return oauthError(invalidGrant(u"the user of this grant no longer exists"_s));
        user = **found;
    }
    const qint64 time = now();
    const qint64 seconds = time / 1000;
    const qint64 lifetime = settings.accessTokenSeconds;
    const std::string subject = (user ? user->username : grant.clientId).toStdString();
    nlohmann::json claims = {{"iss", baseUrl.toStdString()},
                             {"aud", baseUrl.toStdString()},
                             {"sub", subject},
                             {"client_id", grant.clientId.toStdString()},
                             {"scope", scopes.toString().toStdString()},
                             {"iat", seconds},
                             {"nbf", seconds},
                             {"exp", seconds + lifetime},
                             {"jti", jti->toStdString()}};
    if (!grant.patient.isEmpty())
        claims["patient"] = grant.patient.toStdString();
    // Always, not only with the fhirUser scope: the resource server confines a user who is a
    // Patient to their own compartment.
    if (!grant.fhirUser.isEmpty())
        claims["fhirUser"] = grant.fhirUser.toStdString();
    auto accessToken = jwt::sign(claims, signer->key, signer->kid, "at+jwt");
    if (!accessToken)
        return oauthError(serverError(accessToken.error()));
    if (auto recorded = store.query("INSERT INTO oauth_access_token (jti, grant_id, expires)"
                                    " VALUES (?1, ?2, ?3)",
                                    {QString::fromLatin1(*jti), grant.id, time + lifetime * 1000});
        !recorded)
        return oauthError(serverError(recorded.error()));

    nlohmann::json body = {{"access_token", accessToken->toStdString()},
                           {"token_type", "Bearer"},
                           {"expires_in", lifetime},
                           {"scope", scopes.toString().toStdString()}};
    if (!grant.patient.isEmpty()) {
        body["patient"] = grant.patient.toStdString();
        body["need_patient_banner"] = true;
    }
    const bool offline = scopes.has(u"offline_access"_s);
    if (user && (offline || scopes.has(u"online_access"_s))) {
        auto refreshToken = crypto::randomToken(32);
        if (!refreshToken)
            return oauthError(serverError(refreshToken.error()));
        const qint64 expires = time
            + (offline ? qint64(settings.offlineRefreshDays) * 24 : settings.onlineRefreshHours)
                * 3600 * 1000;
        if (auto stored = store.query(
                "INSERT INTO oauth_refresh_token (hash, grant_id, scope,"
                " created, expires) VALUES (?1, ?2, ?3, ?4, ?5)",
                {crypto::sha256(*refreshToken), grant.id, scopes.toString(), time, expires});
            !stored)
            return oauthError(serverError(stored.error()));
        body["refresh_token"] = refreshToken->toStdString();
    }
    if (user && scopes.has(u"openid"_s)) {
        // OpenID Connect Core §2; SMART's fhirUser claim as an absolute URL.
        nlohmann::json idClaims = {{"iss", baseUrl.toStdString()},
                                   {"sub", subject},
                                   {"aud", grant.clientId.toStdString()},
                                   {"iat", seconds},
                                   {"exp", seconds + lifetime}};
        if (!nonce.isEmpty())
            idClaims["nonce"] = nonce.toStdString();
        if (scopes.has(u"fhirUser"_s) && !grant.fhirUser.isEmpty())
            idClaims["fhirUser"] = QString(baseUrl + u'/' + grant.fhirUser).toStdString();
        if (scopes.has(u"profile"_s)) {
            idClaims["preferred_username"] = user->username.toStdString();
            if (!user->displayName.isEmpty())
                idClaims["name"] = user->displayName.toStdString();
        }
        auto idToken = jwt::sign(idClaims, signer->key, signer->kid, "JWT");
        if (!idToken)
            return oauthError(serverError(idToken.error()));
        body["id_token"] = idToken->toStdString();
    }
    qCInfo(lcServer).noquote() << "OAuth token issued to client" << grant.clientId;
    return json(200, body);
}

Result<Grant> AuthorizationServer::Private::grant(const QString &id)
{
    auto rows = store.query("SELECT id, client_id, user_id, scope, patient, fhir_user"
                            " FROM oauth_grant WHERE id = ?1 AND revoked IS NULL",
                            {id});
    if (!rows)
        return Error{rows.error()};
    if (rows->isEmpty())
        return Error{u"the grant has been revoked"_s};
    const QVariantList &row = rows->first();
    return Grant{row.at(0).toString(), row.at(1).toString(), row.at(2).toLongLong(),
                 row.at(3).toString(), row.at(4).toString(), row.at(5).toString()};
}

Result<bool> AuthorizationServer::Private::revokeGrant(const QString &id)
{
    auto revoked = store.query("UPDATE oauth_grant SET revoked = ?2 WHERE id = ?1 AND"
                               " revoked IS NULL",
                               {id, now()});
    if (!revoked)
        return Error{revoked.error()};
    return true;
}

void AuthorizationServer::Private::purge()
{
    const qint64 time = now();
    const qint64 day = 24 * 3600 * 1000;
    // Used codes stay a day, so a replay is recognised as one rather than as unknown.
    (void)store.query("DELETE FROM oauth_request WHERE created < ?1",
                      {time - qint64(settings.loginSeconds) * 1000});
    (void)store.query("DELETE FROM oauth_code WHERE created < ?1", {time - day});
    (void)store.query("DELETE FROM oauth_access_token WHERE expires < ?1", {time - day});
    (void)store.query("DELETE FROM oauth_refresh_token WHERE expires < ?1", {time - day});
}

Response AuthorizationServer::Private::introspect(const Request &request)
{
    // RFC 7662. The caller is the deployment's owner (an API key), or a client asking about
    // its own tokens.
    if (!isFormPost(request))
        return oauthError(
            {400, "invalid_request", u"post the request as application/x-www-form-urlencoded"_s});
    const form::Items items = form::parse(request.body);
    const bool owner = isOwner && isOwner(request);
    QString callerId;
    if (!owner) {
        auto who = client(request, items);
        if (const auto *error = std::get_if<OAuthError>(&who))
            return oauthError(*error);
        callerId = std::get<ClientInfo>(who).clientId;
    }
    const QString token = form::value(items, u"token"_s);
    if (token.isEmpty())
        return oauthError({400, "invalid_request", u"token is missing"_s});
    const nlohmann::json inactive = {{"active", false}};
    const TokenVerdict verdict = verifier.verify(token.toUtf8(), baseUrl);
    if (verdict.serverFault)
        return oauthError(serverError(verdict.problem));
    if (verdict.principal) {
        if (!owner && verdict.principal->clientId != callerId)
            return json(200, inactive);
        nlohmann::json answer = verdict.claims;
        answer["active"] = true;
        answer["token_type"] = "Bearer";
        if (answer.contains("sub"))
            answer["username"] = answer["sub"];
        return json(200, answer);
    }
    auto rows = store.query("SELECT r.scope, r.expires, r.created, g.client_id, g.patient,"
                            " g.fhir_user FROM oauth_refresh_token r JOIN oauth_grant g ON"
                            " g.id = r.grant_id WHERE r.hash = ?1 AND r.used IS NULL AND"
                            " g.revoked IS NULL AND r.expires > ?2",
                            {crypto::sha256(token.toUtf8()), now()});
    if (!rows)
        return oauthError(serverError(rows.error()));
    if (rows->isEmpty() || (!owner && rows->first().at(3).toString() != callerId))
        return json(200, inactive);
    const QVariantList &row = rows->first();
    nlohmann::json answer = {{"active", true},
                             {"token_type", "refresh_token"},
                             {"scope", row.at(0).toString().toStdString()},
                             {"exp", row.at(1).toLongLong() / 1000},
                             {"iat", row.at(2).toLongLong() / 1000},
                             {"client_id", row.at(3).toString().toStdString()},
                             {"iss", baseUrl.toStdString()}};
    if (!row.at(4).toString().isEmpty())
        answer["patient"] = row.at(4).toString().toStdString();
    return json(200, answer);
}

Response AuthorizationServer::Private::revoke(const Request &request)
{
    // RFC 7009: the client revokes its own tokens; an unknown token is not an error.
    if (!isFormPost(request))
        return oauthError(
            {400, "invalid_request", u"post the request as application/x-www-form-urlencoded"_s});
    const form::Items items = form::parse(request.body);
    auto who = client(request, items);
    if (const auto *error = std::get_if<OAuthError>(&who))
        return oauthError(*error);
    const QString callerId = std::get<ClientInfo>(who).clientId;
    const QString token = form::value(items, u"token"_s);
    if (token.isEmpty())
        return oauthError({400, "invalid_request", u"token is missing"_s});
    Response done = json(200, nlohmann::json::object());
    done.body.clear();

    auto rows = store.query("SELECT r.grant_id, g.client_id FROM oauth_refresh_token r JOIN"
                            " oauth_grant g ON g.id = r.grant_id WHERE r.hash = ?1",
                            {crypto::sha256(token.toUtf8())});
    if (!rows)
        return oauthError(serverError(rows.error()));
    if (!rows->isEmpty()) {
        if (rows->first().at(1).toString() != callerId)
            return oauthError(
                {400, "unauthorized_client", u"the token was issued to another application"_s});
        // §2.1: revoking a refresh token revokes the access tokens of its grant too.
        if (auto revoked = revokeGrant(rows->first().at(0).toString()); !revoked)
            return oauthError(serverError(revoked.error()));
        return done;
    }
    const TokenVerdict verdict = verifier.verify(token.toUtf8(), baseUrl);
    if (verdict.serverFault)
        return oauthError(serverError(verdict.problem));
    if (!verdict.principal)
        return done;
    if (verdict.principal->clientId != callerId)
        return oauthError(
            {400, "unauthorized_client", u"the token was issued to another application"_s});
    auto revoked = store.query("UPDATE oauth_access_token SET revoked = ?2 WHERE jti = ?1",
                               {verdict.principal->tokenId, now()});
    if (!revoked)
        return oauthError(serverError(revoked.error()));
    return done;
}

} // namespace fhir::server
