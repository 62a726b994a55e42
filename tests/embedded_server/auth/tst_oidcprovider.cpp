// The test harness's external OpenID provider (tests/oidcprovider.h, oidc-provider under
// node): discovery, JWKS, client_credentials JWTs for a resource with SMART scopes, the `scp`
// and `patient` variants, errors, the code flow, and that it stops. No server code: this only
// proves the provider gives the tokens the embedded server's tests will show it.

#include "oidcprovider.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace fhir::test;
using namespace Qt::StringLiterals;

namespace {

const QString resourceUrl = u"http://127.0.0.1:1/fhir/r4"_s;

QStringList strings(const QJsonValue &value)
{
    QStringList list;
    const QJsonArray array = value.toArray();
    for (const QJsonValue &item : array)
        list.append(item.toString());
    return list;
}

} // namespace

class TestOidcProvider : public QObject
{
    Q_OBJECT

    OidcProvider m_provider;
    QJsonObject m_jwks;

    OidcProviderOptions options() const
    {
        OidcProviderOptions options;
        options.resource = resourceUrl;
        options.scopes
            = {u"system/*.rs"_s, u"patient/Observation.rs"_s, u"user/*.cruds"_s, u"patient/*.rs"_s};
        options.grantTypes = {u"client_credentials"_s, u"authorization_code"_s, u"refresh_token"_s};
        options.redirectUris = {u"http://127.0.0.1:1/callback"_s};
        options.fhirUser = u"Practitioner/prac-1"_s;
        return options;
    }

private Q_SLOTS:
    void initTestCase()
    {
        const fhir::Result<bool> started = m_provider.start(options());
        QVERIFY2(started, qPrintable(started.error()));
        QVERIFY(m_provider.port() > 0);
        QCOMPARE(m_provider.issuer(), u"http://127.0.0.1:%1"_s.arg(m_provider.port()));
        const fhir::Result<QJsonObject> jwks = fetchJson(m_provider.jwksUri());
        QVERIFY2(jwks, qPrintable(jwks.error()));
        m_jwks = *jwks;
    }

    void discovery()
    {
        const fhir::Result<QJsonObject> config = fetchJson(m_provider.discoveryUri());
        QVERIFY2(config, qPrintable(config.error()));
        QCOMPARE(config->value("issuer"_L1).toString(), m_provider.issuer());
        QCOMPARE(config->value("jwks_uri"_L1).toString(), m_provider.jwksUri().toString());
        QCOMPARE(config->value("token_endpoint"_L1).toString(),
                 m_provider.tokenEndpoint().toString());
        QCOMPARE(config->value("authorization_endpoint"_L1).toString(),
                 m_provider.authorizationEndpoint().toString());
        QVERIFY(
            strings(config->value("grant_types_supported"_L1)).contains(u"client_credentials"_s));
        QVERIFY(strings(config->value("token_endpoint_auth_methods_supported"_L1))
                    .contains(u"client_secret_basic"_s));
        QVERIFY(strings(config->value("id_token_signing_alg_values_supported"_L1))
                    .contains(u"RS256"_s));
    }

    void jwks()
    {
        const QJsonArray keys = m_jwks.value("keys"_L1).toArray();
        QCOMPARE(keys.size(), 1);
        const QJsonObject key = keys.first().toObject();
        QCOMPARE(key.value("kid"_L1).toString(), m_provider.kid());
        QVERIFY(!m_provider.kid().isEmpty());
        QCOMPARE(key.value("kty"_L1).toString(), u"RSA"_s);
        QCOMPARE(key.value("alg"_L1).toString(), u"RS256"_s);
        QCOMPARE(key.value("use"_L1).toString(), u"sig"_s);
        QVERIFY(!key.value("n"_L1).toString().isEmpty());
        QCOMPARE(key.value("e"_L1).toString(), u"AQAB"_s);
        // The public half only.
        for (const char *secret : {"d", "p", "q", "dp", "dq", "qi"})
            QVERIFY2(!key.contains(QLatin1StringView(secret)), secret);
    }

    void clientCredentials_data()
    {
        QTest::addColumn<QString>("scope");
        QTest::addColumn<QString>("scopeClaim");
        QTest::addColumn<QString>("patient");
        QTest::addColumn<QStringList>("granted");

        QTest::newRow("system/*.rs")
            << u"system/*.rs"_s << QString() << QString() << QStringList{u"system/*.rs"_s};
        QTest::newRow("two scopes") << u"system/*.rs user/*.cruds"_s << QString() << QString()
                                    << QStringList{u"system/*.rs"_s, u"user/*.cruds"_s};
        QTest::newRow("a type and a dot") << u"patient/Observation.rs"_s << QString() << QString()
                                          << QStringList{u"patient/Observation.rs"_s};
        // oidc-provider compares scopes as strings: no wildcard matching, and a scope the
        // resource server does not list is dropped, not refused.
        QTest::newRow("unknown scope dropped") << u"system/*.rs system/Patient.rs"_s << QString()
                                               << QString() << QStringList{u"system/*.rs"_s};
        QTest::newRow("scp array") << u"system/*.rs user/*.cruds"_s << u"scp"_s << QString()
                                   << QStringList{u"system/*.rs"_s, u"user/*.cruds"_s};
        QTest::newRow("scope string, asked for")
            << u"system/*.rs"_s << u"scope"_s << QString() << QStringList{u"system/*.rs"_s};
        QTest::newRow("patient claim")
            << u"patient/*.rs"_s << QString() << u"pat-123"_s << QStringList{u"patient/*.rs"_s};
        QTest::newRow("patient and scp")
            << u"patient/*.rs"_s << u"scp"_s << u"pat-9"_s << QStringList{u"patient/*.rs"_s};
    }

    void clientCredentials()
    {
        QFETCH(QString, scope);
        QFETCH(QString, scopeClaim);
        QFETCH(QString, patient);
        QFETCH(QStringList, granted);

        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const fhir::Result<QString> token
            = m_provider.clientCredentialsToken({.scope = scope,
                                                 .resource = resourceUrl,
                                                 .patient = patient,
                                                 .scopeClaim = scopeClaim});
        QVERIFY2(token, qPrintable(token.error() + u"\n"_s + m_provider.log()));
        const fhir::Result<DecodedJwt> jwt = decodeJwt(token->toLatin1());
        QVERIFY2(jwt, qPrintable(jwt.error()));

        QCOMPARE(jwt->header.value("alg"_L1).toString(), u"RS256"_s);
        QCOMPARE(jwt->header.value("typ"_L1).toString(), u"at+jwt"_s);
        QCOMPARE(jwt->header.value("kid"_L1).toString(), m_provider.kid());
        QVERIFY(!jwt->signature.isEmpty());
        bool published = false;
        const QJsonArray keys = m_jwks.value("keys"_L1).toArray();
        for (const QJsonValue &key : keys)
            published |= key["kid"_L1].toString() == jwt->header.value("kid"_L1).toString();
        QVERIFY(published);

        const QJsonObject &claims = jwt->payload;
        QCOMPARE(claims.value("iss"_L1).toString(), m_provider.issuer());
        QCOMPARE(claims.value("aud"_L1).toString(), resourceUrl);
        QCOMPARE(claims.value("client_id"_L1).toString(), u"test-client"_s);
        QCOMPARE(claims.value("sub"_L1).toString(), u"test-client"_s);
        QVERIFY(!claims.value("jti"_L1).toString().isEmpty());
        const qint64 iat = claims.value("iat"_L1).toInteger();
        const qint64 exp = claims.value("exp"_L1).toInteger();
        QVERIFY2(iat >= now - 5 && iat <= now + 5, qPrintable(QString::number(iat - now)));
        QCOMPARE(exp - iat, 3600);

        if (scopeClaim == u"scp"_s) {
            QVERIFY(!claims.contains("scope"_L1));
            QVERIFY(claims.value("scp"_L1).isArray());
            QCOMPARE(strings(claims.value("scp"_L1)), granted);
        } else {
            QVERIFY(!claims.contains("scp"_L1));
            QCOMPARE(claims.value("scope"_L1).toString(), granted.join(u' '));
        }
        if (patient.isEmpty())
            QVERIFY(!claims.contains("patient"_L1));
        else
            QCOMPARE(claims.value("patient"_L1).toString(), patient);
    }

    // The token response's own scope says what was granted, whichever claim the JWT uses.
    void tokenResponse()
    {
        const fhir::Result<QJsonObject> tokens = requestTokens(
            m_provider.tokenEndpoint(), u"test-client"_s, u"test-secret"_s,
            {{u"grant_type"_s, u"client_credentials"_s}},
            {.scope = u"system/*.rs nope"_s, .resource = resourceUrl, .scopeClaim = u"scp"_s});
        QVERIFY2(tokens, qPrintable(tokens.error()));
        QCOMPARE(tokens->value("token_type"_L1).toString(), u"Bearer"_s);
        QCOMPARE(tokens->value("scope"_L1).toString(), u"system/*.rs"_s);
        QCOMPARE(tokens->value("expires_in"_L1).toInt(), 3600);
    }

    // Any claim can be set or removed per request: expired tokens, a foreign audience...
    void extraClaims_data()
    {
        QTest::addColumn<QString>("claims");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("expected"); // compact JSON, or empty: the claim is gone

        QTest::newRow("expired") << uR"({"exp":1000})"_s << u"exp"_s << u"1000"_s;
        QTest::newRow("other audience") << uR"({"aud":"http://127.0.0.1:2/fhir"})"_s << u"aud"_s
                                        << uR"("http://127.0.0.1:2/fhir")"_s;
        QTest::newRow("fhirUser") << uR"({"fhirUser":"Practitioner/p1"})"_s << u"fhirUser"_s
                                  << uR"("Practitioner/p1")"_s;
        QTest::newRow("no client_id") << uR"({"client_id":null})"_s << u"client_id"_s << QString();
    }

    void extraClaims()
    {
        QFETCH(QString, claims);
        QFETCH(QString, name);
        QFETCH(QString, expected);
        const QJsonObject extra = QJsonDocument::fromJson(claims.toUtf8()).object();
        QVERIFY(!extra.isEmpty());
        const fhir::Result<QString> token
            = m_provider.clientCredentialsToken({.scope = u"system/*.rs"_s, .claims = extra});
        QVERIFY2(token, qPrintable(token.error()));
        const fhir::Result<DecodedJwt> jwt = decodeJwt(token->toLatin1());
        QVERIFY2(jwt, qPrintable(jwt.error()));
        if (expected.isEmpty()) {
            QVERIFY(!jwt->payload.contains(name));
        } else {
            const QJsonValue value = jwt->payload.value(name);
            const QJsonArray wrapped{value};
            QCOMPARE(QString::fromUtf8(QJsonDocument(wrapped).toJson(QJsonDocument::Compact)),
                     u'[' + expected + u']');
        }
        QCOMPARE(jwt->payload.value("iss"_L1).toString(), m_provider.issuer());
    }

    // A provider configured with scp and a patient puts them in every token.
    void fixedConfiguration()
    {
        OidcProvider provider;
        OidcProviderOptions config;
        config.resource = u"http://127.0.0.1:1/other/fhir"_s;
        config.scopes = {u"system/*.rs"_s, u"system/Patient.cruds"_s};
        config.scopeClaim = u"scp"_s;
        config.patient = u"pat-fixed"_s;
        config.clientId = u"backend service"_s; // a space: Basic auth escapes it
        config.clientSecret = u"s3cret:+/="_s;
        config.accessTokenTtl = 300;
        config.kid = u"fixed-kid"_s;
        const fhir::Result<bool> started = provider.start(config);
        QVERIFY2(started, qPrintable(started.error()));
        QCOMPARE(provider.kid(), u"fixed-kid"_s);

        const fhir::Result<QString> token
            = provider.clientCredentialsToken({.scope = u"system/*.rs system/Patient.cruds"_s});
        QVERIFY2(token, qPrintable(token.error()));
        const fhir::Result<DecodedJwt> jwt = decodeJwt(token->toLatin1());
        QVERIFY2(jwt, qPrintable(jwt.error()));
        QCOMPARE(jwt->header.value("kid"_L1).toString(), u"fixed-kid"_s);
        QCOMPARE(jwt->payload.value("aud"_L1).toString(), u"http://127.0.0.1:1/other/fhir"_s);
        QCOMPARE(strings(jwt->payload.value("scp"_L1)),
                 (QStringList{u"system/*.rs"_s, u"system/Patient.cruds"_s}));
        QVERIFY(!jwt->payload.contains("scope"_L1));
        QCOMPARE(jwt->payload.value("patient"_L1).toString(), u"pat-fixed"_s);
        QCOMPARE(jwt->payload.value("client_id"_L1).toString(), u"backend service"_s);
        QCOMPARE(jwt->payload.value("exp"_L1).toInteger()
                     - jwt->payload.value("iat"_L1).toInteger(),
                 300);

        // A request's headers still win over the configuration.
        const fhir::Result<QString> plain = provider.clientCredentialsToken(
            {.scope = u"system/*.rs"_s, .patient = u"pat-other"_s, .scopeClaim = u"scope"_s});
        QVERIFY2(plain, qPrintable(plain.error()));
        const fhir::Result<DecodedJwt> plainJwt = decodeJwt(plain->toLatin1());
        QVERIFY2(plainJwt, qPrintable(plainJwt.error()));
        QCOMPARE(plainJwt->payload.value("scope"_L1).toString(), u"system/*.rs"_s);
        QCOMPARE(plainJwt->payload.value("patient"_L1).toString(), u"pat-other"_s);
    }

    void errors_data()
    {
        QTest::addColumn<QString>("secret");
        QTest::addColumn<QString>("resource");
        QTest::addColumn<QString>("error");

        QTest::newRow("wrong secret") << u"wrong"_s << resourceUrl << u"invalid_client"_s;
        QTest::newRow("unknown resource")
            << u"test-secret"_s << u"http://127.0.0.1:1/elsewhere"_s << u"invalid_target"_s;
        QTest::newRow("resource with a fragment")
            << u"test-secret"_s << u"http://127.0.0.1:1/fhir/r4#x"_s << u"invalid_target"_s;
    }

    void errors()
    {
        QFETCH(QString, secret);
        QFETCH(QString, resource);
        QFETCH(QString, error);
        const fhir::Result<QString> token
            = fetchClientCredentialsToken(m_provider.tokenEndpoint(), u"test-client"_s, secret,
                                          {.scope = u"system/*.rs"_s, .resource = resource});
        QVERIFY(!token);
        QVERIFY2(token.error().contains(error), qPrintable(token.error()));
    }

    // The code flow, approved by the provider itself: a user's token for the resource, an ID
    // token with fhirUser, and a refresh token that gives another access token.
    void authorizationCode()
    {
        const fhir::Result<QJsonObject> tokens = m_provider.authorizationCodeTokens(
            {.scope = u"openid fhirUser offline_access user/*.cruds"_s, .patient = u"pat-7"_s});
        QVERIFY2(tokens, qPrintable(tokens.error() + u"\n"_s + m_provider.log()));
        QCOMPARE(tokens->value("scope"_L1).toString(),
                 u"user/*.cruds"_s); // the OIDC scopes are not the resource's

        const fhir::Result<DecodedJwt> access
            = decodeJwt(tokens->value("access_token"_L1).toString().toLatin1());
        QVERIFY2(access, qPrintable(access.error()));
        QCOMPARE(access->header.value("kid"_L1).toString(), m_provider.kid());
        QCOMPARE(access->payload.value("aud"_L1).toString(), resourceUrl);
        QCOMPARE(access->payload.value("sub"_L1).toString(), u"test-user"_s);
        QCOMPARE(access->payload.value("scope"_L1).toString(), u"user/*.cruds"_s);
        QCOMPARE(access->payload.value("patient"_L1).toString(), u"pat-7"_s);

        const fhir::Result<DecodedJwt> id
            = decodeJwt(tokens->value("id_token"_L1).toString().toLatin1());
        QVERIFY2(id, qPrintable(id.error()));
        QCOMPARE(id->payload.value("aud"_L1).toString(), u"test-client"_s);
        QCOMPARE(id->payload.value("fhirUser"_L1).toString(), u"Practitioner/prac-1"_s);

        const QString refresh = tokens->value("refresh_token"_L1).toString();
        QVERIFY(!refresh.isEmpty());
        const fhir::Result<QJsonObject> again
            = m_provider.refreshTokens(refresh, {.scopeClaim = u"scp"_s});
        QVERIFY2(again, qPrintable(again.error()));
        const fhir::Result<DecodedJwt> renewed
            = decodeJwt(again->value("access_token"_L1).toString().toLatin1());
        QVERIFY2(renewed, qPrintable(renewed.error()));
        QCOMPARE(strings(renewed->payload.value("scp"_L1)), QStringList{u"user/*.cruds"_s});
        QCOMPARE(renewed->payload.value("sub"_L1).toString(), u"test-user"_s);
    }

    void missingPieces_data()
    {
        QTest::addColumn<bool>("script");
        QTest::addColumn<bool>("modules");
        QTest::addColumn<QString>("node");
        QTest::addColumn<QString>("message");

        QTest::newRow("no provider.mjs")
            << false << false << u"node"_s << u"provider.mjs: configure"_s;
        QTest::newRow("no node modules")
            << true << false << u"node"_s << u"node modules are missing"_s;
        QTest::newRow("no Node.js") << true << true << u"/nonexistent/bin/node"_s
                                    << u"Node.js (/nonexistent/bin/node) is not installed"_s;
        QTest::newRow("Node.js fails")
            << true << true << u"/bin/false"_s << u"exited with code 1"_s;
    }

    // What a machine without Node.js or without the modules gets: an error that says so.
    void missingPieces()
    {
        QFETCH(bool, script);
        QFETCH(bool, modules);
        QFETCH(QString, node);
        QFETCH(QString, message);
        QTemporaryDir directory;
        QVERIFY(directory.isValid());
        if (script)
            QVERIFY(QFile::copy(QStringLiteral(FHIR_OIDC_PROVIDER_DIR "/provider.mjs"),
                                directory.filePath(u"provider.mjs"_s)));
        if (modules)
            QVERIFY(QFile::link(QStringLiteral(FHIR_OIDC_PROVIDER_DIR "/node_modules"),
                                directory.filePath(u"node_modules"_s)));
        OidcProvider provider(directory.path(), node);
        const fhir::Result<bool> started = provider.start();
        QVERIFY(!started);
        QVERIFY2(started.error().contains(message), qPrintable(started.error()));
        QVERIFY(!provider.isRunning());
    }

    // Closing its stdin ends the provider: it dies with the test, and stops listening.
    void stops()
    {
        OidcProvider provider;
        const fhir::Result<bool> started = provider.start();
        QVERIFY2(started, qPrintable(started.error()));
        QVERIFY(fetchJson(provider.discoveryUri()));
        const QUrl discovery = provider.discoveryUri();
        QVERIFY(provider.stop());
        QVERIFY(!provider.isRunning());
        QVERIFY(!fetchJson(discovery, 2000));
    }
};

QTEST_GUILESS_MAIN(TestOidcProvider)
#include "tst_oidcprovider.moc"
