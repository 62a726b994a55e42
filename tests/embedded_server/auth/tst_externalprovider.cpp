// The FHIR server trusting an external OpenID provider (oidc-provider from npm on 127.0.0.1,
// started by this test): its JWT access tokens are checked against its JWKS with the same
// rules as our own, and their SMART scopes (in `scope` or `scp`) enforced the same way.

#include "authfixture.h"
#include "oidcprovider.h"

#include "embedded_server/auth/jwt.h"
#include "embedded_server/auth/rsakey.h"

#include <QTest>

using namespace fhir::server;
using namespace fhir::test;
using namespace Qt::StringLiterals;

namespace {

const QString kResource = u"http://127.0.0.1:1/fhir/r4"_s;

} // namespace

class TestExternalProvider : public QObject
{
    Q_OBJECT

    OidcProvider m_provider;
    AuthFixture f;

    /// A server of the fixture's data that trusts the provider, with or without its JWKS URL
    /// (discovery from the issuer otherwise).
    bool openServer(const QString &scopeClaim, bool withJwksUri)
    {
        ServerOptions options;
        options.baseUrl = kResource;
        options.requireApiKey = false;
        ExternalProviderSettings provider;
        provider.issuer = m_provider.issuer();
        provider.scopeClaim = scopeClaim;
        if (withJwksUri)
            provider.jwksUri = m_provider.jwksUri().toString();
        options.externalProvider = provider;
        f.server.reset();
        f.dir.reset();
        return f.setUp(options);
    }

    Response get(const QString &path, const QString &token) { return f.fhir("GET", path, token); }

    QString tokenFor(const TokenOptions &options)
    {
        auto token = m_provider.clientCredentialsToken(options);
        if (!token)
            qWarning() << token.error();
        return token ? *token : QString();
    }

private Q_SLOTS:
    void initTestCase()
    {
        OidcProviderOptions options;
        options.resource = kResource;
        options.scopes = {u"system/*.rs"_s, u"system/Patient.rs"_s, u"patient/*.rs"_s};
        const auto started = m_provider.start(options);
        QVERIFY2(started, qPrintable(started.error()));
        QVERIFY(openServer(u"scope"_s, true));
    }
    void cleanupTestCase()
    {
        f.server.reset();
        f.dir.reset();
        m_provider.stop();
    }

    void systemTokenReadsEverything()
    {
        const Response r = get(u"Observation"_s, tokenFor({.scope = u"system/*.rs"_s}));
        QVERIFY2(r.status == 200, r.body.constData());
        const QStringList ids = entryIds(r.body);
        QVERIFY(ids.contains(u"Observation/oa"_s));
        QVERIFY(ids.contains(u"Observation/ob"_s));
    }

    void scopesAreEnforced()
    {
        const QString patientsOnly = tokenFor({.scope = u"system/Patient.rs"_s});
        QCOMPARE(get(u"Patient/pb"_s, patientsOnly).status, 200);
        const Response refused = get(u"Observation"_s, patientsOnly);
        QCOMPARE(refused.status, 403);
        QVERIFY(refused.header("WWW-Authenticate").contains("insufficient_scope"));
        // Read-only: no write.
        QCOMPARE(f.fhir("POST", u"Patient"_s, patientsOnly, R"({"resourceType":"Patient"})").status,
                 403);
    }

    void patientClaimConfines()
    {
        const QString token = tokenFor({.scope = u"patient/*.rs"_s, .patient = u"pa"_s});
        const Response r = get(u"Observation"_s, token);
        QCOMPARE(r.status, 200);
        const QStringList ids = entryIds(r.body);
        QVERIFY(ids.contains(u"Observation/oa"_s));
        QVERIFY(!ids.contains(u"Observation/ob"_s));
        QCOMPARE(get(u"Patient/pb"_s, token).status, 404);
    }

    void patientScopeWithoutPatientOpensNothing()
    {
        // SMART: a patient/ scope needs a patient in context; without one it reaches no one.
        const QString token = tokenFor({.scope = u"patient/*.rs"_s});
        QCOMPARE(get(u"Observation"_s, token).status, 403);
    }

    void tokensOfAnotherResourceAreRefused()
    {
        // A token of the same provider for another server (its aud).
        const QString other
            = tokenFor({.scope = u"system/*.rs"_s,
                        .claims = QJsonObject{{u"aud"_s, u"http://127.0.0.1:2/fhir/r4"_s}}});
        QVERIFY(!other.isEmpty());
        const auto decoded = decodeJwt(other.toLatin1());
        QVERIFY(decoded);
        QCOMPARE(decoded->payload.value(u"aud"_s).toString(), u"http://127.0.0.1:2/fhir/r4"_s);
        const Response r = get(u"Observation"_s, other);
        QCOMPARE(r.status, 401);
        QVERIFY(r.header("WWW-Authenticate").contains("invalid_token"));
    }

    void ourOwnTokensAreNotTheProviders()
    {
        // A token signed by a key the provider does not publish.
        auto key = RsaKey::generate();
        QVERIFY(key);
        auto forged = jwt::sign({{"iss", m_provider.issuer().toStdString()},
                                 {"aud", kResource.toStdString()},
                                 {"exp", QDateTime::currentSecsSinceEpoch() + 600},
                                 {"scope", "system/*.rs"}},
                                *key, m_provider.kid());
        QVERIFY(forged);
        QCOMPARE(get(u"Observation"_s, QString::fromLatin1(*forged)).status, 401);
    }

    void scpClaimAndDiscovery()
    {
        // The provider writes scopes as an scp array; the server, told so, finds the JWKS
        // through the issuer's discovery document.
        QVERIFY(openServer(u"scp"_s, false));
        const QString token = tokenFor({.scope = u"system/*.rs"_s, .scopeClaim = u"scp"_s});
        QCOMPARE(get(u"Observation"_s, token).status, 200);
        // Read as `scope`, the same token would carry none.
        QVERIFY(openServer(u"scope"_s, false));
        QCOMPARE(get(u"Observation"_s, token).status, 403);
    }
};

QTEST_GUILESS_MAIN(TestExternalProvider)
#include "tst_externalprovider.moc"
