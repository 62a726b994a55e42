// The pieces the authorization server and the token checks are built of, each against what
// its standard says: SMART scope grammar (scopes-and-launch-context.html), PBKDF2 password
// hashes, JWK thumbprints (RFC 7638 §3.1's example), and the JWT rules of RFC 8725.

#include "embedded_server/auth/jwt.h"
#include "embedded_server/auth/passwords.h"
#include "embedded_server/auth/rsakey.h"
#include "embedded_server/auth/scopes.h"
#include "embedded_server/auth/tokenverifier.h"

#include <QTest>

using namespace fhir::server;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(ScopeContext)

class TestAuthPrimitives : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // SECURITY.md, Scopes: v2 letters are a non-empty in-order subset of cruds; v1 read, write
    // and * map to rs, cud, cruds; malformed ones are ignored, never over-granted.
    void resourceScopes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<ScopeContext>("context");
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("letters");
        QTest::addColumn<int>("filters");
        auto ok = [](const char *name, const QString &text, ScopeContext context,
                     const QString &type, const QString &letters, int filters = 0) {
            QTest::newRow(name) << text << true << context << type << letters << filters;
        };
        auto bad = [](const char *name, const QString &text) {
            QTest::newRow(name) << text << false << ScopeContext::Patient << QString() << QString()
                                << 0;
        };
        ok("v2 rs", u"patient/Observation.rs"_s, ScopeContext::Patient, u"Observation"_s, u"rs"_s);
        ok("v2 cruds", u"user/*.cruds"_s, ScopeContext::User, u"*"_s, u"cruds"_s);
        ok("v2 cu", u"system/Patient.cu"_s, ScopeContext::System, u"Patient"_s, u"cu"_s);
        ok("v2 d", u"patient/Condition.d"_s, ScopeContext::Patient, u"Condition"_s, u"d"_s);
        ok("v1 read", u"patient/Observation.read"_s, ScopeContext::Patient, u"Observation"_s,
           u"rs"_s);
        ok("v1 write", u"user/Observation.write"_s, ScopeContext::User, u"Observation"_s, u"cud"_s);
        ok("v1 star", u"system/*.*"_s, ScopeContext::System, u"*"_s, u"cruds"_s);
        ok("granular",
           u"patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory"_s,
           ScopeContext::Patient, u"Observation"_s, u"rs"_s, 1);
        ok("granular, two parameters", u"patient/Observation.rs?category=vital-signs&code=8867-4"_s,
           ScopeContext::Patient, u"Observation"_s, u"rs"_s, 2);
        bad("out of order", u"patient/Observation.sr"_s);
        bad("repeated letter", u"patient/Observation.rr"_s);
        bad("unknown letter", u"patient/Observation.x"_s);
        bad("wildcard with unknown letter", u"patient/*.x"_s);
        bad("empty permissions", u"patient/Observation."_s);
        bad("unknown context", u"admin/Observation.rs"_s);
        bad("no type", u"patient/.rs"_s);
        bad("filter on a v1 scope", u"patient/Observation.read?category=x"_s);
        bad("no dot", u"patient/Observation"_s);
    }
    void resourceScopes()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        const auto scope = ScopeSet::parseResource(text);
        QCOMPARE(scope.has_value(), valid);
        const ScopeSet set = ScopeSet::parse(text);
        QCOMPARE(set.resources.size(), valid ? 1 : 0);
        if (!valid) {
            QCOMPARE(set.ignored, QStringList{text});
            return;
        }
        QTEST(scope->context, "context");
        QTEST(scope->type, "type");
        QTEST(permissionLetters(scope->permissions), "letters");
        QTEST(int(scope->filter.size()), "filters");
    }

    void otherScopesAndTypes()
    {
        const ScopeSet set = ScopeSet::parse(
            u"launch launch/patient openid fhirUser profile offline_access online_access "
            "patient/Nonsense.rs patient/Observation.rs"_s,
            [](const QString &type) { return type == u"Observation"_s; });
        for (const char *s : {"launch", "launch/patient", "openid", "fhirUser", "profile",
                              "offline_access", "online_access"})
            QVERIFY2(set.has(QLatin1StringView(s)), s);
        QCOMPARE(set.resources.size(), 1); // a type the model does not have is never granted
        QCOMPARE(set.ignored, QStringList{u"patient/Nonsense.rs"_s});
    }

    void grantsStayWithinWhatTheClientMayHave_data()
    {
        QTest::addColumn<QString>("allowed");
        QTest::addColumn<QString>("requested");
        QTest::addColumn<QString>("granted");
        QTest::newRow("narrower permissions")
            << u"patient/*.cruds"_s << u"patient/Observation.rs"_s << u"patient/Observation.rs"_s;
        QTest::newRow("wider permissions")
            << u"patient/*.rs"_s << u"patient/Observation.cruds"_s << QString();
        QTest::newRow("other context")
            << u"patient/*.rs"_s << u"user/Observation.rs"_s << QString();
        QTest::newRow("a filter within an unfiltered scope")
            << u"patient/*.rs"_s << u"patient/Observation.rs?category=laboratory"_s
            << u"patient/Observation.rs?category=laboratory"_s;
        QTest::newRow("no filter where one is required")
            << u"patient/Observation.rs?category=laboratory"_s << u"patient/Observation.rs"_s
            << QString();
        QTest::newRow("v1 within v2") << u"patient/*.cruds"_s << u"patient/Observation.read"_s
                                      << u"patient/Observation.read"_s;
    }
    void grantsStayWithinWhatTheClientMayHave()
    {
        QFETCH(QString, allowed);
        QFETCH(QString, requested);
        QFETCH(QString, granted);
        QCOMPARE(ScopeSet::parse(requested).within(ScopeSet::parse(allowed)).toString(), granted);
    }

    void passwordsAreSaltedSlowHashes()
    {
        QVERIFY(passwords::kIterations >= 210000); // the issue's floor; OWASP says 600,000
        const auto first = passwords::hash(u"correct horse"_s);
        const auto second = passwords::hash(u"correct horse"_s);
        QVERIFY(first && second);
        QVERIFY(*first != *second); // salted
        QVERIFY(first->startsWith(u"pbkdf2-sha256$"_s + QString::number(passwords::kIterations)));
        QVERIFY(!first->contains(u"correct"_s));
        QVERIFY(passwords::verify(u"correct horse"_s, *first));
        QVERIFY(!passwords::verify(u"correct horsE"_s, *first));
        QVERIFY(!passwords::verify(u"correct horse"_s, u"pbkdf2-sha256$1$x$y"_s));
        QVERIFY(!passwords::verify(u"correct horse"_s, QString()));
    }

    // RFC 7638 §3.1: the thumbprint of the RFC's example key.
    void jwkThumbprintKnownAnswer()
    {
        const auto jwk = nlohmann::json::parse(
            R"({"kty":"RSA","e":"AQAB","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"})");
        const auto key = RsaKey::fromJwk(jwk);
        QVERIFY2(key, qPrintable(key ? QString() : key.error()));
        QCOMPARE(key->thumbprint(), u"NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"_s);
    }

    void shortKeysAreRefused()
    {
        // A 1024-bit modulus (RFC 7518 §3.3 asks for 2048 at least).
        const auto jwk = nlohmann::json{
            {"kty", "RSA"},
            {"e", "AQAB"},
            {"n",
             QByteArray(128, '\x9b')
                 .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)
                 .toStdString()}};
        QVERIFY(!RsaKey::fromJwk(jwk));
    }

    void jwtRoundTripAndRules()
    {
        auto key = RsaKey::generate();
        QVERIFY(key);
        const qint64 now = 1'800'000'000;
        const nlohmann::json claims = {{"iss", "https://as.example"},
                                       {"aud", nlohmann::json::array({"https://rs.example", "x"})},
                                       {"exp", now + 600},
                                       {"scp", {"patient/Observation.rs", "launch/patient"}},
                                       {"patient", "p1"}};
        auto token = jwt::sign(claims, *key, u"k1"_s);
        QVERIFY(token);
        auto keyFor = [&](const QString &kid) {
            return kid == u"k1"_s ? std::optional<RsaKey>(*key) : std::nullopt;
        };
        const JwtRules rules{u"https://as.example"_s, u"https://rs.example"_s, u"scp"_s, {}};
        TokenVerdict verdict = verifyJwt(*token, rules, now * 1000, keyFor);
        QVERIFY2(verdict.principal, qPrintable(verdict.problem));
        QCOMPARE(verdict.principal->patient, u"p1"_s);
        QCOMPARE(verdict.principal->scopes.resources.size(), 1);
        // Within the leeway of a minute, and past it.
        QVERIFY(verifyJwt(*token, rules, (now + 600 + 30) * 1000, keyFor).principal);
        QVERIFY(!verifyJwt(*token, rules, (now + 600 + 61) * 1000, keyFor).principal);
        // A typ the rules require.
        JwtRules typed = rules;
        typed.type = "at+jwt";
        QVERIFY(!verifyJwt(*token, typed, now * 1000, keyFor).principal);
        // A header that names its own key is refused (RFC 8725 §3.10).
        auto decoded = jwt::decode(*token);
        QVERIFY(decoded);
        nlohmann::json header = decoded->header;
        header["jku"] = "https://evil.example/jwks";
        const QByteArray rewritten
            = QByteArray::fromStdString(header.dump())
                  .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals)
            + token->mid(token->indexOf('.'));
        QVERIFY(!verifyJwt(rewritten, rules, now * 1000, keyFor).principal);
    }
};

QTEST_GUILESS_MAIN(TestAuthPrimitives)
#include "tst_authprimitives.moc"
