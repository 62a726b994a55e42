// The FHIR server enforcing access tokens (SECURITY.md, Scopes and Tokens): what a token of
// the integrated authorization server may read, search and write, and the tokens it refuses.
// The data: tests/embedded_server/auth/authfixture.h. A patient/ scope of alice (Patient pa)
// must never show or change anything of Patient pb, whatever the request's shape.

#include "authfixture.h"

#include "embedded_server/auth/apikeys.h"
#include "embedded_server/auth/jwt.h"
#include "embedded_server/auth/signingkeys.h"

#include <QMessageAuthenticationCode>
#include <QTest>

using namespace fhir::server;
using namespace fhir::test;
using namespace Qt::StringLiterals;
using Json = nlohmann::json;

namespace {

QByteArray base64url(const QByteArray &bytes)
{
    return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray transactionOf(const Json &entries, const char *type = "transaction")
{
    return QByteArray::fromStdString(
        Json{{"resourceType", "Bundle"}, {"type", type}, {"entry", entries}}.dump());
}

QByteArray observationFor(const char *patient)
{
    return AuthFixture::observation("new", patient, "vital-signs");
}

} // namespace

class TestScopeEnforcement : public QObject
{
    Q_OBJECT

    AuthFixture f;
    QHash<QString, QString> m_tokens; // by "user scope"

    QString token(const QString &scope, const QString &user = u"alice"_s)
    {
        const QString key = user + u' ' + scope;
        if (!m_tokens.contains(key)) {
            const TokenReply t
                = scope.startsWith(u"system/"_s) ? f.backendToken(scope) : f.appTokens(scope, user);
            m_tokens.insert(key, t.text("access_token"));
        }
        return m_tokens.value(key);
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(f.setUp()); }
    void cleanupTestCase()
    {
        f.server.reset();
        f.dir.reset();
    }

    // What a token may see: a request, its status, and for a Bundle the resources it must and
    // must not hold.
    void reads_data()
    {
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("scope");
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("status");
        QTest::addColumn<QStringList>("present");
        QTest::addColumn<QStringList>("absent");
        const QString patientRs = u"patient/*.rs launch/patient"_s;
        const QStringList pbRecords = {u"Patient/pb"_s, u"Observation/ob"_s, u"Condition/cb"_s};
        auto row = [&](const char *name, const QString &path, int status,
                       const QStringList &present = {}, const QStringList &absent = {},
                       const QString &scope = {}, const QString &user = u"alice"_s) {
            QTest::newRow(name) << user << (scope.isEmpty() ? patientRs : scope) << path << status
                                << present << absent;
        };
        row("read own Patient", u"Patient/pa"_s, 200);
        row("read another Patient", u"Patient/pb"_s, 404);
        row("read another's Observation", u"Observation/ob"_s, 404);
        row("vread another's Observation", u"Observation/ob/_history/1"_s, 404);
        row("read a Practitioner (outside every compartment)", u"Practitioner/pr"_s, 200);
        row("search Observation", u"Observation"_s, 200,
            {u"Observation/oa"_s, u"Observation/oa-lab"_s}, pbRecords);
        row("search for another patient's Observations", u"Observation?subject=Patient/pb"_s, 200,
            {}, pbRecords);
        row("search Patient", u"Patient"_s, 200, {u"Patient/pa"_s}, pbRecords);
        row("_include of another patient's Condition",
            u"Observation?_id=oa&_include=Observation:focus"_s, 200, {u"Observation/oa"_s},
            pbRecords);
        row("_include:iterate",
            u"Observation?_id=oa&_include:iterate=Observation:focus&_include:iterate=Condition:subject"_s,
            200, {u"Observation/oa"_s}, pbRecords);
        row("_revinclude from the Patient", u"Patient?_revinclude=Observation:subject"_s, 200,
            {u"Patient/pa"_s, u"Observation/oa"_s, u"Observation/oa-lab"_s}, pbRecords);
        row("_revinclude from a Practitioner", u"Practitioner?_revinclude=Observation:performer"_s,
            200, {u"Practitioner/pr"_s, u"Observation/oa"_s}, pbRecords);
        row("chain", u"Observation?subject.name=Baker"_s, 403);
        row("chain with a type", u"Observation?subject:Patient.family=Baker"_s, 403);
        row("_has", u"Patient?_has:Observation:subject:status=final"_s, 403);
        row("$everything of another patient", u"Patient/pb/$everything"_s, 404);
        row("$everything of every patient", u"Patient/$everything"_s, 403);
        row("$everything of the patient", u"Patient/pa/$everything"_s, 200,
            {u"Patient/pa"_s, u"Observation/oa"_s, u"Observation/oa-lab"_s, u"Condition/ca"_s},
            pbRecords);
        row("history of another's Observation", u"Observation/ob/_history"_s, 404);
        row("history of an own Observation", u"Observation/oa/_history"_s, 200,
            {u"Observation/oa"_s});
        row("history of a type", u"Observation/_history"_s, 403);
        row("history of the server", u"_history"_s, 403);
        row("system search", u"?_type=Observation,Condition"_s, 200,
            {u"Observation/oa"_s, u"Condition/ca"_s}, pbRecords);
        row("system search of every type", u""_s, 200, {u"Patient/pa"_s}, pbRecords);
        row("system search with an _include", u"?_type=Observation&_include=Observation:focus"_s,
            200, {u"Observation/oa"_s}, pbRecords);

        // Granular scopes (SMART v2): a read outside the filter is refused, a search filtered.
        const QString lab
            = u"patient/Observation.rs?category="_s + kLabCategory + u" launch/patient"_s;
        row("granular: read outside the filter", u"Observation/oa"_s, 404, {}, {}, lab);
        row("granular: read inside the filter", u"Observation/oa-lab"_s, 200, {}, {}, lab);
        row("granular: search", u"Observation"_s, 200, {u"Observation/oa-lab"_s},
            {u"Observation/oa"_s, u"Observation/ob"_s}, lab);
        row("granular: another type", u"Patient/pa"_s, 403, {}, {}, lab);

        // Only the scopes' types (403, insufficient scope).
        const QString obsOnly = u"patient/Observation.rs launch/patient"_s;
        row("type outside the scopes: read", u"Patient/pa"_s, 403, {}, {}, obsOnly);
        row("type outside the scopes: search", u"Condition"_s, 403, {}, {}, obsOnly);
        row("type outside the scopes: _include filtered",
            u"Observation?_id=oa&_include=Observation:subject"_s, 200, {u"Observation/oa"_s},
            {u"Patient/pa"_s}, obsOnly);
        // Scopes combine as a union.
        const QString two = u"patient/Observation.rs patient/Condition.rs launch/patient"_s;
        row("union: one type", u"Condition"_s, 200, {u"Condition/ca"_s}, pbRecords, two);
        row("union: the other", u"Observation/oa"_s, 200, {}, {}, two);
        row("union: neither", u"Patient/pa"_s, 403, {}, {}, two);
        // An unsupported filter opens nothing, never everything.
        row("unsupported filter", u"Observation"_s, 403, {}, {},
            u"patient/Observation.rs?no-such-parameter=1 launch/patient"_s);
        // SMART v1 names.
        row("v1 read", u"Observation"_s, 200, {u"Observation/oa"_s}, pbRecords,
            u"patient/Observation.read launch/patient"_s);

        // user/ scopes: a Practitioner sees every record; a user who is a Patient, their own.
        row("user/ of a practitioner", u"Observation"_s, 200,
            {u"Observation/oa"_s, u"Observation/ob"_s}, {}, u"user/*.rs"_s, u"carol"_s);
        row("user/ of a patient", u"Observation"_s, 200, {u"Observation/oa"_s},
            {u"Observation/ob"_s}, u"user/*.rs"_s);
        row("user/ of a patient: another patient", u"Patient/pb"_s, 404, {}, {}, u"user/*.rs"_s);
        // system/ scopes of a backend service.
        row("system/ search", u"Observation"_s, 200, {u"Observation/oa"_s, u"Observation/ob"_s}, {},
            u"system/*.rs"_s, u"backend"_s);
        row("system/ history of the server", u"_history"_s, 200, {}, {}, u"system/*.rs"_s,
            u"backend"_s);
    }
    void reads()
    {
        QFETCH(QString, user);
        QFETCH(QString, scope);
        QFETCH(QString, path);
        QFETCH(int, status);
        QFETCH(QStringList, present);
        QFETCH(QStringList, absent);
        const QString bearer = token(scope, user);
        QVERIFY2(!bearer.isEmpty(), "no token");
        const Response r = f.fhir("GET", path, bearer);
        QVERIFY2(r.status == status, r.body.left(600).constData());
        if (status == 403) {
            QVERIFY(r.header("WWW-Authenticate").contains("insufficient_scope"));
            QCOMPARE(parseJson(r.body).value("resourceType", ""), std::string("OperationOutcome"));
        }
        const QStringList ids = entryIds(r.body);
        for (const QString &id : present)
            QVERIFY2(ids.contains(id), qPrintable(id + u" missing from "_s + ids.join(u' ')));
        for (const QString &id : absent)
            QVERIFY2(!ids.contains(id), qPrintable(id + u" leaked in "_s + ids.join(u' ')));
    }

    void totalsCountOnlyWhatIsVisible()
    {
        const Response r = f.fhir("GET", u"Observation?_summary=count"_s,
                                  token(u"patient/*.rs launch/patient"_s));
        QCOMPARE(parseJson(r.body).value("total", -1), 2);
    }

    // Writes: a patient/ scope writes only in its patient's compartment, as the resource is
    // before and after the write.
    void writes_data()
    {
        QTest::addColumn<QString>("scope");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        const QString cruds = u"patient/*.cruds launch/patient"_s;
        QTest::newRow("create in the compartment")
            << cruds << QByteArray("POST") << u"Observation"_s << observationFor("pa") << 201;
        QTest::newRow("create for another patient")
            << cruds << QByteArray("POST") << u"Observation"_s << observationFor("pb") << 403;
        QTest::newRow("create a Practitioner")
            << cruds << QByteArray("POST") << u"Practitioner"_s
            << QByteArray(R"({"resourceType":"Practitioner"})") << 403;
        QTest::newRow("update another's")
            << cruds << QByteArray("PUT") << u"Observation/ob"_s
            << AuthFixture::observation("ob", "pb", "vital-signs") << 403;
        QTest::newRow("move an own record to another patient")
            << cruds << QByteArray("PUT") << u"Observation/oa-lab"_s
            << AuthFixture::observation("oa-lab", "pb", "laboratory") << 403;
        QTest::newRow("delete another's")
            << cruds << QByteArray("DELETE") << u"Observation/ob"_s << QByteArray() << 403;
        QTest::newRow("read-only scope cannot create")
            << u"patient/*.rs launch/patient"_s << QByteArray("POST") << u"Observation"_s
            << observationFor("pa") << 403;
        QTest::newRow("v1 read cannot create")
            << u"patient/Observation.read launch/patient"_s << QByteArray("POST")
            << u"Observation"_s << observationFor("pa") << 403;
        QTest::newRow("system/ read cannot create")
            << u"system/*.rs"_s << QByteArray("POST") << u"Observation"_s << observationFor("pb")
            << 403;
        QTest::newRow("system/ write of its type")
            << u"system/Observation.cruds"_s << QByteArray("POST") << u"Observation"_s
            << observationFor("pb") << 201;
    }
    void writes()
    {
        QFETCH(QString, scope);
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        const QString user = scope.startsWith(u"system/"_s) ? u"backend"_s : u"alice"_s;
        const Response r = f.fhir(method, path, token(scope, user), body);
        QVERIFY2(r.status == status, r.body.left(600).constData());
        if (status == 403) {
            // Nothing changed: pb still has exactly its Observation ob, unchanged.
            const Response check = f.fhir("GET", u"Observation?subject=Patient/pb&_summary=count"_s,
                                          token(u"system/*.rs"_s, u"backend"_s));
            const int expected = 1 + m_backendCreated;
            QCOMPARE(parseJson(check.body).value("total", -1), expected);
            QCOMPARE(f.fhir("GET", u"Observation/oa-lab"_s, token(u"system/*.rs"_s, u"backend"_s))
                         .header("ETag"),
                     QByteArray("W/\"1\""));
        } else if (r.status == 201 && user == u"backend"_s) {
            ++m_backendCreated;
        }
    }

    void patchOfAnotherPatientsRecord()
    {
        const QByteArray patch = R"([{"op":"replace","path":"/status","value":"amended"}])";
        const Response r = f.server->handle(
            {"PATCH",
             FhirServer::basePath() + u"/Observation/ob"_s,
             {},
             {{"Authorization", "Bearer " + token(u"patient/*.cruds launch/patient"_s).toLatin1()},
              {"Content-Type", "application/json-patch+json"}},
             patch});
        QCOMPARE(r.status, 403);
    }

    void transactionEntriesAreConfined()
    {
        const QString cruds = token(u"patient/*.cruds launch/patient"_s);
        // A read of another patient's record fails the whole transaction.
        Json readOther
            = Json::array({{{"request", {{"method", "GET"}, {"url", "Observation/ob"}}}}});
        Response r = f.fhir("POST", QString(), cruds, transactionOf(readOther));
        QCOMPARE(r.status, 404);
        QCOMPARE(parseJson(r.body).value("resourceType", ""), std::string("OperationOutcome"));
        QVERIFY(!r.body.contains("Patient/pb"));
        // A write for another patient fails it too, and nothing of it is written.
        Json entries = Json::array({{{"fullUrl", "urn:uuid:00000000-0000-4000-8000-000000000001"},
                                     {"resource", parseJson(observationFor("pa"))},
                                     {"request", {{"method", "POST"}, {"url", "Observation"}}}},
                                    {{"resource", parseJson(observationFor("pb"))},
                                     {"request", {{"method", "POST"}, {"url", "Observation"}}}}});
        const Response own = f.fhir("GET", u"Observation?subject=Patient/pa&_summary=count"_s,
                                    token(u"system/*.rs"_s, u"backend"_s));
        const int before = parseJson(own.body).value("total", -1);
        r = f.fhir("POST", QString(), cruds, transactionOf(entries));
        QCOMPARE(r.status, 403);
        QCOMPARE(parseJson(f.fhir("GET", u"Observation?subject=Patient/pa&_summary=count"_s,
                                  token(u"system/*.rs"_s, u"backend"_s))
                               .body)
                     .value("total", -2),
                 before);
        // In a batch each entry is judged alone.
        Json batch = Json::array({{{"request", {{"method", "GET"}, {"url", "Observation/ob"}}}},
                                  {{"request", {{"method", "GET"}, {"url", "Observation/oa"}}}}});
        r = f.fhir("POST", QString(), cruds, transactionOf(batch, "batch"));
        QCOMPARE(r.status, 200);
        const Json answer = parseJson(r.body);
        QVERIFY(answer.at("entry").at(0).at("response").value("status", "").starts_with("404"));
        QVERIFY(answer.at("entry").at(1).at("response").value("status", "").starts_with("200"));
        QVERIFY(!r.body.contains("Patient/pb"));
    }

    void conditionalCreateMatchesOnlyWhatIsVisible()
    {
        // If-None-Exist naming another patient's record must not answer it.
        const Response r = f.server->handle(
            {"POST",
             FhirServer::basePath() + u"/Observation"_s,
             {},
             {{"Authorization", "Bearer " + token(u"patient/*.cruds launch/patient"_s).toLatin1()},
              {"Content-Type", "application/fhir+json"},
              {"If-None-Exist", "_id=ob"}},
             observationFor("pa")});
        QCOMPARE(r.status, 201);
        QVERIFY(!r.body.contains("Patient/pb"));
    }

    // SECURITY.md, Tokens (RS): every bad token is a 401 with Bearer error="invalid_token".
    void badTokensAreRefused_data()
    {
        QTest::addColumn<QString>("kind");
        for (const char *kind : {"garbage", "tampered payload", "tampered signature", "alg none",
                                 "HS256 keyed with our public key", "unknown kid", "wrong aud",
                                 "wrong iss", "expired", "not yet valid", "not ours (unknown jti)"})
            QTest::newRow(kind) << QString::fromLatin1(kind);
    }
    void badTokensAreRefused()
    {
        QFETCH(QString, kind);
        const QString good = token(u"patient/*.rs launch/patient"_s);
        const QList<QByteArray> parts = good.toLatin1().split('.');
        QCOMPARE(parts.size(), 3);
        const Json header
            = parseJson(QByteArray::fromBase64(parts[0], QByteArray::Base64UrlEncoding));
        Json claims = parseJson(QByteArray::fromBase64(parts[1], QByteArray::Base64UrlEncoding));
        auto signer = f.as().signingKeys().current();
        QVERIFY(signer);
        auto signWith = [&](const Json &c, const RsaKey &key, const QString &kid) {
            auto signed_ = jwt::sign(c, key, kid, "at+jwt");
            return signed_ ? *signed_ : QByteArray();
        };
        QByteArray bad;
        const qint64 nowS = f.now / 1000;
        if (kind == u"garbage"_s) {
            bad = "not-a-jwt";
        } else if (kind == u"tampered payload"_s) {
            claims["patient"] = "pb";
            bad = parts[0] + '.' + base64url(QByteArray::fromStdString(claims.dump())) + '.'
                + parts[2];
        } else if (kind == u"tampered signature"_s) {
            QByteArray signature = QByteArray::fromBase64(parts[2], QByteArray::Base64UrlEncoding);
            signature[10] = char(signature[10] ^ 0x01);
            bad = parts[0] + '.' + parts[1] + '.' + base64url(signature);
        } else if (kind == u"alg none"_s) {
            Json h = header;
            h["alg"] = "none";
            bad = base64url(QByteArray::fromStdString(h.dump())) + '.' + parts[1] + '.';
        } else if (kind == u"HS256 keyed with our public key"_s) {
            Json h = header;
            h["alg"] = "HS256";
            const QByteArray input
                = base64url(QByteArray::fromStdString(h.dump())) + '.' + parts[1];
            const QByteArray publicKey
                = QByteArray::fromStdString(signer->key.publicJwk(signer->kid).dump());
            bad = input + '.'
                + base64url(QMessageAuthenticationCode::hash(input, publicKey,
                                                             QCryptographicHash::Sha256));
        } else if (kind == u"unknown kid"_s) {
            auto other = RsaKey::generate();
            QVERIFY(other);
            bad = signWith(claims, *other, u"someone-elses-key"_s);
        } else if (kind == u"wrong aud"_s) {
            claims["aud"] = "https://other.example/fhir";
            bad = signWith(claims, signer->key, signer->kid);
        } else if (kind == u"wrong iss"_s) {
            claims["iss"] = "https://other.example/fhir";
            bad = signWith(claims, signer->key, signer->kid);
        } else if (kind == u"expired"_s) {
            claims["exp"] = nowS - 2 * 60;
            bad = signWith(claims, signer->key, signer->kid);
        } else if (kind == u"not yet valid"_s) {
            claims["nbf"] = nowS + 10 * 60;
            bad = signWith(claims, signer->key, signer->kid);
        } else {
            claims["jti"] = "made-up";
            bad = signWith(claims, signer->key, signer->kid);
        }
        QVERIFY(!bad.isEmpty());
        const Response r = f.fhir("GET", u"Patient/pa"_s, QString::fromLatin1(bad));
        QCOMPARE(r.status, 401);
        const QByteArray challenge = r.header("WWW-Authenticate");
        QVERIFY2(challenge.startsWith("Bearer ") && challenge.contains("error=\"invalid_token\""),
                 challenge.constData());
        QCOMPARE(parseJson(r.body).value("resourceType", ""), std::string("OperationOutcome"));
        QVERIFY(!r.body.contains(bad)); // the token is never echoed
        // The genuine token still works.
        QCOMPARE(f.fhir("GET", u"Patient/pa"_s, good).status, 200);
    }

    void expiredTokenAfterItsHour()
    {
        const TokenReply t = f.appTokens(u"patient/*.rs launch/patient"_s);
        const qint64 saved = f.now;
        f.now += (3600 + 61) * 1000;
        const Response r = f.fhir("GET", u"Patient/pa"_s, t.text("access_token"));
        f.now = saved;
        QCOMPARE(r.status, 401);
        QVERIFY(r.body.contains("expired"));
    }

    void noCredentialsGetsBothChallenges()
    {
        const Response r
            = f.server->handle({"GET", FhirServer::basePath() + u"/Patient"_s, {}, {}, {}});
        QCOMPARE(r.status, 401);
        QVERIFY(r.header("WWW-Authenticate").contains("Bearer realm="));
        QVERIFY(r.header("WWW-Authenticate").contains("ApiKey realm="));
        // metadata stays public.
        QCOMPARE(
            f.server->handle({"GET", FhirServer::basePath() + u"/metadata"_s, {}, {}, {}}).status,
            200);
    }

    void apiKeysWorkBesideTokens()
    {
        ApiKeyStore keys(f.server->store());
        auto made = keys.create(u"owner"_s);
        QVERIFY(made);
        const Response r = f.server->handle({"GET",
                                             FhirServer::basePath() + u"/Patient/pb"_s,
                                             {},
                                             {{"x-api-key", made->secret.toLatin1()}},
                                             {}});
        QCOMPARE(r.status, 200);
    }

private:
    int m_backendCreated = 0;
};

QTEST_GUILESS_MAIN(TestScopeEnforcement)
#include "tst_scopeenforcement.moc"
