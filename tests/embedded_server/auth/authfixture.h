#pragma once

// A deployment with OAuth on, two patients and their records, users and applications, for
// the authorization server's and the scope enforcement's tests.
//
//   Patient pa (alice's record) and pb; Practitioner pr.
//   Observation oa (pa, vital-signs, performer pr, focus Condition/cb), oa-lab (pa,
//   laboratory), ob (pb, vital-signs, performer pr); Condition ca (pa), cb (pb).
//   Users: alice (Patient/pa), bob (none), carol (Practitioner/pr); password "correct horse".
//   Clients: app (public, loopback redirect), web (confidential, exact redirect),
//   backend (confidential, client_credentials).

#include "oauthbrowser.h"

#include "embedded_server/auth/authorizationserver.h"
#include "embedded_server/fhirserver.h"

#include "testmodel.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

namespace fhir::test {

inline const QString kPassword = u"correct horse"_qs;
inline const QString kAppRedirect = u"http://127.0.0.1/callback"_qs;
inline const QString kWebRedirect = u"https://app.example.org/callback"_qs;
inline const QString kLabCategory
    = u"http://terminology.hl7.org/CodeSystem/observation-category|laboratory"_qs;

struct AuthFixture
{
    std::unique_ptr<QTemporaryDir> dir;
    std::unique_ptr<server::FhirServer> server;
    qint64 now = 0; ///< the server's clock, in ms; tests move it
    QString appId, webId, webSecret, backendId, backendSecret;

    Send send()
    {
        return [this](const Request &r) {
            return server->handle(r);
        };
    }
    server::AuthorizationServer &as() { return *server->authorizationServer(); }
    QString base() const { return server->options().baseUrl; }

    static QByteArray observation(const char *id, const char *patient, const char *category,
                                  const char *extra = "")
    {
        return QByteArray(R"({"resourceType":"Observation","id":")") + id
            + R"(","status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":")"
            + category
            + R"("}]}],"code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/)"
            + patient + R"("})" + extra + "}";
    }

    /// Creates the store, seeds it as its owner, then opens it with OAuth on. False on a
    /// failure (QVERIFY it).
    bool setUp(server::ServerOptions options = {})
    {
        dir = std::make_unique<QTemporaryDir>();
        static const auto model = loadTestModel();
        if (!model)
            return false;
        {
            server::ServerOptions owner;
            owner.requireApiKey = false;
            auto seeding = server::FhirServer::open(model, dir->path(), owner);
            if (!seeding) {
                qWarning() << seeding.error();
                return false;
            }
            const QList<std::pair<QString, QByteArray>> resources = {
                {u"Patient/pa"_qs,
                 R"({"resourceType":"Patient","id":"pa","name":[{"given":["Alice"],"family":"Able"}],"gender":"female"})"},
                {u"Patient/pb"_qs,
                 R"({"resourceType":"Patient","id":"pb","name":[{"given":["Bruno"],"family":"Baker"}],"gender":"male"})"},
                {u"Practitioner/pr"_qs,
                 R"({"resourceType":"Practitioner","id":"pr","name":[{"family":"Carter"}]})"},
                {u"Condition/ca"_qs,
                 R"({"resourceType":"Condition","id":"ca","subject":{"reference":"Patient/pa"}})"},
                {u"Condition/cb"_qs,
                 R"({"resourceType":"Condition","id":"cb","subject":{"reference":"Patient/pb"}})"},
                {u"Observation/oa"_qs,
                 observation(
                     "oa", "pa", "vital-signs",
                     R"(,"performer":[{"reference":"Practitioner/pr"}],"focus":[{"reference":"Condition/cb"}])")},
                {u"Observation/oa-lab"_qs, observation("oa-lab", "pa", "laboratory")},
                {u"Observation/ob"_qs,
                 observation("ob", "pb", "vital-signs",
                             R"(,"performer":[{"reference":"Practitioner/pr"}])")},
            };
            for (const auto &[path, body] : resources) {
                server::Response r
                    = (*seeding)->handle({"PUT",
                                          server::FhirServer::basePath() + u'/' + path,
                                          {},
                                          {{"Content-Type", "application/fhir+json"}},
                                          body});
                if (r.status >= 300) {
                    qWarning() << path << r.status << r.body;
                    return false;
                }
            }
        }
        options.oauth = true;
        auto opened = server::FhirServer::open(model, dir->path(), options);
        if (!opened) {
            qWarning() << opened.error();
            return false;
        }
        server = std::move(opened).value();
        now = QDateTime::currentMSecsSinceEpoch();
        server->setClock([this] { return now; });
        // The authorization server reads the same clock through the FHIR server's.
        auto &users = as().users();
        for (const auto &[name, fhirUser] :
             {std::pair{u"alice"_qs, u"Patient/pa"_qs}, std::pair{u"bob"_qs, QString()},
              std::pair{u"carol"_qs, u"Practitioner/pr"_qs}}) {
            if (auto made = users.create(name, kPassword, fhirUser); !made) {
                qWarning() << "user" << name << made.error();
                return false;
            }
        }
        server::ClientInfo app;
        app.name = u"Native app"_qs;
        app.redirectUris = {kAppRedirect};
        app.scopes = u"patient/*.cruds user/*.cruds openid fhirUser profile launch/patient "
                     "offline_access online_access"_qs;
        auto madeApp = as().clients().create(app);
        server::ClientInfo web;
        web.name = u"Web app"_qs;
        web.confidential = true;
        web.redirectUris = {kWebRedirect};
        web.scopes = u"patient/*.rs user/*.rs openid fhirUser launch/patient offline_access"_qs;
        auto madeWeb = as().clients().create(web);
        server::ClientInfo backend;
        backend.name = u"Backend"_qs;
        backend.confidential = true;
        backend.grantTypes = {u"client_credentials"_qs};
        backend.scopes = u"system/*.rs system/Observation.cruds"_qs;
        auto madeBackend = as().clients().create(backend);
        for (const auto *made : {&madeApp, &madeWeb, &madeBackend}) {
            if (!*made) {
                qWarning() << "client:" << made->error();
                return false;
            }
        }
        appId = madeApp->info.clientId;
        webId = madeWeb->info.clientId;
        webSecret = madeWeb->secret;
        backendId = madeBackend->info.clientId;
        backendSecret = madeBackend->secret;
        return true;
    }

    AuthorizeRequest appRequest(const QString &scope) const
    {
        AuthorizeRequest r;
        r.clientId = appId;
        r.redirectUri = kAppRedirect;
        r.scope = scope;
        r.aud = base();
        return r;
    }

    /// The code flow of the native app for `user`, then the code exchanged: the token reply.
    TokenReply appTokens(const QString &scope, const QString &user = u"alice"_qs,
                         const QString &patient = {})
    {
        OAuthBrowser browser(send());
        const AuthorizeRequest request = appRequest(scope);
        const LoginResult login = logIn(browser, request, user, kPassword, patient);
        if (login.code.isEmpty()) {
            qWarning() << "login failed:" << login.last.status << login.error
                       << login.last.header("Location") << login.last.body.left(400);
            return {};
        }
        return exchange(login.code, request);
    }

    TokenReply exchange(const QString &code, const AuthorizeRequest &request)
    {
        return tokenCall(send(),
                         {{u"grant_type"_qs, u"authorization_code"_qs},
                          {u"code"_qs, code},
                          {u"redirect_uri"_qs, request.redirectUri},
                          {u"client_id"_qs, request.clientId},
                          {u"code_verifier"_qs, request.pkce.verifier}});
    }

    TokenReply backendToken(const QString &scope)
    {
        return tokenCall(send(),
                         {{u"grant_type"_qs, u"client_credentials"_qs}, {u"scope"_qs, scope}},
                         basicAuth(backendId, backendSecret));
    }

    /// A FHIR request with `token` as its bearer token.
    server::Response fhir(const QByteArray &method, const QString &path, const QString &token,
                          const QByteArray &body = {})
    {
        QString pathPart = path;
        QList<QPair<QString, QString>> query;
        if (const qsizetype q = path.indexOf(u'?'); q >= 0) {
            pathPart = path.left(q);
            query = QUrlQuery(path.mid(q + 1)).queryItems(QUrl::FullyDecoded);
        }
        server::HeaderList headers{{"Authorization", "Bearer " + token.toLatin1()}};
        if (!body.isEmpty())
            headers.append({QByteArray("Content-Type"), QByteArray("application/fhir+json")});
        return server->handle(
            {method, server::FhirServer::basePath() + u'/' + pathPart, query, headers, body});
    }
};

inline nlohmann::json parseJson(const QByteArray &body)
{
    return nlohmann::json::parse(body.toStdString(), nullptr, false);
}

/// "Type/id" of every entry of a Bundle, in order.
inline QStringList entryIds(const QByteArray &bundle)
{
    QStringList ids;
    const auto json = parseJson(bundle);
    if (!json.is_object() || !json.contains("entry"))
        return ids;
    for (const auto &entry : json.at("entry")) {
        if (entry.contains("resource"))
            ids.append(QString::fromStdString(entry.at("resource").value("resourceType", "") + "/"
                                              + entry.at("resource").value("id", "")));
    }
    return ids;
}

} // namespace fhir::test
