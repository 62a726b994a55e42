// The integrated authorization server (SMART App Launch 2.x over OAuth 2.0), through the
// transport-free core: discovery, the authorization code flow with PKCE as a browser and an
// application play it, the token endpoint's rules, refresh rotation, introspection and
// revocation. Each SECURITY.md line of the AS sections has a test here; tst_oauthloopback runs
// the same flow over real HTTP.

#include "authfixture.h"

#include "embedded_server/auth/jwt.h"

#include <QTest>

using namespace fhir::server;
using namespace fhir::test;
using namespace Qt::StringLiterals;
using Json = nlohmann::json;

namespace {

Json claimsOf(const QString &token)
{
    auto decoded = jwt::decode(token.toLatin1());
    return decoded ? decoded->claims : Json();
}

Json headerOf(const QString &token)
{
    auto decoded = jwt::decode(token.toLatin1());
    return decoded ? decoded->header : Json();
}

QStringList strings(const Json &array)
{
    QStringList out;
    if (array.is_array()) {
        for (const auto &item : array)
            out.append(QString::fromStdString(item.get<std::string>()));
    }
    return out;
}

} // namespace

class TestAuthorizationServer : public QObject
{
    Q_OBJECT

    AuthFixture f;

private Q_SLOTS:
    // One deployment for every test (PBKDF2 makes users slow to add); each test starts on
    // the wall clock, and those that move it move it forward only.
    void initTestCase() { QVERIFY(f.setUp()); }
    void init() { f.now = QDateTime::currentMSecsSinceEpoch(); }
    void cleanupTestCase()
    {
        f.server.reset();
        f.dir.reset();
    }

    // SECURITY.md, Discovery.
    void smartConfigurationAdvertisesTheFlow()
    {
        OAuthBrowser browser(f.send());
        const Response r = browser.get(u".well-known/smart-configuration"_s, {});
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("Content-Type").startsWith("application/json"));
        const Json c = parseJson(r.body);
        const QString base = f.base();
        QCOMPARE(QString::fromStdString(c.value("issuer", "")), base);
        QCOMPARE(QString::fromStdString(c.value("authorization_endpoint", "")),
                 base + u"/authorize"_s);
        QCOMPARE(QString::fromStdString(c.value("token_endpoint", "")), base + u"/token"_s);
        QCOMPARE(QString::fromStdString(c.value("jwks_uri", "")), base + u"/jwks"_s);
        QCOMPARE(QString::fromStdString(c.value("introspection_endpoint", "")),
                 base + u"/introspect"_s);
        QCOMPARE(QString::fromStdString(c.value("revocation_endpoint", "")), base + u"/revoke"_s);
        QCOMPARE(strings(c.value("code_challenge_methods_supported", Json())),
                 QStringList{u"S256"_s});
        QCOMPARE(strings(c.value("response_types_supported", Json())), QStringList{u"code"_s});
        const QStringList grants = strings(c.value("grant_types_supported", Json()));
        QVERIFY(grants.contains(u"authorization_code"_s));
        QVERIFY(grants.contains(u"client_credentials"_s));
        QVERIFY(grants.contains(u"refresh_token"_s));
        QVERIFY(!grants.contains(u"password"_s));
        QVERIFY(!grants.contains(u"implicit"_s));
        const QStringList capabilities = strings(c.value("capabilities", Json()));
        for (const char *wanted : {"permission-v1", "permission-v2", "sso-openid-connect",
                                   "launch-standalone", "client-public"})
            QVERIFY2(capabilities.contains(QLatin1StringView(wanted)), wanted);
        QVERIFY(!strings(c.value("scopes_supported", Json())).isEmpty());
    }

    void openidConfigurationAndJwks()
    {
        OAuthBrowser browser(f.send());
        const Json oidc = parseJson(browser.get(u".well-known/openid-configuration"_s, {}).body);
        QCOMPARE(QString::fromStdString(oidc.value("issuer", "")), f.base());
        const Response keys = browser.get(u"jwks"_s, {});
        QCOMPARE(keys.status, 200);
        const Json jwks = parseJson(keys.body);
        QVERIFY(jwks.at("keys").is_array() && !jwks.at("keys").empty());
        const Json &key = jwks.at("keys").front();
        QCOMPARE(key.value("kty", ""), std::string("RSA"));
        QCOMPARE(key.value("alg", ""), std::string("RS256"));
        QVERIFY(!key.contains("d")); // never the private part
    }

    // The whole flow, then the token's shape (SECURITY.md, Token endpoint: Responses).
    void codeFlowIssuesASmartToken()
    {
        const TokenReply t
            = f.appTokens(u"patient/*.rs openid fhirUser launch/patient offline_access"_s);
        QCOMPARE(t.status, 200);
        QVERIFY(t.response.header("Content-Type").startsWith("application/json"));
        QCOMPARE(t.response.header("Cache-Control"), QByteArray("no-store"));
        QCOMPARE(t.text("token_type"), u"Bearer"_s);
        QVERIFY(t.body.at("expires_in").get<int>() > 0
                && t.body.at("expires_in").get<int>() <= 3600);
        QCOMPARE(t.text("patient"), u"pa"_s);
        const QStringList granted = t.text("scope").split(u' ');
        QVERIFY(granted.contains(u"patient/*.rs"_s));
        QVERIFY(granted.contains(u"offline_access"_s));
        QVERIFY(!t.text("refresh_token").isEmpty());
        QVERIFY(!t.text("id_token").isEmpty());

        const QString access = t.text("access_token");
        const Json header = headerOf(access);
        QCOMPARE(header.value("alg", ""), std::string("RS256"));
        QVERIFY(!header.value("kid", "").empty());
        const Json claims = claimsOf(access);
        QCOMPARE(QString::fromStdString(claims.value("iss", "")), f.base());
        QCOMPARE(QString::fromStdString(claims.value("aud", "")), f.base());
        QCOMPARE(QString::fromStdString(claims.value("client_id", "")), f.appId);
        QCOMPARE(QString::fromStdString(claims.value("patient", "")), u"pa"_s);
        QCOMPARE(QString::fromStdString(claims.value("sub", "")), u"alice"_s);
        QVERIFY(claims.value("exp", 0LL) - claims.value("iat", 0LL) <= 3600);
        const Json id = claimsOf(t.text("id_token"));
        QCOMPARE(QString::fromStdString(id.value("aud", "")), f.appId);
        QVERIFY(QString::fromStdString(id.value("fhirUser", "")).endsWith(u"Patient/pa"_s));

        // The token opens the FHIR API.
        QCOMPARE(f.fhir("GET", u"Patient/pa"_s, access).status, 200);
    }

    void stateAndIssuerComeBackWithTheCode()
    {
        OAuthBrowser browser(f.send());
        const AuthorizeRequest request = f.appRequest(u"patient/*.rs launch/patient"_s);
        const LoginResult login = logIn(browser, request, u"alice"_s, kPassword);
        QCOMPARE(login.last.status, 303);
        QVERIFY(
            login.last.header("Location").startsWith(QByteArray(kAppRedirect.toLatin1() + '?')));
        QCOMPARE(login.state, request.state);
        QCOMPARE(login.iss, f.base()); // RFC 9207
    }

    void loginPagesCannotBeFramed()
    {
        OAuthBrowser browser(f.send());
        const Response page = browser.get(u"authorize"_s, f.appRequest(u"patient/*.rs"_s).query());
        QCOMPARE(page.status, 200);
        QCOMPARE(page.header("X-Frame-Options"), QByteArray("DENY"));
        QVERIFY(page.header("Content-Security-Policy").contains("frame-ancestors 'none'"));
        // Not no-referrer: browsers would post the forms with Origin: null (tst_browserlogin).
        QCOMPARE(page.header("Referrer-Policy"), QByteArray("same-origin"));
        QVERIFY(page.body.contains("name=\"username\""));
        QVERIFY(page.body.contains("name=\"password\""));
        QVERIFY(!browser.hidden(u"csrf"_s).isEmpty());
        // A POST is answered with 303 See Other.
        form::Items login = browser.hiddenInputs();
        login += {{u"username"_s, u"alice"_s}, {u"password"_s, kPassword}};
        QCOMPARE(browser.post(u"authorize"_s, login).status, 303);
    }

    void wrongPasswordShowsTheLoginAgain()
    {
        OAuthBrowser browser(f.send());
        const LoginResult login
            = logIn(browser, f.appRequest(u"patient/*.rs"_s), u"alice"_s, u"wrong"_s);
        QVERIFY(login.code.isEmpty());
        QVERIFY(browser.lastPage().contains("not right"));
    }

    void csrfTokenIsRequired_data()
    {
        QTest::addColumn<QString>("csrf");
        QTest::addColumn<bool>("sameBrowser");
        QTest::newRow("missing") << QString() << true;
        QTest::newRow("wrong") << u"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"_s << true;
        QTest::newRow("another browser") << u"(the page's)"_s << false;
    }
    void csrfTokenIsRequired()
    {
        QFETCH(QString, csrf);
        QFETCH(bool, sameBrowser);
        OAuthBrowser browser(f.send());
        QCOMPARE(browser.get(u"authorize"_s, f.appRequest(u"patient/*.rs"_s).query()).status, 200);
        form::Items form{{u"request"_s, browser.hidden(u"request"_s)}};
        if (csrf == u"(the page's)"_s)
            form.append({u"csrf"_s, browser.hidden(u"csrf"_s)});
        else if (!csrf.isEmpty())
            form.append({u"csrf"_s, csrf});
        form += {{u"username"_s, u"alice"_s}, {u"password"_s, kPassword}};
        if (!sameBrowser)
            browser.forgetCookies();
        const Response r = browser.post(u"authorize"_s, form);
        QCOMPARE(r.status, 403);
        QVERIFY(r.header("Location").isEmpty());
    }

    // SECURITY.md: a bad redirect_uri gets an error page, never a redirect.
    void redirectUriMustMatchExactly_data()
    {
        QTest::addColumn<QString>("redirectUri");
        QTest::newRow("trailing slash") << u"http://127.0.0.1/callback/"_s;
        QTest::newRow("other case") << u"http://127.0.0.1/Callback"_s;
        QTest::newRow("extra query") << u"http://127.0.0.1/callback?x=1"_s;
        QTest::newRow("localhost for 127.0.0.1") << u"http://localhost/callback"_s;
        QTest::newRow("other path") << u"http://127.0.0.1/other"_s;
        QTest::newRow("https for http") << u"https://127.0.0.1/callback"_s;
        QTest::newRow("extra slash in path") << u"http://127.0.0.1//callback"_s;
        QTest::newRow("another host") << u"http://evil.example/callback"_s;
    }
    void redirectUriMustMatchExactly()
    {
        QFETCH(QString, redirectUri);
        AuthorizeRequest request = f.appRequest(u"patient/*.rs"_s);
        request.redirectUri = redirectUri;
        OAuthBrowser browser(f.send());
        const Response r = browser.get(u"authorize"_s, request.query());
        QCOMPARE(r.status, 400);
        QVERIFY(r.header("Location").isEmpty());
        QVERIFY(r.header("Content-Type").startsWith("text/html"));
    }

    void unknownClientGetsAPage()
    {
        AuthorizeRequest request = f.appRequest(u"patient/*.rs"_s);
        request.clientId = u"fpc_0000000000000000"_s;
        OAuthBrowser browser(f.send());
        const Response r = browser.get(u"authorize"_s, request.query());
        QCOMPARE(r.status, 400);
        QVERIFY(r.header("Location").isEmpty());
    }

    void confidentialRedirectUriVariantsAreRefused()
    {
        // Without the loopback exception: the port is part of the exact match.
        AuthorizeRequest request = f.appRequest(u"patient/*.rs"_s);
        request.clientId = f.webId;
        request.redirectUri = u"https://app.example.org:8443/callback"_s;
        OAuthBrowser browser(f.send());
        QCOMPARE(browser.get(u"authorize"_s, request.query()).status, 400);
    }

    void loopbackRedirectTakesAnyPort() // RFC 8252 §7.3
    {
        AuthorizeRequest request = f.appRequest(u"patient/*.rs launch/patient"_s);
        request.redirectUri = u"http://127.0.0.1:54321/callback"_s;
        OAuthBrowser browser(f.send());
        const LoginResult login = logIn(browser, request, u"alice"_s, kPassword);
        QVERIFY(login.last.header("Location").startsWith("http://127.0.0.1:54321/callback?"));
        QVERIFY(!login.code.isEmpty());
        QCOMPARE(f.exchange(login.code, request).status, 200);
    }

    // SECURITY.md: errors go back to a checked redirect URI with an RFC 6749 code and state.
    void authorizationErrorsRedirectWithState_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("error");
        QTest::newRow("implicit grant")
            << u"response_type"_s << u"token"_s << u"unsupported_response_type"_s;
        QTest::newRow("no PKCE") << u"code_challenge"_s << QString() << u"invalid_request"_s;
        QTest::newRow("plain PKCE")
            << u"code_challenge_method"_s << u"plain"_s << u"invalid_request"_s;
        QTest::newRow("short challenge") << u"code_challenge"_s << u"abc"_s << u"invalid_request"_s;
        QTest::newRow("no aud") << u"aud"_s << QString() << u"invalid_request"_s;
        QTest::newRow("other aud")
            << u"aud"_s << u"https://other.example/fhir"_s << u"invalid_request"_s;
        QTest::newRow("system scope in a code flow")
            << u"scope"_s << u"system/*.rs"_s << u"invalid_scope"_s;
    }
    void authorizationErrorsRedirectWithState()
    {
        QFETCH(QString, name);
        QFETCH(QString, value);
        QFETCH(QString, error);
        const AuthorizeRequest request = f.appRequest(u"patient/*.rs"_s);
        QList<QPair<QString, QString>> query;
        for (const auto &[key, v] : request.query()) {
            if (key != name)
                query.append({key, v});
            else if (!value.isEmpty())
                query.append({key, value});
        }
        OAuthBrowser browser(f.send());
        const Response r = browser.get(u"authorize"_s, query);
        QVERIFY2(r.status == 302 || r.status == 303, r.body.constData());
        const QByteArray location = r.header("Location");
        QVERIFY(location.startsWith(kAppRedirect.toLatin1()));
        QCOMPARE(queryValue(location, u"error"_s), error);
        QCOMPARE(queryValue(location, u"state"_s), request.state);
        QVERIFY(queryValue(location, u"code"_s).isEmpty());
    }

    void denyingSaysAccessDenied()
    {
        OAuthBrowser browser(f.send());
        const AuthorizeRequest request = f.appRequest(u"patient/*.rs launch/patient"_s);
        const LoginResult login = logIn(browser, request, u"alice"_s, kPassword, {}, false);
        QCOMPARE(login.error, u"access_denied"_s);
        QCOMPARE(login.state, request.state);
        QVERIFY(login.code.isEmpty());
    }

    void patientPickerGivesTheChosenPatient()
    {
        // bob is linked to no patient: launch/patient shows the picker.
        const TokenReply t = f.appTokens(u"patient/*.rs launch/patient"_s, u"bob"_s, u"pb"_s);
        QCOMPARE(t.status, 200);
        QCOMPARE(t.text("patient"), u"pb"_s);
    }

    // SECURITY.md, Token endpoint.
    void codeIsSingleUseAndReuseRevokes()
    {
        OAuthBrowser browser(f.send());
        const AuthorizeRequest request
            = f.appRequest(u"patient/*.rs launch/patient offline_access"_s);
        const LoginResult login = logIn(browser, request, u"alice"_s, kPassword);
        const TokenReply first = f.exchange(login.code, request);
        QCOMPARE(first.status, 200);
        const QString access = first.text("access_token");
        QCOMPARE(f.fhir("GET", u"Patient/pa"_s, access).status, 200);
        const TokenReply second = f.exchange(login.code, request);
        QCOMPARE(second.status, 400);
        QCOMPARE(second.text("error"), u"invalid_grant"_s);
        // RFC 6749 §4.1.2: what the first exchange issued is revoked.
        QCOMPARE(f.fhir("GET", u"Patient/pa"_s, access).status, 401);
        const TokenReply refreshed = tokenCall(f.send(),
                                               {{u"grant_type"_s, u"refresh_token"_s},
                                                {u"refresh_token"_s, first.text("refresh_token")},
                                                {u"client_id"_s, f.appId}});
        QCOMPARE(refreshed.text("error"), u"invalid_grant"_s);
    }

    void codeExchangeRules_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::newRow("wrong verifier")
            << u"code_verifier"_s << u"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"_s;
        QTest::newRow("no verifier") << u"code_verifier"_s << QString();
        QTest::newRow("other redirect_uri") << u"redirect_uri"_s << u"http://127.0.0.1/other"_s;
        QTest::newRow("other client") << u"client_id"_s << u"(web)"_s;
    }
    void codeExchangeRules()
    {
        QFETCH(QString, field);
        QFETCH(QString, value);
        OAuthBrowser browser(f.send());
        const AuthorizeRequest request = f.appRequest(u"patient/*.rs launch/patient"_s);
        const LoginResult login = logIn(browser, request, u"alice"_s, kPassword);
        QVERIFY(!login.code.isEmpty());
        form::Items items{{u"grant_type"_s, u"authorization_code"_s},
                          {u"code"_s, login.code},
                          {u"redirect_uri"_s, request.redirectUri},
                          {u"client_id"_s, request.clientId},
                          {u"code_verifier"_s, request.pkce.verifier}};
        HeaderList extra;
        for (auto &[key, v] : items) {
            if (key == field)
                v = value;
        }
        if (value == u"(web)"_s) {
            items.removeIf([](const auto &item) { return item.first == u"client_id"_s; });
            extra = basicAuth(f.webId, f.webSecret);
        }
        items.removeIf([](const auto &item) { return item.second.isEmpty(); });
        const TokenReply t = tokenCall(f.send(), items, extra);
        QCOMPARE(t.status, 400);
        QVERIFY2(t.text("error") == u"invalid_grant"_s || t.text("error") == u"invalid_request"_s,
                 t.response.body.constData());
        QVERIFY(t.text("access_token").isEmpty());
    }

    // SECURITY.md: a verifier without a stored challenge is an error (a PKCE downgrade).
    // Every code gets one at the authorization endpoint, so the store is made to lack it.
    void verifierWithoutChallengeIsRefused()
    {
        OAuthBrowser browser(f.send());
        const AuthorizeRequest request = f.appRequest(u"patient/*.rs launch/patient"_s);
        const LoginResult login = logIn(browser, request, u"alice"_s, kPassword);
        QVERIFY(!login.code.isEmpty());
        QVERIFY(f.server->store().query("UPDATE oauth_code SET code_challenge = ''", {}));
        const TokenReply t = f.exchange(login.code, request);
        QCOMPARE(t.status, 400);
        QCOMPARE(t.text("error"), u"invalid_grant"_s);
    }

    void codeExpiresAfterAMinute()
    {
        OAuthBrowser browser(f.send());
        const AuthorizeRequest request = f.appRequest(u"patient/*.rs launch/patient"_s);
        const LoginResult login = logIn(browser, request, u"alice"_s, kPassword);
        f.now += 61 * 1000;
        const TokenReply t = f.exchange(login.code, request);
        QCOMPARE(t.status, 400);
        QCOMPARE(t.text("error"), u"invalid_grant"_s);
    }

    // RFC 7636 Appendix B, and the server accepting that pair.
    void pkceKnownAnswerVector()
    {
        const QString verifier = u"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"_s;
        const QString challenge = u"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"_s;
        QCOMPARE(Pkce::challengeOf(verifier), challenge);
        AuthorizeRequest request = f.appRequest(u"patient/*.rs launch/patient"_s);
        request.pkce = {verifier, challenge};
        OAuthBrowser browser(f.send());
        const LoginResult login = logIn(browser, request, u"alice"_s, kPassword);
        QCOMPARE(f.exchange(login.code, request).status, 200);
    }

    void refreshRotatesAndDetectsReuse()
    {
        const TokenReply first = f.appTokens(u"patient/*.rs launch/patient offline_access"_s);
        const QString refresh1 = first.text("refresh_token");
        QVERIFY(!refresh1.isEmpty());
        auto refresh = [&](const QString &token, const QString &scope = {}) {
            form::Items items{{u"grant_type"_s, u"refresh_token"_s},
                              {u"refresh_token"_s, token},
                              {u"client_id"_s, f.appId}};
            if (!scope.isEmpty())
                items.append({u"scope"_s, scope});
            return tokenCall(f.send(), items);
        };
        const TokenReply second = refresh(refresh1);
        QCOMPARE(second.status, 200);
        const QString refresh2 = second.text("refresh_token");
        QVERIFY(!refresh2.isEmpty() && refresh2 != refresh1);
        QCOMPARE(second.text("patient"), u"pa"_s);
        QCOMPARE(f.fhir("GET", u"Patient/pa"_s, second.text("access_token")).status, 200);
        // Reuse of the rotated-out token: refused, and the whole family revoked.
        QCOMPARE(refresh(refresh1).text("error"), u"invalid_grant"_s);
        QCOMPARE(refresh(refresh2).text("error"), u"invalid_grant"_s);
        QCOMPARE(f.fhir("GET", u"Patient/pa"_s, second.text("access_token")).status, 401);
    }

    void refreshScopesMayOnlyShrink()
    {
        const TokenReply first
            = f.appTokens(u"patient/Observation.rs launch/patient offline_access"_s);
        const TokenReply wider = tokenCall(f.send(),
                                           {{u"grant_type"_s, u"refresh_token"_s},
                                            {u"refresh_token"_s, first.text("refresh_token")},
                                            {u"client_id"_s, f.appId},
                                            {u"scope"_s, u"patient/*.cruds"_s}});
        QCOMPARE(wider.status, 400);
        QCOMPARE(wider.text("error"), u"invalid_scope"_s);
    }

    void clientCredentialsForBackendsOnly()
    {
        const TokenReply backend = f.backendToken(u"system/*.rs"_s);
        QCOMPARE(backend.status, 200);
        QCOMPARE(backend.text("scope"), u"system/*.rs"_s);
        QVERIFY(backend.text("refresh_token").isEmpty());
        QCOMPARE(f.fhir("GET", u"Observation"_s, backend.text("access_token")).status, 200);
        // A public client cannot use it; a wrong secret is invalid_client.
        const TokenReply publicClient = tokenCall(f.send(),
                                                  {{u"grant_type"_s, u"client_credentials"_s},
                                                   {u"client_id"_s, f.appId},
                                                   {u"scope"_s, u"system/*.rs"_s}});
        QCOMPARE(publicClient.status, 400);
        const TokenReply wrongSecret = tokenCall(
            f.send(), {{u"grant_type"_s, u"client_credentials"_s}, {u"scope"_s, u"system/*.rs"_s}},
            basicAuth(f.backendId, u"fcs_wrong"_s));
        QCOMPARE(wrongSecret.status, 401);
        QCOMPARE(wrongSecret.text("error"), u"invalid_client"_s);
    }

    void noPasswordGrant()
    {
        const TokenReply t = tokenCall(f.send(),
                                       {{u"grant_type"_s, u"password"_s},
                                        {u"username"_s, u"alice"_s},
                                        {u"password"_s, kPassword},
                                        {u"client_id"_s, f.appId}});
        QCOMPARE(t.status, 400);
        QCOMPARE(t.text("error"), u"unsupported_grant_type"_s);
    }

    // SECURITY.md, Tokens: introspection says active false for expired or revoked tokens.
    void introspectionAndRevocation()
    {
        const TokenReply t
            = f.appTokens(u"patient/*.rs launch/patient offline_access"_s, u"alice"_s);
        const QString access = t.text("access_token");
        auto post = [&](const QString &endpoint, const form::Items &items) {
            return f.server->handle({"POST",
                                     FhirServer::basePath() + u'/' + endpoint,
                                     {},
                                     {{"Content-Type", "application/x-www-form-urlencoded"}},
                                     form::encode(items)});
        };
        Response active = post(u"introspect"_s, {{u"token"_s, access}, {u"client_id"_s, f.appId}});
        QCOMPARE(active.status, 200);
        Json body = parseJson(active.body);
        QCOMPARE(body.value("active", false), true);
        QCOMPARE(QString::fromStdString(body.value("patient", "")), u"pa"_s);
        QVERIFY(QString::fromStdString(body.value("scope", "")).contains(u"patient/*.rs"_s));

        // Revoking the refresh token revokes its grant, and so the access token.
        Response revoked
            = post(u"revoke"_s, {{u"token"_s, t.text("refresh_token")}, {u"client_id"_s, f.appId}});
        QCOMPARE(revoked.status, 200);
        body = parseJson(
            post(u"introspect"_s, {{u"token"_s, access}, {u"client_id"_s, f.appId}}).body);
        QCOMPARE(body.value("active", true), false);
        QCOMPARE(f.fhir("GET", u"Patient/pa"_s, access).status, 401);
    }

    void introspectionOfAnExpiredToken()
    {
        const TokenReply t = f.appTokens(u"patient/*.rs launch/patient"_s);
        f.now += 3600 * 1000 + 61 * 1000;
        const Response r = f.server->handle(
            {"POST",
             FhirServer::basePath() + u"/introspect"_s,
             {},
             {{"Content-Type", "application/x-www-form-urlencoded"}},
             form::encode({{u"token"_s, t.text("access_token")}, {u"client_id"_s, f.appId}})});
        QCOMPARE(r.status, 200);
        QCOMPARE(parseJson(r.body).value("active", true), false);
    }

    void userinfoNamesTheUser()
    {
        const TokenReply t = f.appTokens(u"openid fhirUser patient/*.rs launch/patient"_s);
        const Response r
            = f.server->handle({"GET",
                                FhirServer::basePath() + u"/userinfo"_s,
                                {},
                                {{"Authorization", "Bearer " + t.text("access_token").toLatin1()}},
                                {}});
        QCOMPARE(r.status, 200);
        QCOMPARE(QString::fromStdString(parseJson(r.body).value("sub", "")), u"alice"_s);
    }

    void capabilityStatementCarriesTheSmartExtension()
    {
        const Response r
            = f.server->handle({"GET", FhirServer::basePath() + u"/metadata"_s, {}, {}, {}});
        QCOMPARE(r.status, 200);
        const Json security = parseJson(r.body).at("rest").at(0).at("security");
        QCOMPARE(security.at("service").at(0).at("coding").at(0).value("code", ""),
                 std::string("SMART-on-FHIR"));
        QMap<QString, QString> uris;
        for (const auto &e : security.at("extension").at(0).at("extension"))
            uris.insert(QString::fromStdString(e.value("url", "")),
                        QString::fromStdString(e.value("valueUri", "")));
        QCOMPARE(uris.value(u"authorize"_s), f.base() + u"/authorize"_s);
        QCOMPARE(uris.value(u"token"_s), f.base() + u"/token"_s);
        QCOMPARE(uris.value(u"introspect"_s), f.base() + u"/introspect"_s);
        QCOMPARE(uris.value(u"revoke"_s), f.base() + u"/revoke"_s);
    }
};

QTEST_GUILESS_MAIN(TestAuthorizationServer)
#include "tst_authorizationserver.moc"
