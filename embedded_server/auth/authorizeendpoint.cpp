#include "authorizationserver_p.h"

#include "crypto.h"

#include "embedded_server/fhirserver.h"
#include "embedded_server/serverlogging.h"
#include "embedded_server/store.h"

#include <QRegularExpression>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

const QStringList kAuthorizeParameters
    = {u"response_type"_s, u"client_id"_s, u"redirect_uri"_s,   u"scope"_s,
       u"state"_s,         u"aud"_s,       u"code_challenge"_s, u"code_challenge_method"_s,
       u"nonce"_s,         u"launch"_s,    u"request"_s};

/// RFC 7636 §4.2: 43 to 128 characters of the unreserved set.
bool isPkceValue(const QString &value)
{
    static const QRegularExpression shape(u"^[A-Za-z0-9\\-._~]{43,128}$"_s);
    return shape.match(value).hasMatch();
}

QString trimmedBase(QString url)
{
    while (url.endsWith(u'/'))
        url.chop(1);
    return url;
}

PendingLogin pendingOf(const QVariantList &row)
{
    PendingLogin p;
    p.id = row.at(0).toString();
    p.sessionHash = row.at(1).toByteArray();
    p.csrf = row.at(2).toString();
    p.clientId = row.at(3).toString();
    p.redirectUri = row.at(4).toString();
    p.scope = row.at(5).toString();
    p.state = row.at(6).isNull() ? QString() : row.at(6).toString();
    p.challenge = row.at(7).toString();
    p.nonce = row.at(8).toString();
    p.userId = row.at(9).toLongLong();
    p.patient = row.at(10).toString();
    p.failures = int(row.at(11).toLongLong());
    p.created = row.at(12).toLongLong();
    return p;
}

Response seeOther(const QByteArray &location)
{
    Response response;
    response.status = 303;
    response.setHeader("Location", location);
    pages::addPageHeaders(response);
    return response;
}

} // namespace

QByteArray AuthorizationServer::Private::sessionCookieName() const
{
    // Cookies ignore ports: every deployment on 127.0.0.1 needs a name of its own.
    return "fhir_portal_login_" + crypto::sha256(baseUrl.toUtf8()).toHex().left(12);
}

bool AuthorizationServer::Private::needsPatient(const ScopeSet &scopes)
{
    return scopes.hasContext(ScopeContext::Patient) || scopes.has(u"launch/patient"_s);
}

std::optional<PendingLogin> AuthorizationServer::Private::pending(const QString &id)
{
    if (id.isEmpty() || id.size() > 64)
        return std::nullopt;
    auto rows = store.query(
        "SELECT id, session_hash, csrf, client_id, redirect_uri, scope, state, code_challenge,"
        " nonce, user_id, patient, failures, created FROM oauth_request WHERE id = ?1 AND"
        " created >= ?2",
        {id, now() - qint64(settings.loginSeconds) * 1000});
    if (!rows || rows->isEmpty())
        return std::nullopt;
    return pendingOf(rows->first());
}

Response AuthorizationServer::Private::redirectToClient(int status, const QString &redirectUri,
                                                        form::Items items,
                                                        const QString &state) const
{
    if (!state.isNull())
        items.append({u"state"_s, state});
    // RFC 9207: the issuer, so a client talking to several servers knows which one answered.
    items.append({u"iss"_s, baseUrl});
    const QByteArray location
        = redirectUri.toUtf8() + (redirectUri.contains(u'?') ? '&' : '?') + form::encode(items);
    Response response;
    response.status = status;
    response.setHeader("Location", location);
    pages::addPageHeaders(response);
    return response;
}

Response AuthorizationServer::Private::errorToClient(int status, const QString &redirectUri,
                                                     const QByteArray &code,
                                                     const QString &description,
                                                     const QString &state) const
{
    return redirectToClient(
        status, redirectUri,
        {{u"error"_s, QString::fromLatin1(code)}, {u"error_description"_s, description}}, state);
}

Response AuthorizationServer::Private::authorizeGet(const Request &request)
{
    const form::Items &items = request.query;
    const QString id = form::value(items, u"request"_s);
    if (id.isNull())
        return start(request, items);
    // A step of a login already begun: the page it is at.
    const auto login = pending(id);
    if (!login)
        return pages::error(400, u"This login has expired"_s,
                            u"Go back to the application and start the login again."_s);
    const QByteArray session = form::cookie(request, sessionCookieName());
    if (session.isEmpty()
        || !crypto::equalConstantTime(crypto::sha256(session), login->sessionHash))
        return pages::error(403, u"This login belongs to another browser"_s,
                            u"Go back to the application and start the login again in this "
                            "browser."_s);
    QString message;
    const QString error = form::value(items, u"error"_s);
    if (error == u"credentials"_s)
        message = u"The username or password is not right."_s;
    else if (error == u"patient"_s)
        message = u"Choose one of the patients below."_s;
    else if (error == u"decision"_s)
        message = u"Choose Allow or Deny."_s;
    return show(*login, message, form::value(items, u"name"_s).left(100));
}

Response AuthorizationServer::Private::start(const Request &request, const form::Items &items)
{
    // Until the client and its redirect URI are known to be right, errors go on a page:
    // redirecting to an unchecked URI would make this an open redirector (RFC 6749 §4.1.2.1).
    for (const QString &name : kAuthorizeParameters) {
        if (form::count(items, name) > 1)
            return pages::error(400, u"The request is malformed"_s,
                                u"The parameter %1 is repeated."_s.arg(name));
    }
    const QString clientId = form::value(items, u"client_id"_s);
    if (clientId.isEmpty())
        return pages::error(400, u"The request is malformed"_s,
                            u"The application sent no client_id."_s);
    auto found = clients.find(clientId.left(100));
    if (!found)
        return pages::error(500, u"The server failed"_s, u"Cannot read the applications."_s);
    if (!*found)
        return pages::error(
            400, u"Unknown application"_s,
            u"No application with the client_id %1 is registered here."_s.arg(clientId.left(100)));
    const ClientInfo &client = **found;
    const QString redirectUri = form::value(items, u"redirect_uri"_s);
    if (redirectUri.isEmpty())
        return pages::error(400, u"The request is malformed"_s,
                            u"The application sent no redirect_uri."_s);
    const bool registered = std::any_of(
        client.redirectUris.begin(), client.redirectUris.end(),
        [&](const QString &uri) { return ClientStore::redirectUriMatches(uri, redirectUri); });
    if (!registered)
        return pages::error(
            400, u"Redirect URI not registered"_s,
            u"%1 is not a redirect URI registered for %2; the registered ones "
            "are compared as exact strings."_s.arg(redirectUri.left(300), client.name));

    const QString state = form::value(items, u"state"_s);
    auto fail = [&](const QByteArray &code, const QString &description) {
        return errorToClient(302, redirectUri, code, description, state);
    };
    if (form::value(items, u"response_type"_s) != u"code"_s)
        return fail("unsupported_response_type",
                    u"only response_type=code (the authorization code flow) is supported"_s);
    if (!client.grantTypes.contains(u"authorization_code"_s))
        return fail("unauthorized_client",
                    u"this application is not registered for the authorization code flow"_s);
    if (state.size() > 2048 || form::value(items, u"nonce"_s).size() > 512)
        return fail("invalid_request", u"state or nonce is too long"_s);
    const QString challenge = form::value(items, u"code_challenge"_s);
    if (challenge.isEmpty())
        return fail("invalid_request",
                    u"PKCE is required: send code_challenge with code_challenge_method=S256"_s);
    if (form::value(items, u"code_challenge_method"_s) != u"S256"_s)
        return fail("invalid_request",
                    u"code_challenge_method must be S256; plain is not accepted"_s);
    if (!isPkceValue(challenge))
        return fail("invalid_request",
                    u"code_challenge must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~"_s);
    const QString aud = form::value(items, u"aud"_s);
    if (trimmedBase(aud) != trimmedBase(baseUrl))
        return fail("invalid_request",
                    u"aud must be the FHIR base URL of this server, %1"_s.arg(baseUrl));
    if (!form::value(items, u"launch"_s).isEmpty())
        return fail("invalid_request",
                    u"EHR launch is not supported: this server offers standalone launch"_s);

    const ScopeSet requested = parseScopes(form::value(items, u"scope"_s).left(4000));
    if (requested.hasContext(ScopeContext::System))
        return fail("invalid_scope",
                    u"system/ scopes are for backend services "
                    "(client_credentials), not for a user's login"_s);
    ScopeSet granted = requested.within(parseScopes(client.scopes));
    // Only standalone launch: `launch` and `launch/encounter` have nothing to give.
    granted.others.removeAll(u"launch"_s);
    granted.others.removeAll(u"launch/encounter"_s);
    if (granted.resources.isEmpty() && granted.others.isEmpty())
        return fail("invalid_scope",
                    requested.isEmpty()
                        ? u"ask for at least one scope"_s
                        : u"none of the requested scopes is allowed for this application"_s);

    purge();
    QByteArray session = form::cookie(request, sessionCookieName());
    if (session.size() != 43 || !crypto::isBase64Url(session)) {
        auto made = crypto::randomToken(32);
        if (!made)
            return pages::error(500, u"The server failed"_s, made.error());
        session = *made;
    }
    auto id = crypto::randomToken(18);
    auto csrf = crypto::randomToken(32);
    if (!id || !csrf)
        return pages::error(500, u"The server failed"_s, u"No random numbers."_s);
    PendingLogin login;
    login.id = QString::fromLatin1(*id);
    login.sessionHash = crypto::sha256(session);
    login.csrf = QString::fromLatin1(*csrf);
    login.clientId = client.clientId;
    login.redirectUri = redirectUri;
    login.scope = granted.toString();
    login.state = state;
    login.challenge = challenge;
    login.nonce = form::value(items, u"nonce"_s);
    login.created = now();
    auto inserted = store.query(
        "INSERT INTO oauth_request (id, session_hash, csrf, client_id, redirect_uri, scope,"
        " state, code_challenge, nonce, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
        " ?10)",
        {login.id, login.sessionHash, login.csrf, login.clientId, login.redirectUri, login.scope,
         login.state.isNull() ? QVariant() : QVariant(login.state), login.challenge, login.nonce,
         login.created});
    if (!inserted)
        return pages::error(500, u"The server failed"_s, u"Cannot store the login."_s);
    const QByteArray cookie = sessionCookieName() + '=' + session
        + "; Path=" + FhirServer::basePath().toUtf8() + "; HttpOnly; SameSite=Lax";
    return show(login, {}, {}, cookie);
}

Response AuthorizationServer::Private::show(const PendingLogin &login, const QString &message,
                                            const QString &nameFilter, const QByteArray &setCookie)
{
    const pages::Hidden hidden{login.id, login.csrf};
    auto client = clients.find(login.clientId);
    const QString clientName = client && *client ? (*client)->name : login.clientId;
    Response page;
    std::optional<UserInfo> user;
    if (login.userId != 0) {
        auto found = users.find(login.userId);
        if (found)
            user = *found;
    }
    const ScopeSet scopes = parseScopes(login.scope);
    if (!user) {
        page = pages::login(hidden, clientName, {}, message);
    } else if (needsPatient(scopes) && login.patient.isEmpty()) {
        page = pages::patientPicker(hidden, clientName, patients.find(nameFilter, 50), nameFilter,
                                    message);
    } else {
        pages::ConsentDetails details{clientName,
                                      user->displayName.isEmpty() ? user->username
                                                                  : user->displayName,
                                      {},
                                      scopes.texts()};
        if (!login.patient.isEmpty()) {
            const auto patient = patients.patient(login.patient);
            details.patientLabel
                = (patient && !patient->name.isEmpty() ? patient->name + u' ' : QString())
                + u"(Patient/"_s + login.patient + u')';
        }
        page = pages::consent(hidden, details);
    }
    if (!setCookie.isEmpty())
        page.headers.append({"Set-Cookie", setCookie});
    return page;
}

Response AuthorizationServer::Private::authorizePost(const Request &request)
{
    if (!isFormPost(request))
        return pages::error(415, u"The form could not be read"_s,
                            u"The login forms are posted as application/x-www-form-urlencoded."_s);
    const form::Items items = form::parse(request.body);
    const auto login = pending(form::value(items, u"request"_s));
    if (!login)
        return pages::error(400, u"This login has expired"_s,
                            u"Go back to the application and start the login again."_s);
    // The CSRF token must be the one this login's page carried, and the browser the one that
    // began it: a page elsewhere cannot post a login or an approval into someone's session.
    const QByteArray session = form::cookie(request, sessionCookieName());
    const QByteArray csrf = form::value(items, u"csrf"_s).toUtf8();
    if (csrf.isEmpty() || !crypto::equalConstantTime(csrf, login->csrf.toUtf8())
        || session.isEmpty()
        || !crypto::equalConstantTime(crypto::sha256(session), login->sessionHash))
        return pages::error(403, u"The form was refused"_s,
                            u"Its CSRF token is missing or wrong, or it comes from another "
                            "browser. Start the login again from the application."_s);
    const QByteArray again = "authorize?request=" + QUrl::toPercentEncoding(login->id);

    if (login->userId == 0) {
        auto user = users.authenticate(form::value(items, u"username"_s).left(64),
                                       form::value(items, u"password"_s));
        if (!user)
            return pages::error(500, u"The server failed"_s, u"Cannot read the users."_s);
        if (!*user) {
            const int failures = login->failures + 1;
            qCInfo(lcServer).noquote() << "OAuth login failed for client" << login->clientId;
            if (failures >= settings.maxLoginFailures) {
                (void)store.query("DELETE FROM oauth_request WHERE id = ?1", {login->id});
                return errorToClient(303, login->redirectUri, "access_denied",
                                     u"too many failed logins"_s, login->state);
            }
            (void)store.query("UPDATE oauth_request SET failures = ?2 WHERE id = ?1",
                              {login->id, failures});
            return seeOther(again + "&error=credentials");
        }
        const ScopeSet scopes = parseScopes(login->scope);
        const QString patient = needsPatient(scopes) ? (*user)->patientId() : QString();
        auto updated = store.query(
            "UPDATE oauth_request SET user_id = ?2, patient = ?3 WHERE id = ?1",
            {login->id, (*user)->id, patient.isEmpty() ? QVariant() : QVariant(patient)});
        if (!updated)
            return pages::error(500, u"The server failed"_s, u"Cannot store the login."_s);
        return seeOther(again);
    }

    if (needsPatient(parseScopes(login->scope)) && login->patient.isEmpty()) {
        const QString patient = form::value(items, u"patient"_s).left(64);
        if (patient.isEmpty() || !patients.patient(patient))
            return seeOther(again + "&error=patient");
        auto updated = store.query("UPDATE oauth_request SET patient = ?2 WHERE id = ?1",
                                   {login->id, patient});
        if (!updated)
            return pages::error(500, u"The server failed"_s, u"Cannot store the login."_s);
        return seeOther(again);
    }

    const QString decision = form::value(items, u"decision"_s);
    if (decision == u"approve"_s)
        return approve(*login);
    if (decision == u"deny"_s) {
        (void)store.query("DELETE FROM oauth_request WHERE id = ?1", {login->id});
        return errorToClient(303, login->redirectUri, "access_denied",
                             u"the user denied the request"_s, login->state);
    }
    return seeOther(again + "&error=decision");
}

Response AuthorizationServer::Private::approve(const PendingLogin &login)
{
    auto user = users.find(login.userId);
    auto grantId = crypto::randomToken(18);
    auto code = crypto::randomToken(32);
    if (!user || !*user || !grantId || !code)
        return pages::error(500, u"The server failed"_s, u"Cannot make the code."_s);
    Store::Transaction tx(store);
    const qint64 time = now();
    const QString fhirUser = (*user)->fhirUser;
    auto granted = store.query(
        "INSERT INTO oauth_grant (id, client_id, user_id, scope, patient, fhir_user, created)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        {QString::fromLatin1(*grantId), login.clientId, login.userId, login.scope,
         login.patient.isEmpty() ? QVariant() : QVariant(login.patient),
         fhirUser.isEmpty() ? QVariant() : QVariant(fhirUser), time});
    auto stored = granted
        ? store.query("INSERT INTO oauth_code (hash, grant_id, redirect_uri, code_challenge, nonce,"
                      " created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                      {crypto::sha256(*code), QString::fromLatin1(*grantId), login.redirectUri,
                       login.challenge, login.nonce, time})
        : granted;
    auto removed
        = stored ? store.query("DELETE FROM oauth_request WHERE id = ?1", {login.id}) : stored;
    if (!removed || !tx.commit())
        return pages::error(500, u"The server failed"_s, u"Cannot store the code."_s);
    qCInfo(lcServer).noquote() << "OAuth code issued to client" << login.clientId;
    return redirectToClient(303, login.redirectUri, {{u"code"_s, QString::fromLatin1(*code)}},
                            login.state);
}

} // namespace fhir::server
