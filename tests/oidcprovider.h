#pragma once

// A real external OpenID provider for tests: the npm package oidc-provider, run by
// tests/support/oidc-provider/provider.mjs with node on 127.0.0.1 (a free port), stopped when
// the OidcProvider goes (and by itself when the test process dies: it watches its stdin).
// A test target gets it with fhir_use_oidc_provider(<target>) (cmake/OidcProvider.cmake), which
// installs the node modules at configure time and tells this header where they are.
//
//     fhir::test::OidcProvider provider;
//     fhir::test::OidcProviderOptions options;
//     options.resource = fhirBaseUrl;                       // the tokens' aud
//     const fhir::Result<bool> started = provider.start(options);
//     QVERIFY2(started, qPrintable(started.error()));
//     const fhir::Result<QString> jwt
//         = provider.clientCredentialsToken({.scope = u"system/*.rs"_s, .patient = u"p1"_s});
//
// Access tokens are RS256 JWTs (typ at+jwt) with iss, aud (the resource), sub, client_id, iat,
// exp, jti, and `scope` (a string) or `scp` (an array), plus `patient` when asked for.

#include "schemas/result.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QStandardPaths>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <QUrl>
#include <QUrlQuery>
#include <QUuid>

#include <memory>
#include <utility>

#ifndef FHIR_OIDC_PROVIDER_DIR
#error "link the test with fhir_use_oidc_provider(<target>) from cmake/OidcProvider.cmake"
#endif

namespace fhir::test {

/// How long start() waits for the provider's first line, and an HTTP exchange for its answer.
inline constexpr int oidcStartTimeoutMs = 20000;
inline constexpr int oidcHttpTimeoutMs = 10000;

/// The provider's configuration; empty fields keep provider.mjs's defaults (its header says
/// what each one means).
struct OidcProviderOptions
{
    /// The resource server's URL: the audience the JWT access tokens are issued for (RFC 8707).
    QString resource = QStringLiteral("http://127.0.0.1:1/fhir/r4");
    QString audience; ///< the tokens' aud when not the resource
    /// The scopes the resource server accepts; requested scopes outside them are dropped.
    QStringList scopes{QStringLiteral("system/*.rs"), QStringLiteral("patient/*.rs"),
                       QStringLiteral("user/*.cruds")};
    QString clientId = QStringLiteral("test-client");
    QString clientSecret = QStringLiteral("test-secret");
    /// Add authorization_code and refresh_token for the code flow (approved without a person).
    QStringList grantTypes{QStringLiteral("client_credentials")};
    QStringList redirectUris; ///< the code flow's; empty: http://127.0.0.1/callback
    QString user; ///< the account the code flow logs in (its sub); empty: test-user
    QString fhirUser; ///< that account's fhirUser claim in ID tokens
    QString patient; ///< a `patient` claim in every access token
    QString scopeClaim; ///< "scope" (a string; empty means this) or "scp" (an array)
    QJsonObject claims; ///< merged into every access token last; a null value removes a claim
    int accessTokenTtl = 0; ///< seconds; 0: 3600
    QString kid; ///< the signing key's id; empty: a random one

    QJsonObject toJson() const
    {
        QJsonObject json{{QStringLiteral("resource"), resource},
                         {QStringLiteral("scopes"), QJsonArray::fromStringList(scopes)},
                         {QStringLiteral("clientId"), clientId},
                         {QStringLiteral("clientSecret"), clientSecret},
                         {QStringLiteral("grantTypes"), QJsonArray::fromStringList(grantTypes)}};
        const auto setIf = [&json](const char *key, const QString &value) {
            if (!value.isEmpty())
                json.insert(QLatin1StringView(key), value);
        };
        setIf("audience", audience);
        setIf("user", user);
        setIf("fhirUser", fhirUser);
        setIf("patient", patient);
        setIf("scopeClaim", scopeClaim);
        setIf("kid", kid);
        if (!redirectUris.isEmpty())
            json.insert(QStringLiteral("redirectUris"), QJsonArray::fromStringList(redirectUris));
        if (!claims.isEmpty())
            json.insert(QStringLiteral("claims"), claims);
        if (accessTokenTtl > 0)
            json.insert(QStringLiteral("accessTokenTTL"), accessTokenTtl);
        return json;
    }
};

/// One token request's choices; empty fields take the provider's configuration. The last three
/// travel as X-Test-* headers that only this provider reads. Each member has an initializer, so
/// designated initializers may leave any out (GCC 12's -Wmissing-field-initializers).
struct TokenOptions
{
    QString scope{}; ///< space separated, e.g. "system/*.rs patient/Observation.rs"
    QString resource{}; ///< the resource indicator; OidcProvider's requests default to its own
    QString patient{}; ///< X-Test-Patient: a `patient` claim
    QString scopeClaim{}; ///< X-Test-Scope-Claim: "scope" or "scp"
    QJsonObject claims{}; ///< X-Test-Claims: merged last; a null value removes a claim
};

/// A JWT split into its parts, not verified.
struct DecodedJwt
{
    QJsonObject header;
    QJsonObject payload;
    QByteArray signingInput; ///< "header.payload", what the signature covers
    QByteArray signature; ///< decoded
};

/// The header and payload of a compact JWS, or why it is not one.
inline fhir::Result<DecodedJwt> decodeJwt(const QByteArray &jwt)
{
    const QList<QByteArray> parts = jwt.split('.');
    if (parts.size() != 3)
        return fhir::Error{QStringLiteral("a JWT has 3 parts, this has %1").arg(parts.size())};
    const auto part = [](const QByteArray &text) {
        return QByteArray::fromBase64Encoding(text,
                                              QByteArray::Base64UrlEncoding
                                                  | QByteArray::OmitTrailingEquals
                                                  | QByteArray::AbortOnBase64DecodingErrors);
    };
    DecodedJwt decoded;
    for (int i = 0; i < 2; ++i) {
        const auto bytes = part(parts[i]);
        QJsonParseError error;
        const QJsonDocument doc = bytes ? QJsonDocument::fromJson(*bytes, &error) : QJsonDocument();
        if (!doc.isObject())
            return fhir::Error{
                QStringLiteral("the JWT's %1 is not base64url JSON")
                    .arg(i == 0 ? QStringLiteral("header") : QStringLiteral("payload"))};
        (i == 0 ? decoded.header : decoded.payload) = doc.object();
    }
    const auto signature = part(parts[2]);
    if (!signature)
        return fhir::Error{QStringLiteral("the JWT's signature is not base64url")};
    decoded.signature = *signature;
    decoded.signingInput = parts[0] + '.' + parts[1];
    return decoded;
}

/// One HTTP exchange, with redirects left to the caller.
struct OidcHttpReply
{
    int status = 0; ///< 0: no answer (see error)
    QByteArray body;
    QByteArray location; ///< the Location header
    QString error; ///< set when there was no HTTP answer
};

/// Sends one request with `nam` and waits, with a local event loop, at most `timeoutMs`.
inline OidcHttpReply oidcHttp(QNetworkAccessManager &nam, QNetworkRequest request,
                              const QByteArray &verb, const QByteArray &body = {},
                              int timeoutMs = oidcHttpTimeoutMs)
{
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    nam.setProxy(QNetworkProxy::NoProxy);
    std::unique_ptr<QNetworkReply> reply(nam.sendCustomRequest(request, verb, body));
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    timer.start(timeoutMs);
    loop.exec();
    OidcHttpReply result;
    if (!reply->isFinished()) {
        reply->abort();
        result.error = QStringLiteral("%1 %2: no answer in %3 ms")
                           .arg(QString::fromLatin1(verb), request.url().toString())
                           .arg(timeoutMs);
        return result;
    }
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.body = reply->readAll();
    result.location = reply->rawHeader("Location");
    if (result.status == 0)
        result.error
            = QStringLiteral("%1 %2: %3")
                  .arg(QString::fromLatin1(verb), request.url().toString(), reply->errorString());
    return result;
}

/// GETs `url` and returns its JSON object, or why not.
inline fhir::Result<QJsonObject> fetchJson(const QUrl &url, int timeoutMs = oidcHttpTimeoutMs)
{
    QNetworkAccessManager nam;
    const OidcHttpReply reply = oidcHttp(nam, QNetworkRequest(url), "GET", {}, timeoutMs);
    if (!reply.error.isEmpty())
        return fhir::Error{reply.error};
    const QJsonDocument doc = QJsonDocument::fromJson(reply.body);
    if (reply.status != 200 || !doc.isObject())
        return fhir::Error{QStringLiteral("GET %1: HTTP %2: %3")
                               .arg(url.toString())
                               .arg(reply.status)
                               .arg(QString::fromUtf8(reply.body))};
    return doc.object();
}

/// application/x-www-form-urlencoded, every reserved character escaped ('+', '/', '*' too).
inline QByteArray oidcFormBody(const QList<std::pair<QString, QString>> &fields)
{
    QByteArray body;
    for (const auto &[name, value] : fields) {
        if (!body.isEmpty())
            body += '&';
        body += QUrl::toPercentEncoding(name) + '=' + QUrl::toPercentEncoding(value);
    }
    return body;
}

/// POSTs `fields` to a token endpoint with HTTP Basic client authentication (RFC 6749 2.3.1)
/// and `options`' scope, resource and X-Test-* headers. Returns the token response, or an error
/// with the status and the body (an OAuth error object: `invalid_client`, `invalid_target`...).
inline fhir::Result<QJsonObject> requestTokens(const QUrl &tokenEndpoint, const QString &clientId,
                                               const QString &clientSecret,
                                               QList<std::pair<QString, QString>> fields,
                                               const TokenOptions &options = {},
                                               int timeoutMs = oidcHttpTimeoutMs)
{
    if (!options.scope.isEmpty())
        fields.append({QStringLiteral("scope"), options.scope});
    if (!options.resource.isEmpty())
        fields.append({QStringLiteral("resource"), options.resource});
    QNetworkRequest request(tokenEndpoint);
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    const QByteArray credentials
        = QUrl::toPercentEncoding(clientId) + ':' + QUrl::toPercentEncoding(clientSecret);
    request.setRawHeader("Authorization", "Basic " + credentials.toBase64());
    if (!options.patient.isEmpty())
        request.setRawHeader("X-Test-Patient", options.patient.toUtf8());
    if (!options.scopeClaim.isEmpty())
        request.setRawHeader("X-Test-Scope-Claim", options.scopeClaim.toUtf8());
    if (!options.claims.isEmpty())
        request.setRawHeader("X-Test-Claims",
                             QJsonDocument(options.claims).toJson(QJsonDocument::Compact));
    QNetworkAccessManager nam;
    const OidcHttpReply reply = oidcHttp(nam, request, "POST", oidcFormBody(fields), timeoutMs);
    if (!reply.error.isEmpty())
        return fhir::Error{reply.error};
    const QJsonDocument doc = QJsonDocument::fromJson(reply.body);
    if (reply.status != 200 || !doc.isObject())
        return fhir::Error{QStringLiteral("POST %1: HTTP %2: %3")
                               .arg(tokenEndpoint.toString())
                               .arg(reply.status)
                               .arg(QString::fromUtf8(reply.body))};
    return doc.object();
}

/// A client_credentials access token (the raw JWT), or the error with the answer's body.
inline fhir::Result<QString> fetchClientCredentialsToken(const QUrl &tokenEndpoint,
                                                         const QString &clientId,
                                                         const QString &clientSecret,
                                                         const TokenOptions &options = {},
                                                         int timeoutMs = oidcHttpTimeoutMs)
{
    const fhir::Result<QJsonObject> tokens = requestTokens(
        tokenEndpoint, clientId, clientSecret,
        {{QStringLiteral("grant_type"), QStringLiteral("client_credentials")}}, options, timeoutMs);
    if (!tokens)
        return fhir::Error{tokens.error()};
    const QString token = tokens->value(QLatin1StringView("access_token")).toString();
    if (token.isEmpty())
        return fhir::Error{
            QStringLiteral("no access_token in %1")
                .arg(QString::fromUtf8(QJsonDocument(*tokens).toJson(QJsonDocument::Compact)))};
    return token;
}

/// oidc-provider on 127.0.0.1, as a child process of the test.
class OidcProvider
{
public:
    /// `directory` holds provider.mjs and node_modules; `node` is the Node.js to run it with
    /// (a name is looked up in PATH). The defaults are what CMake set up.
    explicit OidcProvider(QString directory = QStringLiteral(FHIR_OIDC_PROVIDER_DIR),
                          QString node = QStringLiteral(FHIR_OIDC_NODE))
        : m_directory(std::move(directory))
        , m_node(std::move(node))
    {
    }
    ~OidcProvider() { stop(); }
    OidcProvider(const OidcProvider &) = delete;
    OidcProvider &operator=(const OidcProvider &) = delete;

    /// Starts the provider and waits (at most oidcStartTimeoutMs) until it listens. The error
    /// says what is missing (Node.js, the node modules) or what the provider wrote to stderr.
    fhir::Result<bool> start(const OidcProviderOptions &options = {})
    {
        stop();
        m_options = options;
        m_info = {};
        m_stderr.clear();

        const QString script = m_directory + QStringLiteral("/provider.mjs");
        if (!QFileInfo::exists(script))
            return fhir::Error{QStringLiteral("no %1: configure the build with CMake, whose "
                                              "cmake/OidcProvider.cmake puts it there")
                                   .arg(script)};
        const QString modules = m_directory + QStringLiteral("/node_modules");
        if (!QFileInfo::exists(modules + QStringLiteral("/oidc-provider/package.json"))) {
            QFile problem(m_directory + QStringLiteral("/setup-problem.txt"));
            const QString why = problem.open(QIODevice::ReadOnly)
                ? QString::fromUtf8(problem.readAll()).trimmed()
                : QStringLiteral("no reason recorded");
            return fhir::Error{
                QStringLiteral("the test OpenID provider's node modules are missing from %1 (%2). "
                               "cmake/OidcProvider.cmake installs them with `npm ci` at "
                               "configure time: configure again with npm and its registry "
                               "reachable (scripts/install-deps.sh installs Node.js and npm)")
                    .arg(modules, why)};
        }
        const QString node = QFileInfo(m_node).isAbsolute()
            ? (QFileInfo(m_node).isExecutable() ? m_node : QString())
            : QStandardPaths::findExecutable(m_node);
        if (node.isEmpty())
            return fhir::Error{QStringLiteral("Node.js (%1) is not installed or not executable; "
                                              "the test OpenID provider needs Node.js 20.18 or "
                                              "later (scripts/install-deps.sh installs it)")
                                   .arg(m_node)};

        m_process = std::make_unique<QProcess>();
        m_process->setWorkingDirectory(m_directory);
        m_process->setProcessChannelMode(QProcess::SeparateChannels);
        m_process->start(
            node,
            {script,
             QString::fromUtf8(QJsonDocument(options.toJson()).toJson(QJsonDocument::Compact))});
        if (!m_process->waitForStarted(oidcStartTimeoutMs)) {
            const QString why = m_process->errorString();
            m_process.reset();
            return fhir::Error{QStringLiteral("cannot run %1: %2").arg(node, why)};
        }

        QElapsedTimer clock;
        clock.start();
        while (!m_process->canReadLine()) {
            const qint64 left = oidcStartTimeoutMs - clock.elapsed();
            if (m_process->state() == QProcess::NotRunning || left <= 0) {
                const QString what = m_process->state() == QProcess::NotRunning
                    ? QStringLiteral("exited with code %1").arg(m_process->exitCode())
                    : QStringLiteral("did not listen within %1 ms").arg(oidcStartTimeoutMs);
                stop();
                return fhir::Error{
                    QStringLiteral("the test OpenID provider (%1 %2) %3; its stderr: %4")
                        .arg(node, script, what, QString::fromUtf8(m_stderr).trimmed())};
            }
            m_process->waitForReadyRead(int(qMin<qint64>(left, 250)));
        }
        const QByteArray line = m_process->readLine().trimmed();
        const QJsonDocument doc = QJsonDocument::fromJson(line);
        if (!doc.isObject()
            || doc.object().value(QLatin1StringView("issuer")).toString().isEmpty()) {
            stop();
            return fhir::Error{QStringLiteral("the test OpenID provider's first line is not the "
                                              "expected JSON: %1; its stderr: %2")
                                   .arg(QString::fromUtf8(line), QString::fromUtf8(m_stderr))};
        }
        m_info = doc.object();
        return true;
    }

    /// Closes the provider's stdin, which ends it; SIGTERM, then SIGKILL, if it lingers. True
    /// when it ended on its own with exit code 0 (false when it was not running).
    bool stop()
    {
        if (!m_process)
            return false;
        bool clean = false;
        if (m_process->state() != QProcess::NotRunning) {
            m_process->closeWriteChannel();
            clean = m_process->waitForFinished(5000);
            if (!clean) {
                m_process->terminate();
                if (!m_process->waitForFinished(3000)) {
                    m_process->kill();
                    m_process->waitForFinished(3000);
                }
            }
        }
        clean = clean && m_process->exitStatus() == QProcess::NormalExit
            && m_process->exitCode() == 0;
        m_stderr += m_process->readAllStandardError();
        m_process.reset();
        return clean;
    }

    bool isRunning() const { return m_process && m_process->state() == QProcess::Running; }

    /// What provider.mjs printed when it listened: issuer, port, jwks_uri, token_endpoint...
    QJsonObject info() const { return m_info; }
    QString issuer() const { return infoString("issuer"); }
    quint16 port() const { return quint16(m_info.value(QLatin1StringView("port")).toInt()); }
    QUrl jwksUri() const { return QUrl(infoString("jwks_uri")); }
    QUrl discoveryUri() const { return QUrl(infoString("discovery_uri")); }
    QUrl tokenEndpoint() const { return QUrl(infoString("token_endpoint")); }
    QUrl authorizationEndpoint() const { return QUrl(infoString("authorization_endpoint")); }
    QUrl introspectionEndpoint() const { return QUrl(infoString("introspection_endpoint")); }
    /// The signing key's id (the JWT headers' kid).
    QString kid() const { return infoString("kid"); }
    QString resource() const { return infoString("resource"); }
    QString audience() const { return infoString("audience"); }
    const OidcProviderOptions &options() const { return m_options; }

    /// What the provider wrote to stderr so far (oidc-provider's warnings, server errors).
    QString log()
    {
        if (m_process)
            m_stderr += m_process->readAllStandardError();
        return QString::fromUtf8(m_stderr);
    }

    /// A client_credentials access token for the configured client: the raw JWT, or the error
    /// with the answer's body. The resource defaults to the configured one.
    fhir::Result<QString> clientCredentialsToken(TokenOptions options = {}) const
    {
        if (options.resource.isEmpty())
            options.resource = resource();
        return fetchClientCredentialsToken(tokenEndpoint(), m_options.clientId,
                                           m_options.clientSecret, options);
    }

    /// The authorization code flow for the configured client, the login and consent approved
    /// by the provider itself: the token response (access_token, id_token, and refresh_token
    /// when the scope has offline_access and the client the refresh_token grant). Needs
    /// authorization_code in OidcProviderOptions::grantTypes. `options.resource` defaults to
    /// the configured one.
    fhir::Result<QJsonObject> authorizationCodeTokens(TokenOptions options = {}) const
    {
        if (options.resource.isEmpty())
            options.resource = resource();
        const QJsonArray redirects = m_info.value(QLatin1StringView("redirect_uris")).toArray();
        if (redirects.isEmpty())
            return fhir::Error{QStringLiteral("the provider's client has no redirect URI: add "
                                              "authorization_code to its grantTypes")};
        const QString redirectUri = redirects.first().toString();
        const QString state = QUuid::createUuid().toString(QUuid::WithoutBraces);

        QUrl url = authorizationEndpoint();
        url.setQuery(QString::fromLatin1(oidcFormBody({
                         {QStringLiteral("client_id"), m_options.clientId},
                         {QStringLiteral("response_type"), QStringLiteral("code")},
                         {QStringLiteral("redirect_uri"), redirectUri},
                         {QStringLiteral("scope"), options.scope},
                         {QStringLiteral("state"), state},
                         {QStringLiteral("resource"), options.resource},
                         // oidc-provider drops offline_access unless the request asks for
                         // consent.
                         {QStringLiteral("prompt"), QStringLiteral("consent")},
                     })),
                     QUrl::StrictMode);

        // /auth -> /interaction/<uid> (login) -> /auth/<uid> -> /interaction (consent) -> ...
        // -> redirect_uri?code=...; the interaction cookies ride along in nam's cookie jar.
        QNetworkAccessManager nam;
        for (int hop = 0; hop < 12; ++hop) {
            const OidcHttpReply reply = oidcHttp(nam, QNetworkRequest(url), "GET");
            if (!reply.error.isEmpty())
                return fhir::Error{reply.error};
            if (reply.status != 302 && reply.status != 303)
                return fhir::Error{QStringLiteral("GET %1: HTTP %2 where a redirect was due: %3")
                                       .arg(url.toString())
                                       .arg(reply.status)
                                       .arg(QString::fromUtf8(reply.body))};
            url = url.resolved(QUrl::fromEncoded(reply.location));
            if (!url.toString().startsWith(redirectUri))
                continue;
            const QUrlQuery answer(url);
            if (answer.hasQueryItem(QStringLiteral("error")))
                return fhir::Error{QStringLiteral("the authorization endpoint answered %1")
                                       .arg(url.query(QUrl::FullyDecoded))};
            if (answer.queryItemValue(QStringLiteral("state")) != state)
                return fhir::Error{QStringLiteral("state mismatch in %1").arg(url.toString())};
            const QString code = answer.queryItemValue(QStringLiteral("code"), QUrl::FullyDecoded);
            TokenOptions tokenOptions = options;
            tokenOptions.scope.clear(); // the code carries it
            return requestTokens(
                tokenEndpoint(), m_options.clientId, m_options.clientSecret,
                {{QStringLiteral("grant_type"), QStringLiteral("authorization_code")},
                 {QStringLiteral("code"), code},
                 {QStringLiteral("redirect_uri"), redirectUri}},
                tokenOptions);
        }
        return fhir::Error{QStringLiteral("the authorization flow did not reach %1 in 12 hops; "
                                          "last %2")
                               .arg(redirectUri, url.toString())};
    }

    /// The refresh_token grant: the new token response, or the error with the answer's body.
    fhir::Result<QJsonObject> refreshTokens(const QString &refreshToken,
                                            TokenOptions options = {}) const
    {
        if (options.resource.isEmpty())
            options.resource = resource();
        return requestTokens(tokenEndpoint(), m_options.clientId, m_options.clientSecret,
                             {{QStringLiteral("grant_type"), QStringLiteral("refresh_token")},
                              {QStringLiteral("refresh_token"), refreshToken}},
                             options);
    }

private:
    QString infoString(const char *key) const
    {
        return m_info.value(QLatin1StringView(key)).toString();
    }

    QString m_directory;
    QString m_node;
    OidcProviderOptions m_options;
    QJsonObject m_info;
    QByteArray m_stderr;
    std::unique_ptr<QProcess> m_process;
};

} // namespace fhir::test
