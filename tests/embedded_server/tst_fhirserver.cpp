// The transport-free server core: every interaction and every error status, called directly.

#include "embedded_server/fhirserver.h"

#include "testmodel.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

#include <thread>

#include <nlohmann/json.hpp>

using namespace fhir::server;
using namespace Qt::StringLiterals;
using Json = nlohmann::json;

Q_DECLARE_METATYPE(fhir::server::HeaderList)

namespace {

const QString base = u"http://127.0.0.1:8080/fhir/r4"_s;
constexpr qint64 t0 = 1'700'000'000'000; // 2023-11-14T22:13:20Z

/// A request from "METHOD /path?query" shorthand.
Request makeRequest(const QByteArray &method, const QString &target, const QByteArray &body = {},
                    HeaderList headers = {})
{
    Request request;
    request.method = method;
    const qsizetype question = target.indexOf(u'?');
    request.path = question < 0 ? target : target.left(question);
    if (question >= 0)
        request.query = QUrlQuery(target.mid(question + 1)).queryItems(QUrl::FullyDecoded);
    if (!body.isEmpty() && headerValue(headers, "Content-Type").isNull())
        headers.append(qMakePair(QByteArray("Content-Type"), QByteArray("application/fhir+json")));
    request.headers = std::move(headers);
    request.body = body;
    return request;
}

Json parse(const Response &response)
{
    return Json::parse(response.body.toStdString(), nullptr, false);
}

std::string str(const Json &value)
{
    return value.is_string() ? value.get<std::string>() : value.dump();
}

QByteArray patient(const QString &id = {}, const QString &family = u"Chalmers"_s)
{
    Json p = {{"resourceType", "Patient"},
              {"name", {{{"family", family.toStdString()}, {"given", {"Peter"}}}}},
              {"gender", "male"}};
    if (!id.isEmpty())
        p["id"] = id.toStdString();
    return QByteArray::fromStdString(p.dump());
}

} // namespace

class TestFhirServer : public QObject
{
    Q_OBJECT

private:
    std::shared_ptr<const fhir::schema::Model> m_model;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FhirServer> m_server;
    qint64 m_now = t0;

    Response call(const QByteArray &method, const QString &target, const QByteArray &body = {},
                  HeaderList headers = {})
    {
        return m_server->handle(makeRequest(method, u"/fhir/r4"_s + target, body, headers));
    }

    /// Creates a Patient with PUT under a known id, one second after the previous write.
    void put(const QString &id, const QString &family = u"Chalmers"_s)
    {
        m_now += 1000;
        const Response r = call("PUT", u"/Patient/"_s + id, patient(id, family));
        QVERIFY2(r.status == 200 || r.status == 201, r.body.constData());
    }

    static void verifyOutcome(const Response &r, int status, const std::string &code)
    {
        QCOMPARE(r.status, status);
        QVERIFY(r.header("Content-Type").startsWith("application/fhir+json"));
        const Json body = parse(r);
        QCOMPARE(str(body["resourceType"]), std::string("OperationOutcome"));
        QCOMPARE(str(body["issue"][0]["code"]), code);
        QCOMPARE(str(body["issue"][0]["severity"]), std::string("error"));
        QVERIFY(!str(body["issue"][0]["diagnostics"]).empty());
    }

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        ServerOptions options;
        options.baseUrl = base;
        options.requireApiKey = false; // API keys are tested in tst_apikeygate
        auto server = FhirServer::open(m_model, m_dir->path(), options);
        QVERIFY2(server, qPrintable(server.error()));
        m_server = std::move(server).value();
        m_now = t0;
        m_server->setClock([this] { return m_now; });
    }

    void cleanup()
    {
        m_server.reset();
        m_dir.reset();
    }

    // --- capabilities ---

    void capabilityStatement()
    {
        const Response r = call("GET", u"/metadata"_s);
        QCOMPARE(r.status, 200);
        const Json cs = parse(r);
        QCOMPARE(str(cs["resourceType"]), std::string("CapabilityStatement"));
        QCOMPARE(str(cs["fhirVersion"]), std::string("4.0.1"));
        QCOMPARE(str(cs["kind"]), std::string("instance"));
        QCOMPARE(str(cs["implementation"]["url"]), base.toStdString());
        const Json &rest = cs["rest"][0];
        QCOMPARE(str(rest["mode"]), std::string("server"));
        QCOMPARE(rest["resource"].size(), size_t(m_model->resourceTypes().size()));
        // Only what works.
        QCOMPARE(rest["interaction"].size(), size_t(4));
        QCOMPARE(str(rest["interaction"][0]["code"]), std::string("transaction"));
        QCOMPARE(str(rest["interaction"][1]["code"]), std::string("batch"));
        QCOMPARE(str(rest["interaction"][2]["code"]), std::string("history-system"));
        QCOMPARE(str(rest["interaction"][3]["code"]), std::string("search-system"));
        // The parameters a search over every type takes (search.html#multiple-types).
        QStringList systemParams;
        for (const Json &p : rest["searchParam"])
            systemParams.append(QString::fromStdString(str(p["name"])));
        for (const QString &code :
             {u"_id"_s, u"_lastUpdated"_s, u"_tag"_s, u"_profile"_s, u"_content"_s})
            QVERIFY2(systemParams.contains(code), qPrintable(code));
        QVERIFY(!systemParams.contains(u"gender"_s));
        QVERIFY(!systemParams.contains(u"_text"_s)); // DomainResource's, not Bundle's
        for (const Json &resource : rest["resource"]) {
            if (resource["type"] == "Observation") {
                // search.html#composite: declared with their type.
                bool composite = false;
                for (const Json &p : resource["searchParam"])
                    composite = composite
                        || (p["name"] == "code-value-quantity" && p["type"] == "composite");
                QVERIFY(composite);
            }
            if (resource["type"] != "Patient")
                continue;
            QStringList codes;
            for (const Json &i : resource["interaction"])
                codes.append(QString::fromStdString(str(i["code"])));
            QCOMPARE(codes,
                     QStringList({u"read"_s, u"vread"_s, u"update"_s, u"patch"_s, u"delete"_s,
                                  u"history-instance"_s, u"history-type"_s, u"create"_s,
                                  u"search-type"_s}));
            QCOMPARE(str(resource["operation"][0]["name"]), std::string("validate"));
            QCOMPARE(str(resource["operation"][0]["definition"]),
                     std::string("http://hl7.org/fhir/OperationDefinition/Resource-validate"));
            QVERIFY(cs["patchFormat"]
                    == Json::array({"application/json-patch+json", "application/fhir+json"}));
            // Every indexed parameter is declared, with its type and documentation.
            QStringList params;
            for (const Json &p : resource["searchParam"]) {
                params.append(QString::fromStdString(str(p["name"])));
                QVERIFY(!str(p["documentation"]).empty());
            }
            for (const QString &code :
                 {u"_id"_s, u"_lastUpdated"_s, u"_tag"_s, u"gender"_s, u"name"_s, u"birthdate"_s,
                  u"identifier"_s, u"organization"_s, u"_text"_s, u"_content"_s})
                QVERIFY2(params.contains(code), qPrintable(code));
            QCOMPARE(str(resource["searchParam"][1]["name"]), std::string("_lastUpdated"));
            QCOMPARE(str(resource["searchParam"][1]["type"]), std::string("date"));
            QCOMPARE(str(resource["searchParam"][0]["definition"]),
                     std::string("http://hl7.org/fhir/SearchParameter/Resource-id"));
            QVERIFY(resource["updateCreate"] == Json(true));
            QVERIFY(resource["conditionalCreate"] == Json(true));
            QVERIFY(resource["conditionalUpdate"] == Json(true));
            QCOMPARE(str(resource["conditionalDelete"]), std::string("single"));
            QVERIFY(resource["searchInclude"].dump().find("Patient:organization")
                    != std::string::npos);
            QVERIFY(resource["searchRevInclude"].dump().find("Observation:subject")
                    != std::string::npos);
            QCOMPARE(str(resource["operation"][1]["name"]), std::string("everything"));
            QVERIFY(str(resource["operation"][1]["documentation"]).find("Patient/$everything")
                    != std::string::npos);
            return;
        }
        QFAIL("no Patient in the CapabilityStatement");
    }

    // --- create, read, vread ---

    void createAssignsIdAndMeta()
    {
        m_now = t0 + 123;
        const Response r = call("POST", u"/Patient"_s, patient(u"ignored"_s));
        QCOMPARE(r.status, 201);
        const Json body = parse(r);
        const QString id = QString::fromStdString(str(body["id"]));
        QVERIFY(id != u"ignored"_s); // the spec: the server ignores the id on create
        QVERIFY(QRegularExpression(u"^[A-Za-z0-9\\-\\.]{1,64}$"_s).match(id).hasMatch());
        QCOMPARE(r.header("Location"),
                 QString(base + u"/Patient/"_s + id + u"/_history/1"_s).toUtf8());
        QCOMPARE(r.header("ETag"), QByteArray("W/\"1\""));
        QCOMPARE(r.header("Last-Modified"), QByteArray("Tue, 14 Nov 2023 22:13:20 GMT"));
        QCOMPARE(str(body["meta"]["versionId"]), std::string("1"));
        QCOMPARE(str(body["meta"]["lastUpdated"]), std::string("2023-11-14T22:13:20.123Z"));
        QCOMPARE(str(body["name"][0]["family"]), std::string("Chalmers"));

        const Response read = call("GET", u"/Patient/"_s + id);
        QCOMPARE(read.status, 200);
        QCOMPARE(read.body, r.body);
        QCOMPARE(read.header("ETag"), QByteArray("W/\"1\""));
        QCOMPARE(read.header("Content-Type"), QByteArray("application/fhir+json; charset=utf-8"));
    }

    void createKeepsClientMeta()
    {
        const QByteArray body = R"({"resourceType":"Patient","meta":{"versionId":"7",
            "profile":["http://example.org/p"]},"active":true})";
        const Json created = parse(call("POST", u"/Patient"_s, body));
        QCOMPARE(str(created["meta"]["versionId"]), std::string("1"));
        QCOMPARE(str(created["meta"]["profile"][0]), std::string("http://example.org/p"));
        QVERIFY(created["active"] == Json(true));
    }

    void preferReturn_data()
    {
        QTest::addColumn<QByteArray>("prefer");
        QTest::addColumn<QString>("resourceType"); // empty: no body
        QTest::newRow("default") << QByteArray() << u"Patient"_s;
        QTest::newRow("representation") << QByteArray("return=representation") << u"Patient"_s;
        QTest::newRow("minimal") << QByteArray("return=minimal") << QString();
        QTest::newRow("OperationOutcome")
            << QByteArray("return=OperationOutcome") << u"OperationOutcome"_s;
    }
    void preferReturn()
    {
        QFETCH(QByteArray, prefer);
        QFETCH(QString, resourceType);
        HeaderList headers;
        if (!prefer.isEmpty())
            headers.append(qMakePair(QByteArray("Prefer"), prefer));
        const Response created = call("POST", u"/Patient"_s, patient(), headers);
        QCOMPARE(created.status, 201);
        QVERIFY(!created.header("Location").isEmpty());
        QCOMPARE(created.header("ETag"), QByteArray("W/\"1\""));
        const Response updated = call("PUT", u"/Patient/p1"_s, patient(u"p1"_s), headers);
        QCOMPARE(updated.status, 201);
        for (const Response &r : {created, updated}) {
            if (resourceType.isEmpty()) {
                QVERIFY(r.body.isEmpty());
                QVERIFY(r.header("Content-Type").isEmpty());
            } else {
                QCOMPARE(str(parse(r)["resourceType"]), resourceType.toStdString());
            }
        }
    }

    void updateAndVread()
    {
        put(u"p1"_s, u"One"_s);
        const qint64 firstTime = m_now;
        put(u"p1"_s, u"Two"_s);
        const Response current = call("GET", u"/Patient/p1"_s);
        QCOMPARE(current.header("ETag"), QByteArray("W/\"2\""));
        QCOMPARE(str(parse(current)["name"][0]["family"]), std::string("Two"));

        const Response v1 = call("GET", u"/Patient/p1/_history/1"_s);
        QCOMPARE(v1.status, 200);
        QCOMPARE(str(parse(v1)["name"][0]["family"]), std::string("One"));
        QCOMPARE(str(parse(v1)["meta"]["versionId"]), std::string("1"));
        QCOMPARE(str(parse(v1)["meta"]["lastUpdated"]),
                 QDateTime::fromMSecsSinceEpoch(firstTime, Qt::UTC)
                     .toString(Qt::ISODateWithMs)
                     .toStdString());
        QCOMPARE(v1.header("ETag"), QByteArray("W/\"1\""));
    }

    void updateStatus()
    {
        const Response created = call("PUT", u"/Patient/p1"_s, patient(u"p1"_s));
        QCOMPARE(created.status, 201); // create-on-update, client-assigned id
        QCOMPARE(created.header("Location"), QString(base + u"/Patient/p1/_history/1"_s).toUtf8());
        const Response updated = call("PUT", u"/Patient/p1"_s, patient(u"p1"_s));
        QCOMPARE(updated.status, 200);
        QCOMPARE(updated.header("ETag"), QByteArray("W/\"2\""));
    }

    void ifMatch_data()
    {
        QTest::addColumn<QByteArray>("ifMatch");
        QTest::addColumn<int>("status");
        QTest::newRow("current weak") << QByteArray("W/\"2\"") << 200;
        QTest::newRow("current strong") << QByteArray("\"2\"") << 200;
        QTest::newRow("stale") << QByteArray("W/\"1\"") << 412;
        QTest::newRow("future") << QByteArray("W/\"3\"") << 412;
        QTest::newRow("malformed") << QByteArray("W/2") << 400;
        QTest::newRow("not a number") << QByteArray("W/\"x\"") << 400;
    }
    void ifMatch()
    {
        QFETCH(QByteArray, ifMatch);
        QFETCH(int, status);
        put(u"p1"_s);
        put(u"p1"_s);
        const Response r = call("PUT", u"/Patient/p1"_s, patient(u"p1"_s), {{"If-Match", ifMatch}});
        QCOMPARE(r.status, status);
        if (status != 200) {
            verifyOutcome(r, status, status == 412 ? "conflict" : "invalid");
            QCOMPARE(call("GET", u"/Patient/p1"_s).header("ETag"), QByteArray("W/\"2\""));
        }
        const Response del = call("DELETE", u"/Patient/p1"_s, {}, {{"If-Match", "W/\"1\""}});
        QCOMPARE(del.status, 412);
    }

    void ifMatchOnMissingResource()
    {
        const Response r
            = call("PUT", u"/Patient/nope"_s, patient(u"nope"_s), {{"If-Match", "W/\"1\""}});
        verifyOutcome(r, 412, "conflict");
        QCOMPARE(call("GET", u"/Patient/nope"_s).status, 404);
    }

    // --- delete ---

    void deleteIsLogical()
    {
        put(u"p1"_s);
        const Response del = call("DELETE", u"/Patient/p1"_s);
        QCOMPARE(del.status, 204);
        QVERIFY(del.body.isEmpty());
        QCOMPARE(del.header("ETag"), QByteArray("W/\"2\""));

        const Response gone = call("GET", u"/Patient/p1"_s);
        verifyOutcome(gone, 410, "deleted");
        QCOMPARE(call("GET", u"/Patient/p1/_history/1"_s).status, 200);
        verifyOutcome(call("GET", u"/Patient/p1/_history/2"_s), 410, "deleted");

        // Deleting again changes nothing.
        QCOMPARE(call("DELETE", u"/Patient/p1"_s).status, 204);
        const Json history = parse(call("GET", u"/Patient/p1/_history"_s));
        QVERIFY(history["total"] == Json(2));
        QCOMPARE(str(history["entry"][0]["request"]["method"]), std::string("DELETE"));
        QVERIFY(!history["entry"][0].contains("resource"));
        QCOMPARE(str(history["entry"][0]["response"]["status"]), std::string("204 No Content"));

        // Not in searches any more; an update brings it back as a new version.
        QVERIFY(parse(call("GET", u"/Patient"_s))["total"] == Json(0));
        const Response back = call("PUT", u"/Patient/p1"_s, patient(u"p1"_s));
        QCOMPARE(back.status, 201);
        QCOMPARE(back.header("ETag"), QByteArray("W/\"3\""));
        QCOMPARE(call("GET", u"/Patient/p1"_s).status, 200);
    }

    void deleteUnknownSucceeds()
    {
        QCOMPARE(call("DELETE", u"/Patient/never"_s).status, 204);
        const Response outcome
            = call("DELETE", u"/Patient/never"_s, {}, {{"Prefer", "return=OperationOutcome"}});
        QCOMPARE(outcome.status, 200);
        QCOMPARE(str(parse(outcome)["issue"][0]["severity"]), std::string("information"));
        QCOMPARE(call("GET", u"/Patient/never"_s).status, 404);
        QCOMPARE(call("GET", u"/Patient/never/_history"_s).status, 404);
    }

    // --- history ---

    void historyLevels()
    {
        put(u"a"_s);
        put(u"b"_s);
        put(u"a"_s);
        m_now += 1000;
        QCOMPARE(call("POST", u"/Observation"_s,
                      R"({"resourceType":"Observation","status":"final",
                          "code":{"text":"x"}})")
                     .status,
                 201);

        const Json instance = parse(call("GET", u"/Patient/a/_history"_s));
        QCOMPARE(str(instance["resourceType"]), std::string("Bundle"));
        QCOMPARE(str(instance["type"]), std::string("history"));
        QVERIFY(instance["total"] == Json(2));
        QCOMPARE(str(instance["entry"][0]["resource"]["meta"]["versionId"]), std::string("2"));
        QCOMPARE(str(instance["entry"][0]["response"]["status"]), std::string("200 OK"));
        QCOMPARE(str(instance["entry"][1]["response"]["status"]), std::string("201 Created"));
        QCOMPARE(str(instance["entry"][0]["request"]["url"]), std::string("Patient/a"));
        QCOMPARE(str(instance["entry"][0]["fullUrl"]),
                 QString(base + u"/Patient/a"_s).toStdString());
        QCOMPARE(str(instance["entry"][0]["response"]["etag"]), std::string("W/\"2\""));

        QVERIFY(parse(call("GET", u"/Patient/_history"_s))["total"] == Json(3));
        const Json system = parse(call("GET", u"/_history"_s));
        QVERIFY(system["total"] == Json(4));
        QCOMPARE(str(system["entry"][0]["resource"]["resourceType"]), std::string("Observation"));
        QCOMPARE(str(system["entry"][0]["request"]["method"]), std::string("POST"));
        QCOMPARE(str(system["entry"][0]["request"]["url"]), std::string("Observation"));
    }

    // http.html#history: _at keeps the versions that were current at some point of the period.
    void historyAt_data()
    {
        QTest::addColumn<QString>("at");
        QTest::addColumn<QStringList>("versions"); // newest first
        // Versions 1, 2, 3 of Patient/a are written at t0+1s, t0+2s, t0+3s (22:13:21Z...).
        QTest::newRow("the second v2 was written in")
            << u"2023-11-14T22:13:22Z"_s << QStringList{u"2"_s};
        QTest::newRow("the day of all three")
            << u"2023-11-14"_s << QStringList{u"3"_s, u"2"_s, u"1"_s};
        QTest::newRow("before the first") << u"2023-11-13"_s << QStringList{};
        QTest::newRow("after the last: the current one") << u"2024"_s << QStringList{u"3"_s};
    }
    void historyAt()
    {
        QFETCH(QString, at);
        QFETCH(QStringList, versions);
        put(u"a"_s);
        put(u"a"_s);
        put(u"a"_s);
        const Json bundle = parse(call("GET", u"/Patient/a/_history?_at="_s + at));
        QStringList found;
        for (const Json &entry : bundle.value("entry", Json::array()))
            found.append(QString::fromStdString(str(entry["resource"]["meta"]["versionId"])));
        QCOMPARE(found, versions);
        QVERIFY(bundle["total"] == Json(versions.size()));
        verifyOutcome(call("GET", u"/Patient/a/_history?_at=soon"_s), 400, "invalid");
    }

    void historySinceAndPaging()
    {
        for (int i = 0; i < 5; ++i)
            put(u"p%1"_s.arg(i));
        // Writes at t0+1s ... t0+5s.
        const Json since = parse(call("GET", u"/_history?_since=2023-11-14T22:13:23Z"_s));
        QVERIFY(since["total"] == Json(3));
        const Json withZone = parse(call("GET", u"/_history?_since=2023-11-14T23:13:23%2B01:00"_s));
        QVERIFY(withZone["total"] == Json(3));

        const Json page = parse(call("GET", u"/Patient/_history?_count=2"_s));
        QVERIFY(page["total"] == Json(5));
        QCOMPARE(page["entry"].size(), size_t(2));
        QCOMPARE(str(page["link"][0]["relation"]), std::string("self"));
        QCOMPARE(str(page["link"][1]["relation"]), std::string("next"));
        const QString next = QString::fromStdString(str(page["link"][1]["url"]));
        QVERIFY2(next.startsWith(base + u"/Patient/_history?"_s), qPrintable(next));

        // Follow next to the end.
        QString url = next;
        int pages = 1;
        while (!url.isEmpty()) {
            const Json p = parse(call("GET", url.mid(base.size())));
            QVERIFY(p["entry"].size() >= 1);
            ++pages;
            url.clear();
            bool hasPrevious = false;
            for (const Json &link : p["link"]) {
                if (link["relation"] == "next")
                    url = QString::fromStdString(str(link["url"]));
                hasPrevious = hasPrevious || link["relation"] == "previous";
            }
            QVERIFY(hasPrevious);
        }
        QCOMPARE(pages, 3);
    }

    // --- search ---

    void searchById()
    {
        put(u"a"_s);
        put(u"b"_s);
        put(u"c"_s);
        const Json one = parse(call("GET", u"/Patient?_id=b"_s));
        QCOMPARE(str(one["type"]), std::string("searchset"));
        QVERIFY(one["total"] == Json(1));
        QCOMPARE(str(one["entry"][0]["resource"]["id"]), std::string("b"));
        QCOMPARE(str(one["entry"][0]["search"]["mode"]), std::string("match"));
        QCOMPARE(str(one["entry"][0]["fullUrl"]), QString(base + u"/Patient/b"_s).toStdString());
        QCOMPARE(str(one["link"][0]["url"]),
                 QString(base + u"/Patient?_id=b&_count=20"_s).toStdString());

        QVERIFY(parse(call("GET", u"/Patient?_id=a,c,zz"_s))["total"] == Json(2));
        QVERIFY(parse(call("GET", u"/Patient?_id=a,c&_id=c"_s))["total"] == Json(1));
        QVERIFY(parse(call("GET", u"/Observation?_id=a"_s))["total"] == Json(0));
        QVERIFY(!parse(call("GET", u"/Observation?_id=a"_s)).contains("entry"));

        const Response post = call("POST", u"/Patient/_search"_s, "_id=a,b",
                                   {{"Content-Type", "application/x-www-form-urlencoded"}});
        QCOMPARE(post.status, 200);
        QVERIFY(parse(post)["total"] == Json(2));
    }

    void searchByLastUpdated_data()
    {
        // Three patients written at 22:13:21, 22:13:22 and 22:13:23 on 2023-11-14 (UTC).
        QTest::addColumn<QString>("query");
        QTest::addColumn<QStringList>("ids");
        QTest::newRow("day") << u"_lastUpdated=2023-11-14"_s << QStringList{u"a"_s, u"b"_s, u"c"_s};
        QTest::newRow("other day") << u"_lastUpdated=2023-11-15"_s << QStringList{};
        QTest::newRow("year") << u"_lastUpdated=2023"_s << QStringList{u"a"_s, u"b"_s, u"c"_s};
        QTest::newRow("eq second")
            << u"_lastUpdated=eq2023-11-14T22:13:22Z"_s << QStringList{u"b"_s};
        QTest::newRow("ne second")
            << u"_lastUpdated=ne2023-11-14T22:13:22Z"_s << QStringList{u"a"_s, u"c"_s};
        QTest::newRow("gt") << u"_lastUpdated=gt2023-11-14T22:13:21Z"_s
                            << QStringList{u"b"_s, u"c"_s};
        QTest::newRow("ge") << u"_lastUpdated=ge2023-11-14T22:13:22Z"_s
                            << QStringList{u"b"_s, u"c"_s};
        QTest::newRow("lt") << u"_lastUpdated=lt2023-11-14T22:13:22Z"_s << QStringList{u"a"_s};
        QTest::newRow("le") << u"_lastUpdated=le2023-11-14T22:13:22Z"_s
                            << QStringList{u"a"_s, u"b"_s};
        QTest::newRow("sa") << u"_lastUpdated=sa2023-11-14T22:13:22Z"_s << QStringList{u"c"_s};
        QTest::newRow("eb") << u"_lastUpdated=eb2023-11-14T22:13:22Z"_s << QStringList{u"a"_s};
        QTest::newRow("offset zone")
            << u"_lastUpdated=eq2023-11-14T23:13:22%2B01:00"_s << QStringList{u"b"_s};
        QTest::newRow("milliseconds")
            << u"_lastUpdated=2023-11-14T22:13:22.000Z"_s << QStringList{u"b"_s};
        QTest::newRow("and")
            << u"_lastUpdated=gt2023-11-14T22:13:21Z&_lastUpdated=lt2023-11-14T22:13:23Z"_s
            << QStringList{u"b"_s};
        QTest::newRow("or") << u"_lastUpdated=lt2023-11-14T22:13:22Z,gt2023-11-14T22:13:22Z"_s
                            << QStringList{u"a"_s, u"c"_s};
        QTest::newRow("with _id") << u"_lastUpdated=ge2023-11-14T22:13:22Z&_id=a,b"_s
                                  << QStringList{u"b"_s};
    }
    void searchByLastUpdated()
    {
        QFETCH(QString, query);
        QFETCH(QStringList, ids);
        put(u"a"_s);
        put(u"b"_s);
        put(u"c"_s);
        const Response r = call("GET", u"/Patient?"_s + query);
        QCOMPARE(r.status, 200);
        const Json bundle = parse(r);
        QStringList found;
        for (const Json &entry : bundle.value("entry", Json::array()))
            found.append(QString::fromStdString(str(entry["resource"]["id"])));
        QCOMPARE(found, ids);
        QVERIFY(bundle["total"] == Json(ids.size()));
    }

    void searchPaging()
    {
        for (int i = 0; i < 5; ++i)
            put(u"p%1"_s.arg(i));
        const Json first = parse(call("GET", u"/Patient?_count=2"_s));
        QVERIFY(first["total"] == Json(5));
        QCOMPARE(first["entry"].size(), size_t(2));
        QCOMPARE(str(first["entry"][0]["resource"]["id"]), std::string("p0"));
        QCOMPARE(first["link"].size(), size_t(4)); // self, next, first, last
        const QString next = QString::fromStdString(str(first["link"][1]["url"]));
        const Json second = parse(call("GET", next.mid(base.size())));
        QCOMPARE(str(second["entry"][0]["resource"]["id"]), std::string("p2"));
        QCOMPARE(second["link"].size(), size_t(5)); // self, next, previous, first, last
        QCOMPARE(str(second["link"][4]["relation"]), std::string("last"));
        QVERIFY(str(second["link"][4]["url"]).find("_offset=4") != std::string::npos);
        const Json last = parse(call("GET", u"/Patient?_count=2&_offset=4"_s));
        QCOMPARE(last["entry"].size(), size_t(1));
        QCOMPARE(last["link"].size(), size_t(4)); // self, previous, first, last

        const Json countOnly = parse(call("GET", u"/Patient?_count=0"_s));
        QVERIFY(countOnly["total"] == Json(5));
        QVERIFY(!countOnly.contains("entry"));
    }

    // search.html#errors: unknown parameters are ignored (and left out of the self link)
    // unless the client asks for Prefer: handling=strict.
    void searchUnknownParameter()
    {
        put(u"a"_s);
        const Response lenient = call("GET", u"/Patient?nonsense=1&_id=a"_s);
        QCOMPARE(lenient.status, 200);
        QVERIFY(parse(lenient)["total"] == Json(1));
        QCOMPARE(str(parse(lenient)["link"][0]["url"]),
                 QString(base + u"/Patient?_id=a&_count=20"_s).toStdString());
        const Response strict
            = call("GET", u"/Patient?nonsense=1"_s, {}, {{"Prefer", "handling=strict"}});
        verifyOutcome(strict, 400, "invalid");
        QVERIFY(str(parse(strict)["issue"][0]["diagnostics"]).find("nonsense")
                != std::string::npos);
    }

    // --- formats ---

    void contentNegotiation_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QByteArray>("accept");
        QTest::addColumn<QByteArray>("contentType"); // empty: 406
        const QByteArray fhir = "application/fhir+json; charset=utf-8";
        const QByteArray json = "application/json; charset=utf-8";
        QTest::newRow("no Accept") << QString() << QByteArray() << fhir;
        QTest::newRow("fhir+json") << QString() << QByteArray("application/fhir+json") << fhir;
        QTest::newRow("json") << QString() << QByteArray("application/json") << json;
        QTest::newRow("any") << QString() << QByteArray("*/*") << fhir;
        QTest::newRow("browser")
            << QString()
            << QByteArray("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
            << fhir;
        QTest::newRow("with params")
            << QString() << QByteArray("application/fhir+json; fhirVersion=4.0") << fhir;
        QTest::newRow("xml") << QString() << QByteArray("application/fhir+xml") << QByteArray();
        QTest::newRow("html only") << QString() << QByteArray("text/html") << QByteArray();
        QTest::newRow("json refused")
            << QString() << QByteArray("application/json;q=0, application/xml") << QByteArray();
        QTest::newRow("_format=json") << u"_format=json"_s << QByteArray("application/xml") << fhir;
        QTest::newRow("_format mime") << u"_format=application/json"_s << QByteArray() << json;
        QTest::newRow("_format=xml") << u"_format=xml"_s << QByteArray() << QByteArray();
        QTest::newRow("_format=fhir+xml")
            << u"_format=application/fhir%2Bxml"_s << QByteArray() << QByteArray();
    }
    void contentNegotiation()
    {
        QFETCH(QString, query);
        QFETCH(QByteArray, accept);
        QFETCH(QByteArray, contentType);
        HeaderList headers;
        if (!accept.isEmpty())
            headers.append(qMakePair(QByteArray("Accept"), accept));
        const Response r = call("GET", u"/metadata?"_s + query, {}, headers);
        if (contentType.isEmpty()) {
            verifyOutcome(r, 406, "not-supported");
            QVERIFY(str(parse(r)["issue"][0]["diagnostics"]).find("JSON") != std::string::npos);
        } else {
            QCOMPARE(r.status, 200);
            QCOMPARE(r.header("Content-Type"), contentType);
        }
    }

    void pretty()
    {
        const Response compact = call("POST", u"/Patient"_s, patient());
        QVERIFY(!compact.body.contains('\n'));
        const QString id = QString::fromStdString(str(parse(compact)["id"]));
        const Response pretty = call("GET", u"/Patient/"_s + id + u"?_pretty=true"_s);
        QVERIFY(pretty.body.contains("\n  \"resourceType\": \"Patient\""));
        QVERIFY(parse(pretty) == parse(compact));
        const Response error = call("GET", u"/Patient/nope?_pretty=true"_s);
        QCOMPARE(error.status, 404);
        QVERIFY(error.body.contains('\n'));
    }

    // --- errors: every client error is an OperationOutcome with its status ---

    void errors_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("target");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<HeaderList>("headers");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QByteArray>("allow"); // for 405

        const HeaderList none;
        const QByteArray ok = patient(u"p1"_s);

        // 400
        QTest::newRow("malformed JSON")
            << QByteArray("POST") << u"/Patient"_s << QByteArray("{\"resourceType\": \"Patient\",")
            << none << 400 << u"invalid"_s << QByteArray();
        QTest::newRow("not an object") << QByteArray("POST") << u"/Patient"_s << QByteArray("[1,2]")
                                       << none << 400 << u"invalid"_s << QByteArray();
        QTest::newRow("no resourceType")
            << QByteArray("POST") << u"/Patient"_s << QByteArray("{\"gender\":\"male\"}") << none
            << 400 << u"invalid"_s << QByteArray();
        QTest::newRow("resourceType mismatch") << QByteArray("POST") << u"/Patient"_s
                                               << QByteArray("{\"resourceType\":\"Observation\"}")
                                               << none << 400 << u"invalid"_s << QByteArray();
        QTest::newRow("unknown resourceType in body")
            << QByteArray("PUT") << u"/Patient/p1"_s
            << QByteArray("{\"resourceType\":\"Patientx\",\"id\":\"p1\"}") << none << 400
            << u"invalid"_s << QByteArray();
        QTest::newRow("body id differs") << QByteArray("PUT") << u"/Patient/p2"_s << ok << none
                                         << 400 << u"invalid"_s << QByteArray();
        QTest::newRow("body id missing") << QByteArray("PUT") << u"/Patient/p1"_s << patient()
                                         << none << 400 << u"invalid"_s << QByteArray();
        QTest::newRow("body id invalid")
            << QByteArray("POST") << u"/Patient"_s
            << QByteArray("{\"resourceType\":\"Patient\",\"id\":\"a b\"}") << none << 400
            << u"invalid"_s << QByteArray();
        QTest::newRow("body id not a string")
            << QByteArray("POST") << u"/Patient"_s
            << QByteArray("{\"resourceType\":\"Patient\",\"id\":7}") << none << 400 << u"invalid"_s
            << QByteArray();
        QTest::newRow("meta not an object")
            << QByteArray("POST") << u"/Patient"_s
            << QByteArray("{\"resourceType\":\"Patient\",\"meta\":1}") << none << 400
            << u"invalid"_s << QByteArray();
        QTest::newRow("too deep") << QByteArray("POST") << u"/Patient"_s
                                  << QByteArray("{\"resourceType\":\"Patient\",\"x\":"
                                                + QByteArray(200, '[') + QByteArray(200, ']') + "}")
                                  << none << 400 << u"invalid"_s << QByteArray();
        QTest::newRow("id with underscore")
            << QByteArray("GET") << u"/Patient/a_b"_s << QByteArray() << none << 400 << u"invalid"_s
            << QByteArray();
        QTest::newRow("id too long")
            << QByteArray("GET") << QString(u"/Patient/"_s + QString(65, u'a')) << QByteArray()
            << none << 400 << u"invalid"_s << QByteArray();
        QTest::newRow("bad version id")
            << QByteArray("GET") << u"/Patient/p1/_history/a_b"_s << QByteArray() << none << 400
            << u"invalid"_s << QByteArray();
        QTest::newRow("_count not a number")
            << QByteArray("GET") << u"/Patient?_count=ten"_s << QByteArray() << none << 400
            << u"invalid"_s << QByteArray();
        QTest::newRow("_count negative")
            << QByteArray("GET") << u"/Patient?_count=-1"_s << QByteArray() << none << 400
            << u"invalid"_s << QByteArray();
        QTest::newRow("_count over limit")
            << QByteArray("GET") << u"/Patient/_history?_count=1001"_s << QByteArray() << none
            << 400 << u"invalid"_s << QByteArray();
        QTest::newRow("_lastUpdated malformed")
            << QByteArray("GET") << u"/Patient?_lastUpdated=yesterday"_s << QByteArray() << none
            << 400 << u"invalid"_s << QByteArray();
        QTest::newRow("_lastUpdated invalid date")
            << QByteArray("GET") << u"/Patient?_lastUpdated=2023-02-30"_s << QByteArray() << none
            << 400 << u"invalid"_s << QByteArray();
        QTest::newRow("_lastUpdated bad prefix")
            << QByteArray("GET") << u"/Patient?_lastUpdated=xx2023"_s << QByteArray() << none << 400
            << u"invalid"_s << QByteArray();
        QTest::newRow("_since malformed")
            << QByteArray("GET") << u"/_history?_since=soon"_s << QByteArray() << none << 400
            << u"invalid"_s << QByteArray();
        QTest::newRow("history parameter unsupported")
            << QByteArray("GET") << u"/_history?_list=recent"_s << QByteArray() << none << 400
            << u"invalid"_s << QByteArray();
        QTest::newRow("unknown search param, strict")
            << QByteArray("GET") << u"/Patient?foo=bar"_s << QByteArray()
            << HeaderList{{"Prefer", "handling=strict"}} << 400 << u"invalid"_s << QByteArray();
        // 404
        QTest::newRow("unknown type") << QByteArray("GET") << u"/Patientx/1"_s << QByteArray()
                                      << none << 404 << u"not-found"_s << QByteArray();
        QTest::newRow("unknown type search") << QByteArray("GET") << u"/Foo"_s << QByteArray()
                                             << none << 404 << u"not-found"_s << QByteArray();
        QTest::newRow("abstract type") << QByteArray("GET") << u"/DomainResource"_s << QByteArray()
                                       << none << 404 << u"not-found"_s << QByteArray();
        QTest::newRow("unknown id") << QByteArray("GET") << u"/Patient/nope"_s << QByteArray()
                                    << none << 404 << u"not-found"_s << QByteArray();
        QTest::newRow("unknown version")
            << QByteArray("GET") << u"/Patient/p1/_history/9"_s << QByteArray() << none << 404
            << u"not-found"_s << QByteArray();
        QTest::newRow("unknown history id")
            << QByteArray("GET") << u"/Patient/nope/_history"_s << QByteArray() << none << 404
            << u"not-found"_s << QByteArray();
        QTest::newRow("operation") << QByteArray("GET") << u"/$export"_s << QByteArray() << none
                                   << 404 << u"not-found"_s << QByteArray();
        QTest::newRow("too many segments")
            << QByteArray("GET") << u"/Patient/p1/_history/1/x"_s << QByteArray() << none << 404
            << u"not-found"_s << QByteArray();
        QTest::newRow("empty segment") << QByteArray("GET") << u"/Patient//p1"_s << QByteArray()
                                       << none << 404 << u"not-found"_s << QByteArray();
        // 405
        QTest::newRow("conditional DELETE without criteria")
            << QByteArray("DELETE") << u"/Patient"_s << QByteArray() << none << 400 << u"invalid"_s
            << QByteArray();
        QTest::newRow("PATCH type")
            << QByteArray("PATCH") << u"/Patient"_s << QByteArray() << none << 405
            << u"not-supported"_s << QByteArray("GET, POST, PUT, DELETE");
        QTest::newRow("POST instance")
            << QByteArray("POST") << u"/Patient/p1"_s << ok << none << 405 << u"not-supported"_s
            << QByteArray("GET, PUT, PATCH, DELETE");
        QTest::newRow("GET $validate")
            << QByteArray("GET") << u"/Patient/$validate"_s << QByteArray() << none << 405
            << u"not-supported"_s << QByteArray("POST");
        QTest::newRow("PUT instance $validate")
            << QByteArray("PUT") << u"/Patient/p1/$validate"_s << ok << none << 405
            << u"not-supported"_s << QByteArray("POST");
        QTest::newRow("POST metadata") << QByteArray("POST") << u"/metadata"_s << QByteArray()
                                       << none << 405 << u"not-supported"_s << QByteArray("GET");
        QTest::newRow("PUT history") << QByteArray("PUT") << u"/Patient/p1/_history/1"_s << ok
                                     << none << 405 << u"not-supported"_s << QByteArray("GET");
        QTest::newRow("PUT base") << QByteArray("PUT") << QString() << ok << none << 405
                                  << u"not-supported"_s << QByteArray("GET, POST");
        QTest::newRow("DELETE _search")
            << QByteArray("DELETE") << u"/_search"_s << QByteArray() << none << 405
            << u"not-supported"_s << QByteArray("GET, POST");
        // 406
        QTest::newRow("Accept xml") << QByteArray("GET") << u"/Patient/p1"_s << QByteArray()
                                    << HeaderList{{"Accept", "application/fhir+xml"}} << 406
                                    << u"not-supported"_s << QByteArray();
        // 413
        QTest::newRow("too large")
            << QByteArray("POST") << u"/Patient"_s << QByteArray(16 * 1024 * 1024 + 1, ' ') << none
            << 413 << u"too-costly"_s << QByteArray();
        // 415
        QTest::newRow("xml body") << QByteArray("POST") << u"/Patient"_s << QByteArray("<Patient/>")
                                  << HeaderList{{"Content-Type", "application/fhir+xml"}} << 415
                                  << u"not-supported"_s << QByteArray();
        QTest::newRow("text body") << QByteArray("PUT") << u"/Patient/p1"_s << ok
                                   << HeaderList{{"Content-Type", "text/plain"}} << 415
                                   << u"not-supported"_s << QByteArray();
        QTest::newRow("no content type")
            << QByteArray("POST") << u"/Patient"_s << QByteArray()
            << HeaderList{{"Content-Type", ""}} << 415 << u"not-supported"_s << QByteArray();
        QTest::newRow("latin1") << QByteArray("POST") << u"/Patient"_s << ok
                                << HeaderList{{"Content-Type",
                                               "application/fhir+json; charset=iso-8859-1"}}
                                << 415 << u"not-supported"_s << QByteArray();
        QTest::newRow("PATCH without a body")
            << QByteArray("PATCH") << u"/Patient/p1"_s << QByteArray() << none << 415
            << u"not-supported"_s << QByteArray();
        QTest::newRow("PATCH as text")
            << QByteArray("PATCH") << u"/Patient/p1"_s << QByteArray("[]")
            << HeaderList{{"Content-Type", "text/plain"}} << 415 << u"not-supported"_s
            << QByteArray();
        QTest::newRow("PATCH as merge patch")
            << QByteArray("PATCH") << u"/Patient/p1"_s << QByteArray("{}")
            << HeaderList{{"Content-Type", "application/merge-patch+json"}} << 415
            << u"not-supported"_s << QByteArray();
        QTest::newRow("$validate as xml")
            << QByteArray("POST") << u"/Patient/$validate"_s << QByteArray("<Patient/>")
            << HeaderList{{"Content-Type", "application/fhir+xml"}} << 415 << u"not-supported"_s
            << QByteArray();
        QTest::newRow("form search wrong type")
            << QByteArray("POST") << u"/Patient/_search"_s << QByteArray("_id=a") << none << 415
            << u"not-supported"_s << QByteArray();
        // 404 for paths outside the FHIR base, checked with the full path below.
    }
    void errors()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, target);
        QFETCH(QByteArray, body);
        QFETCH(HeaderList, headers);
        QFETCH(int, status);
        QFETCH(QString, code);
        QFETCH(QByteArray, allow);
        const Response r = call(method, target, body, headers);
        verifyOutcome(r, status, code.toStdString());
        if (status == 405)
            QCOMPARE(r.header("Allow"), allow);
        if (method == "PATCH" && status == 415)
            QCOMPARE(r.header("Accept-Patch"),
                     QByteArray("application/json-patch+json, application/fhir+json"));
        // Nothing was written by a refused request.
        QVERIFY(parse(call("GET", u"/_history"_s))["total"] == Json(0));
    }

    void outsideBasePath_data()
    {
        QTest::addColumn<QString>("path");
        QTest::newRow("root") << u"/"_s;
        QTest::newRow("other") << u"/fhir/r5/Patient"_s;
        QTest::newRow("prefix") << u"/fhir/r4x/Patient"_s;
    }
    void outsideBasePath()
    {
        QFETCH(QString, path);
        verifyOutcome(m_server->handle(makeRequest("GET", path)), 404, "not-found");
    }

    // --- patch (http.html#patch) ---

    Response patchJson(const QString &id, const Json &operations, HeaderList headers = {})
    {
        m_now += 1000;
        headers.append(
            qMakePair(QByteArray("Content-Type"), QByteArray("application/json-patch+json")));
        return call("PATCH", u"/Patient/"_s + id, QByteArray::fromStdString(operations.dump()),
                    headers);
    }

    static Json fhirPathPatch(const Json &operations)
    {
        Json parameters = {{"resourceType", "Parameters"}, {"parameter", Json::array()}};
        for (const Json &parts : operations)
            parameters["parameter"].push_back({{"name", "operation"}, {"part", parts}});
        return parameters;
    }

    void jsonPatch()
    {
        put(u"p1"_s);
        const Response r = patchJson(
            u"p1"_s,
            Json::array({{{"op", "test"}, {"path", "/gender"}, {"value", "male"}},
                         {{"op", "replace"}, {"path", "/gender"}, {"value", "female"}},
                         {{"op", "add"}, {"path", "/name/0/given/-"}, {"value", "James"}},
                         {{"op", "add"}, {"path", "/birthDate"}, {"value", "1974-12-25"}}}));
        QVERIFY2(r.status == 200, r.body.constData());
        QCOMPARE(r.header("ETag"), QByteArray("W/\"2\""));
        QCOMPARE(r.header("Location"), QString(base + u"/Patient/p1/_history/2"_s).toUtf8());
        const Json body = parse(r);
        QCOMPARE(str(body["id"]), std::string("p1"));
        QCOMPARE(str(body["meta"]["versionId"]), std::string("2"));
        QCOMPARE(str(body["gender"]), std::string("female"));
        QCOMPARE(str(body["name"][0]["given"][1]), std::string("James"));
        QCOMPARE(str(body["birthDate"]), std::string("1974-12-25"));
        // Stored as answered, as a new version with its history entry.
        QCOMPARE(call("GET", u"/Patient/p1"_s).body, r.body);
        QCOMPARE(str(parse(call("GET", u"/Patient/p1/_history/1"_s))["gender"]),
                 std::string("male"));
        const Json history = parse(call("GET", u"/Patient/p1/_history"_s));
        QCOMPARE(str(history["entry"][0]["request"]["method"]), std::string("PATCH"));
        QCOMPARE(str(history["entry"][0]["response"]["status"]), std::string("200 OK"));
        // If-Match with the current version.
        const Response again
            = patchJson(u"p1"_s, Json::array({{{"op", "remove"}, {"path", "/birthDate"}}}),
                        {{"If-Match", "W/\"2\""}});
        QCOMPARE(again.status, 200);
        QVERIFY(!parse(again).contains("birthDate"));
        QCOMPARE(again.header("ETag"), QByteArray("W/\"3\""));
    }

    void fhirPathPatchInteraction()
    {
        put(u"p1"_s);
        const Json parameters = fhirPathPatch(Json::array(
            {Json::array({{{"name", "type"}, {"valueCode", "replace"}},
                          {{"name", "path"},
                           {"valueString", "Patient.name.where(family = 'Chalmers').family"}},
                          {{"name", "value"}, {"valueString", "Windsor"}}}),
             Json::array({{{"name", "type"}, {"valueCode", "add"}},
                          {{"name", "path"}, {"valueString", "Patient"}},
                          {{"name", "name"}, {"valueString", "telecom"}},
                          {{"name", "value"},
                           {"valueContactPoint", {{"system", "phone"}, {"value", "555"}}}}}),
             Json::array({{{"name", "type"}, {"valueCode", "delete"}},
                          {{"name", "path"}, {"valueString", "Patient.gender"}}})}));
        m_now += 1000;
        const Response r
            = call("PATCH", u"/Patient/p1"_s, QByteArray::fromStdString(parameters.dump()),
                   {{"Content-Type", "application/fhir+json"}});
        QVERIFY2(r.status == 200, r.body.constData());
        const Json body = parse(r);
        QCOMPARE(str(body["name"][0]["family"]), std::string("Windsor"));
        QCOMPARE(str(body["telecom"][0]["value"]), std::string("555"));
        QVERIFY(!body.contains("gender"));
        QCOMPARE(str(body["meta"]["versionId"]), std::string("2"));
        QCOMPARE(call("GET", u"/Patient/p1"_s).body, r.body);
    }

    void patchErrors_data()
    {
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("ifMatch");
        QTest::addColumn<QString>("id");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("expression"); // of the first issue, when there is one

        const QByteArray jp = "application/json-patch+json";
        const QByteArray fp = "application/fhir+json";
        auto ops = [](const Json &operations) {
            return QByteArray::fromStdString(operations.dump());
        };
        const QByteArray genderFemale
            = ops(Json::array({{{"op", "replace"}, {"path", "/gender"}, {"value", "female"}}}));
        QTest::newRow("missing resource") << jp << genderFemale << QByteArray() << u"nope"_s << 404
                                          << u"not-found"_s << QString();
        QTest::newRow("deleted resource")
            << jp << genderFemale << QByteArray() << u"gone"_s << 410 << u"deleted"_s << QString();
        QTest::newRow("stale If-Match") << jp << genderFemale << QByteArray("W/\"2\"") << u"p1"_s
                                        << 412 << u"conflict"_s << QString();
        QTest::newRow("malformed If-Match")
            << jp << genderFemale << QByteArray("2") << u"p1"_s << 400 << u"invalid"_s << QString();
        QTest::newRow("failing test")
            << jp << ops(Json::array({{{"op", "test"}, {"path", "/gender"}, {"value", "female"}}}))
            << QByteArray() << u"p1"_s << 409 << u"conflict"_s << QString();
        QTest::newRow("missing path")
            << jp << ops(Json::array({{{"op", "remove"}, {"path", "/birthDate"}}})) << QByteArray()
            << u"p1"_s << 409 << u"conflict"_s << QString();
        QTest::newRow("not a JSON Patch")
            << jp << ops({{"op", "remove"}, {"path", "/gender"}}) << QByteArray() << u"p1"_s << 400
            << u"invalid"_s << QString();
        QTest::newRow("unknown op")
            << jp << ops(Json::array({{{"op", "delete"}, {"path", "/gender"}}})) << QByteArray()
            << u"p1"_s << 400 << u"invalid"_s << QString();
        QTest::newRow("malformed JSON") << jp << QByteArray("[{") << QByteArray() << u"p1"_s << 400
                                        << u"invalid"_s << QString();
        QTest::newRow("unknown element")
            << jp << ops(Json::array({{{"op", "add"}, {"path", "/colour"}, {"value", "red"}}}))
            << QByteArray() << u"p1"_s << 400 << u"structure"_s << u"Patient.colour"_s;
        QTest::newRow("code outside its value set")
            << jp
            << ops(Json::array({{{"op", "replace"}, {"path", "/gender"}, {"value", "robot"}}}))
            << QByteArray() << u"p1"_s << 422 << u"code-invalid"_s << u"Patient.gender"_s;
        QTest::newRow("bad date")
            << jp
            << ops(Json::array({{{"op", "add"}, {"path", "/birthDate"}, {"value", "1974-13"}}}))
            << QByteArray() << u"p1"_s << 400 << u"value"_s << u"Patient.birthDate"_s;
        QTest::newRow("changes the id")
            << jp << ops(Json::array({{{"op", "replace"}, {"path", "/id"}, {"value", "p2"}}}))
            << QByteArray() << u"p1"_s << 422 << u"invalid"_s << u"Patient.id"_s;
        QTest::newRow("changes the type")
            << jp
            << ops(Json::array(
                   {{{"op", "replace"}, {"path", "/resourceType"}, {"value", "Person"}}}))
            << QByteArray() << u"p1"_s << 422 << u"invalid"_s << u"Patient.id"_s;
        QTest::newRow("FHIRPath Patch not a Parameters")
            << fp << patient(u"p1"_s) << QByteArray() << u"p1"_s << 400 << u"invalid"_s
            << QString();
        QTest::newRow("FHIRPath syntax error")
            << fp
            << ops(fhirPathPatch(Json::array(
                   {Json::array({{{"name", "type"}, {"valueCode", "delete"}},
                                 {{"name", "path"}, {"valueString", "Patient.name.where("}}})})))
            << QByteArray() << u"p1"_s << 400 << u"invalid"_s << QString();
        QTest::newRow("FHIRPath replace of nothing")
            << fp
            << ops(fhirPathPatch(Json::array(
                   {Json::array({{{"name", "type"}, {"valueCode", "replace"}},
                                 {{"name", "path"}, {"valueString", "Patient.birthDate"}},
                                 {{"name", "value"}, {"valueDate", "2000-01-01"}}})})))
            << QByteArray() << u"p1"_s << 409 << u"conflict"_s << QString();
    }
    void patchErrors()
    {
        QFETCH(QByteArray, contentType);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, ifMatch);
        QFETCH(QString, id);
        QFETCH(int, status);
        QFETCH(QString, code);
        QFETCH(QString, expression);
        put(u"p1"_s);
        put(u"gone"_s);
        QCOMPARE(call("DELETE", u"/Patient/gone"_s).status, 204);
        HeaderList headers{{"Content-Type", contentType}};
        if (!ifMatch.isEmpty())
            headers.append({"If-Match", ifMatch});
        const Response r = call("PATCH", u"/Patient/"_s + id, body, headers);
        QCOMPARE(r.status, status);
        QVERIFY(r.header("Content-Type").startsWith("application/fhir+json"));
        const Json outcome = parse(r);
        QCOMPARE(str(outcome["resourceType"]), std::string("OperationOutcome"));
        QCOMPARE(str(outcome["issue"][0]["code"]), code.toStdString());
        QVERIFY(!str(outcome["issue"][0]["diagnostics"]).empty());
        if (!expression.isEmpty())
            QCOMPARE(str(outcome["issue"][0]["expression"][0]), expression.toStdString());
        // Nothing was written.
        QCOMPARE(call("GET", u"/Patient/p1"_s).header("ETag"), QByteArray("W/\"1\""));
        QVERIFY(parse(call("GET", u"/_history"_s))["total"] == Json(3));
    }

    // http.html#transaction: a PATCH entry carries a Binary (JSON Patch) or a Parameters
    // (FHIRPath Patch); a failing one fails the whole transaction.
    void patchInTransaction()
    {
        put(u"p1"_s);
        put(u"p2"_s);
        const Json jsonPatchOps
            = Json::array({{{"op", "replace"}, {"path", "/gender"}, {"value", "female"}}});
        const Json binary
            = {{"resourceType", "Binary"},
               {"contentType", "application/json-patch+json"},
               {"data", QByteArray::fromStdString(jsonPatchOps.dump()).toBase64().toStdString()}};
        const Json parameters = fhirPathPatch(
            Json::array({Json::array({{{"name", "type"}, {"valueCode", "replace"}},
                                      {{"name", "path"}, {"valueString", "Patient.gender"}},
                                      {{"name", "value"}, {"valueCode", "other"}}})}));
        const Json ok
            = {{"resourceType", "Bundle"},
               {"type", "transaction"},
               {"entry",
                {{{"resource", binary}, {"request", {{"method", "PATCH"}, {"url", "Patient/p1"}}}},
                 {{"resource", parameters},
                  {"request",
                   {{"method", "PATCH"}, {"url", "Patient/p2"}, {"ifMatch", "W/\"1\""}}}}}}};
        const Response r = call("POST", QString(), QByteArray::fromStdString(ok.dump()));
        QVERIFY2(r.status == 200, r.body.constData());
        const Json out = parse(r);
        QCOMPARE(str(out["entry"][0]["response"]["status"]), std::string("200 OK"));
        QCOMPARE(str(out["entry"][1]["response"]["etag"]), std::string("W/\"2\""));
        QCOMPARE(str(parse(call("GET", u"/Patient/p1"_s))["gender"]), std::string("female"));
        QCOMPARE(str(parse(call("GET", u"/Patient/p2"_s))["gender"]), std::string("other"));

        // A failing test in the second entry leaves the first one unwritten too.
        const Json failing
            = {{"resourceType", "Bundle"},
               {"type", "transaction"},
               {"entry",
                {{{"resource", Json::parse(patient(u"p3"_s).toStdString())},
                  {"request", {{"method", "PUT"}, {"url", "Patient/p3"}}}},
                 {{"resource",
                   {{"resourceType", "Binary"},
                    {"contentType", "application/json-patch+json"},
                    {"data",
                     QByteArray::fromStdString(
                         Json::array({{{"op", "test"}, {"path", "/gender"}, {"value", "male"}}})
                             .dump())
                         .toBase64()
                         .toStdString()}}},
                  {"request", {{"method", "PATCH"}, {"url", "Patient/p1"}}}}}}};
        const Response refused = call("POST", QString(), QByteArray::fromStdString(failing.dump()));
        verifyOutcome(refused, 409, "conflict");
        QCOMPARE(call("GET", u"/Patient/p3"_s).status, 404);
        QCOMPARE(call("GET", u"/Patient/p1"_s).header("ETag"), QByteArray("W/\"2\""));

        // An entry that is not a patch document is refused before anything runs.
        Json wrong = ok;
        wrong["entry"][0]["resource"] = Json::parse(patient(u"p1"_s).toStdString());
        verifyOutcome(call("POST", QString(), QByteArray::fromStdString(wrong.dump())), 400,
                      "invalid");
        Json notBase64 = ok;
        notBase64["entry"][0]["resource"]["data"] = "*not base64*";
        verifyOutcome(call("POST", QString(), QByteArray::fromStdString(notBase64.dump())), 400,
                      "invalid");
    }

    void patchInBatch()
    {
        put(u"p1"_s);
        const auto entry = [](const Json &ops) {
            return Json{
                {"resource",
                 {{"resourceType", "Binary"},
                  {"contentType", "application/json-patch+json"},
                  {"data", QByteArray::fromStdString(ops.dump()).toBase64().toStdString()}}},
                {"request", {{"method", "PATCH"}, {"url", "Patient/p1"}}}};
        };
        const Json bundle
            = {{"resourceType", "Bundle"},
               {"type", "batch"},
               {"entry",
                {entry(Json::array({{{"op", "test"}, {"path", "/gender"}, {"value", "female"}}})),
                 entry(Json::array(
                     {{{"op", "replace"}, {"path", "/gender"}, {"value", "female"}}}))}}};
        const Response r = call("POST", QString(), QByteArray::fromStdString(bundle.dump()));
        QCOMPARE(r.status, 200);
        const Json out = parse(r);
        QCOMPARE(str(out["entry"][0]["response"]["status"]), std::string("409 Conflict"));
        QCOMPARE(str(out["entry"][0]["response"]["outcome"]["issue"][0]["code"]),
                 std::string("conflict"));
        QCOMPARE(str(out["entry"][1]["response"]["status"]), std::string("200 OK"));
        QCOMPARE(str(parse(call("GET", u"/Patient/p1"_s))["gender"]), std::string("female"));
    }

    // --- $validate (R4 resource-operation-validate) ---

    Response validateCall(const QString &target, const Json &body)
    {
        return call("POST", target, QByteArray::fromStdString(body.dump()));
    }

    static Json validateParameters(const Json &resource, const char *mode = nullptr,
                                   const char *profile = nullptr)
    {
        Json parameters = {{"resourceType", "Parameters"}, {"parameter", Json::array()}};
        if (!resource.is_null())
            parameters["parameter"].push_back({{"name", "resource"}, {"resource", resource}});
        if (mode)
            parameters["parameter"].push_back({{"name", "mode"}, {"valueCode", mode}});
        if (profile)
            parameters["parameter"].push_back({{"name", "profile"}, {"valueUri", profile}});
        return parameters;
    }

    static void verifyAllOk(const Response &r)
    {
        QVERIFY2(r.status == 200, r.body.constData());
        const Json outcome = parse(r);
        QCOMPARE(str(outcome["resourceType"]), std::string("OperationOutcome"));
        QCOMPARE(outcome["issue"].size(), size_t(1));
        QCOMPARE(str(outcome["issue"][0]["severity"]), std::string("information"));
        QCOMPARE(str(outcome["issue"][0]["diagnostics"]), std::string("All OK"));
    }

    void validateOperation()
    {
        const Json valid = Json::parse(patient().toStdString());
        verifyAllOk(validateCall(u"/Patient/$validate"_s, valid));
        verifyAllOk(validateCall(u"/Patient/$validate"_s, validateParameters(valid, "create")));
        verifyAllOk(validateCall(u"/Patient/$validate?mode=create"_s, valid));

        // Problems are issues of a 200 answer, each with its expression.
        Json invalid = valid;
        invalid["gender"] = "robot";
        invalid["birthDate"] = "1974-13";
        const Response r = validateCall(u"/Patient/$validate"_s, validateParameters(invalid));
        QCOMPARE(r.status, 200);
        const Json outcome = parse(r);
        QStringList expressions;
        for (const Json &issue : outcome["issue"]) {
            QCOMPARE(str(issue["severity"]), std::string("error"));
            expressions.append(QString::fromStdString(str(issue["expression"][0])));
        }
        expressions.sort();
        QCOMPARE(expressions, QStringList({u"Patient.birthDate"_s, u"Patient.gender"_s}));

        // The resource type is the URL's.
        const Response wrongType = validateCall(u"/Observation/$validate"_s, valid);
        QCOMPARE(wrongType.status, 200);
        QCOMPARE(str(parse(wrongType)["issue"][0]["severity"]), std::string("error"));

        // A profile is not checked, and the answer says so.
        const Response profiled = validateCall(
            u"/Patient/$validate"_s,
            validateParameters(valid, nullptr, "http://example.org/StructureDefinition/p"));
        QCOMPARE(profiled.status, 200);
        const Json warning = parse(profiled)["issue"][0];
        QCOMPARE(str(warning["severity"]), std::string("warning"));
        QCOMPARE(str(warning["code"]), std::string("not-supported"));
        QVERIFY(str(warning["diagnostics"]).find("base FHIR R4 specification only")
                != std::string::npos);

        // A Parameters validated as itself at /Parameters/$validate.
        verifyAllOk(validateCall(u"/Parameters/$validate"_s,
                                 {{"resourceType", "Parameters"},
                                  {"parameter", {{{"name", "x"}, {"valueString", "y"}}}}}));

        // Nothing was written.
        QVERIFY(parse(call("GET", u"/_history"_s))["total"] == Json(0));
    }

    void validateModes()
    {
        put(u"p1"_s);
        verifyAllOk(validateCall(
            u"/Patient/p1/$validate"_s,
            validateParameters(Json::parse(patient(u"p1"_s).toStdString()), "update")));
        // mode=update: the id must be there and be the URL's.
        const Response mismatch = validateCall(
            u"/Patient/p1/$validate"_s,
            validateParameters(Json::parse(patient(u"p2"_s).toStdString()), "update"));
        QCOMPARE(mismatch.status, 200);
        QCOMPARE(str(parse(mismatch)["issue"][0]["expression"][0]), std::string("Patient.id"));
        const Response noId
            = validateCall(u"/Patient/$validate"_s,
                           validateParameters(Json::parse(patient().toStdString()), "update"));
        QCOMPARE(str(parse(noId)["issue"][0]["code"]), std::string("required"));
        // mode=delete: the resource must exist; no resource is needed.
        verifyAllOk(validateCall(u"/Patient/p1/$validate"_s, validateParameters(Json(), "delete")));
        verifyAllOk(call("POST", u"/Patient/p1/$validate?mode=delete"_s));
        verifyOutcome(
            validateCall(u"/Patient/nope/$validate"_s, validateParameters(Json(), "delete")), 404,
            "not-found");
        verifyOutcome(validateCall(u"/Patient/$validate"_s, validateParameters(Json(), "delete")),
                      400, "invalid");
        QCOMPARE(call("GET", u"/Patient/p1"_s).header("ETag"), QByteArray("W/\"1\""));
    }

    void validateErrors_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::newRow("malformed JSON") << u"/Patient/$validate"_s << QByteArray("{") << 400;
        QTest::newRow("no body") << u"/Patient/$validate"_s << QByteArray() << 400;
        QTest::newRow("not a resource")
            << u"/Patient/$validate"_s << QByteArray("{\"gender\":\"male\"}") << 400;
        QTest::newRow("Parameters without resource")
            << u"/Patient/$validate"_s
            << QByteArray::fromStdString(validateParameters(Json(), "create").dump()) << 400;
        QTest::newRow("unknown mode")
            << u"/Patient/$validate"_s
            << QByteArray::fromStdString(
                   validateParameters(Json::parse(patient().toStdString()), "merge").dump())
            << 400;
        QTest::newRow("unknown mode in the URL")
            << u"/Patient/$validate?mode=merge"_s << patient() << 400;
        QTest::newRow("unknown parameter")
            << u"/Patient/$validate"_s
            << QByteArray::fromStdString(Json{
                   {"resourceType", "Parameters"},
                   {"parameter",
                    {{{"name", "resource"}, {"resource", Json::parse(patient().toStdString())}},
                     {{"name", "colour"}, {"valueString", "red"}}}}}
                                             .dump())
            << 400;
        QTest::newRow("unknown type") << u"/Patientx/$validate"_s << patient() << 404;
        QTest::newRow("bad instance id") << u"/Patient/a_b/$validate"_s << patient() << 400;
    }
    void validateErrors()
    {
        QFETCH(QString, target);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        verifyOutcome(call("POST", target, body), status, status == 404 ? "not-found" : "invalid");
    }

    // --- batch and transaction ---

    void transactionResolvesReferences()
    {
        put(u"known"_s);
        const Json bundle = {
            {"resourceType", "Bundle"},
            {"type", "transaction"},
            {"entry",
             {{{"fullUrl", "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a"},
               {"resource", Json::parse(patient().toStdString())},
               {"request", {{"method", "POST"}, {"url", "Patient"}}}},
              {{"fullUrl", "urn:uuid:88f151c0-a954-468a-88bd-5ae15c08e059"},
               {"resource",
                {{"resourceType", "Observation"},
                 {"status", "final"},
                 {"code", {{"text", "weight"}}},
                 {"subject", {{"reference", "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a"}}}}},
               {"request", {{"method", "POST"}, {"url", "Observation"}}}},
              {{"resource", Json::parse(patient(u"known"_s, u"Changed"_s).toStdString())},
               {"request", {{"method", "PUT"}, {"url", "Patient/known"}, {"ifMatch", "W/\"1\""}}}},
              {{"request", {{"method", "GET"}, {"url", "Observation?_count=5"}}}}}}};
        const Response r = call("POST", QString(), QByteArray::fromStdString(bundle.dump()));
        QCOMPARE(r.status, 200);
        const Json out = parse(r);
        QCOMPARE(str(out["type"]), std::string("transaction-response"));
        QCOMPARE(out["entry"].size(), size_t(4));
        QCOMPARE(str(out["entry"][0]["response"]["status"]), std::string("201 Created"));
        QCOMPARE(str(out["entry"][1]["response"]["status"]), std::string("201 Created"));
        QCOMPARE(str(out["entry"][2]["response"]["status"]), std::string("200 OK"));
        QCOMPARE(str(out["entry"][2]["response"]["etag"]), std::string("W/\"2\""));
        QCOMPARE(
            str(out["entry"][2]["response"]["lastModified"]),
            QDateTime::fromMSecsSinceEpoch(m_now, Qt::UTC).toString(Qt::ISODate).toStdString());
        QCOMPARE(str(out["entry"][3]["response"]["status"]), std::string("200 OK"));
        const std::string patientId = str(out["entry"][0]["resource"]["id"]);
        QVERIFY(str(out["entry"][0]["response"]["location"])
                    .find("/Patient/" + patientId + "/_history/1")
                != std::string::npos);
        QCOMPARE(str(out["entry"][0]["fullUrl"]),
                 QString(base + u"/Patient/"_s).toStdString() + patientId);
        QCOMPARE(str(out["entry"][1]["resource"]["subject"]["reference"]), "Patient/" + patientId);
        // GET ran last: it sees the Observation the same transaction created.
        QVERIFY(out["entry"][3]["resource"]["total"] == Json(1));
        // Stored as answered.
        const Json stored = parse(call(
            "GET",
            u"/Observation/"_s + QString::fromStdString(str(out["entry"][1]["resource"]["id"]))));
        QCOMPARE(str(stored["subject"]["reference"]), "Patient/" + patientId);
        QCOMPARE(str(parse(call("GET", u"/Patient/known"_s))["name"][0]["family"]),
                 std::string("Changed"));
    }

    void transactionOrder()
    {
        put(u"a"_s);
        put(u"b"_s);
        // Given as GET, PUT, DELETE: run as DELETE, PUT, GET.
        const Json bundle = {{"resourceType", "Bundle"},
                             {"type", "transaction"},
                             {"entry",
                              {{{"request", {{"method", "GET"}, {"url", "Patient/a"}}}},
                               {{"resource", Json::parse(patient(u"a"_s, u"New"_s).toStdString())},
                                {"request", {{"method", "PUT"}, {"url", "Patient/a"}}}},
                               {{"request", {{"method", "DELETE"}, {"url", "Patient/b"}}}}}}};
        const Json out = parse(call("POST", QString(), QByteArray::fromStdString(bundle.dump())));
        QCOMPARE(str(out["entry"][0]["resource"]["name"][0]["family"]), std::string("New"));
        QCOMPARE(str(out["entry"][2]["response"]["status"]), std::string("204 No Content"));
        QCOMPARE(call("GET", u"/Patient/b"_s).status, 410);
    }

    // One failing entry: the whole transaction fails with that entry's status, and the store is
    // as it was.
    // Validation on write against the model (http.html: 400 for content that is not valid
    // FHIR, 422 for a resource that breaks the definitions' rules), for create and update.
    void validationOnWrite_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("expression");
        QTest::newRow("unknown element") << QByteArray("POST") << u"/Patient"_s
                                         << QByteArray("{\"resourceType\":\"Patient\",\"foo\":1}")
                                         << 400 << u"structure"_s << u"Patient.foo"_s;
        QTest::newRow("bad date")
            << QByteArray("POST") << u"/Patient"_s
            << QByteArray("{\"resourceType\":\"Patient\",\"birthDate\":\"1980-13-01\"}") << 400
            << u"value"_s << u"Patient.birthDate"_s;
        QTest::newRow("list without array")
            << QByteArray("PUT") << u"/Patient/v1"_s
            << QByteArray(
                   "{\"resourceType\":\"Patient\",\"id\":\"v1\",\"name\":{\"family\":\"X\"}}")
            << 400 << u"structure"_s << u"Patient.name"_s;
        QTest::newRow("code outside the required binding")
            << QByteArray("POST") << u"/Patient"_s
            << QByteArray("{\"resourceType\":\"Patient\",\"gender\":\"M\"}") << 422
            << u"code-invalid"_s << u"Patient.gender"_s;
        QTest::newRow("required element missing")
            << QByteArray("POST") << u"/Observation"_s
            << QByteArray("{\"resourceType\":\"Observation\",\"code\":{\"text\":\"x\"}}") << 422
            << u"required"_s << u"Observation.status"_s;
    }
    void validationOnWrite()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QString, code);
        QFETCH(QString, expression);
        const Response r = call(method, path, body);
        verifyOutcome(r, status, code.toStdString());
        QCOMPARE(str(parse(r)["issue"][0]["expression"][0]), expression.toStdString());
        // Nothing was written.
        QCOMPARE(str(parse(call("GET", u"/_history"_s))["total"]), std::string("0"));
    }

    void validationReportsEveryIssue()
    {
        const Response r = call("POST", u"/Observation"_s,
                                "{\"resourceType\":\"Observation\",\"status\":\"done\","
                                "\"valueString\":\"a\",\"valueBoolean\":true}");
        QCOMPARE(r.status, 400); // a structural problem among them
        const Json issues = parse(r)["issue"];
        QCOMPARE(issues.size(), size_t(3)); // two value[x], status outside its set, code missing
    }

    void invalidEntryFailsTheTransaction()
    {
        const QByteArray bundle
            = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
              "{\"resource\":{\"resourceType\":\"Patient\"},"
              "\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},"
              "{\"resource\":{\"resourceType\":\"Patient\",\"gender\":\"M\"},"
              "\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}]}";
        const Response r = call("POST", QString(), bundle);
        verifyOutcome(r, 422, "code-invalid");
        QVERIFY(str(parse(r)["issue"][0]["diagnostics"]).starts_with("entry 1 (POST Patient)"));
        QCOMPARE(str(parse(call("GET", u"/_history"_s))["total"]), std::string("0"));
    }

    void transactionAllOrNothing_data()
    {
        QTest::addColumn<QByteArray>("failing"); // the JSON of the failing entry
        QTest::addColumn<int>("status");
        QTest::newRow("stale If-Match") << QByteArray::fromStdString(
            Json{{"resource", {{"resourceType", "Patient"}, {"id", "c"}}},
                 {"request", {{"method", "PUT"}, {"url", "Patient/c"}, {"ifMatch", "W/\"9\""}}}}
                .dump()) << 412;
        QTest::newRow("type mismatch") << QByteArray(R"({"resource":{"resourceType":"Observation"},
                              "request":{"method":"POST","url":"Patient"}})")
                                       << 400;
        QTest::newRow("unknown urn")
            << QByteArray(R"({"resource":{"resourceType":"Observation","status":"final",
                              "code":{"text":"x"},"subject":{"reference":"urn:uuid:nowhere"}},
                              "request":{"method":"POST","url":"Observation"}})")
            << 400;
        QTest::newRow("conditional reference")
            << QByteArray(R"({"resource":{"resourceType":"Observation","status":"final",
                              "code":{"text":"x"},"subject":{"reference":"Patient?identifier=1"}},
                              "request":{"method":"POST","url":"Observation"}})")
            << 400;
        QTest::newRow("read of unknown")
            << QByteArray(R"({"request":{"method":"GET","url":"Patient/nope"}})") << 404;
        QTest::newRow("unknown type")
            << QByteArray(R"({"request":{"method":"DELETE","url":"Nope/1"}})") << 404;
        QTest::newRow("same resource twice")
            << QByteArray(R"({"request":{"method":"DELETE","url":"Patient/new"}})") << 400;
        QTest::newRow("ifNoneExist") << QByteArray(R"({"resource":{"resourceType":"Patient"},
                              "request":{"method":"POST","url":"Patient","ifNoneExist":"x=1"}})")
                                     << 400;
        QTest::newRow("no request")
            << QByteArray(R"({"resource":{"resourceType":"Patient"}})") << 400;
        QTest::newRow("absolute url elsewhere") << QByteArray(
            "{\"request\":{\"method\":\"GET\",\"url\":\"http://other.example/Patient/a\"}}")
                                                << 400;
        QTest::newRow("patch without a document")
            << QByteArray(R"({"request":{"method":"PATCH","url":"Patient/a"}})") << 400;
    }
    void transactionAllOrNothing()
    {
        QFETCH(QByteArray, failing);
        QFETCH(int, status);
        put(u"a"_s);
        const QByteArray body = R"({"resourceType":"Bundle","type":"transaction","entry":[
            {"resource":{"resourceType":"Patient","id":"new"},
             "request":{"method":"PUT","url":"Patient/new"}},
            {"request":{"method":"DELETE","url":"Patient/a"}},
            {"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient"},
             "request":{"method":"POST","url":"Patient"}},)"
            + failing + "]}";
        const Response r = call("POST", QString(), body);
        QCOMPARE(r.status, status);
        const Json outcome = parse(r);
        QCOMPARE(str(outcome["resourceType"]), std::string("OperationOutcome"));
        QVERIFY2(str(outcome["issue"][0]["diagnostics"]).find("entry 3") != std::string::npos,
                 r.body.constData());
        // Nothing of it was kept.
        QVERIFY(parse(call("GET", u"/_history"_s))["total"] == Json(1));
        QCOMPARE(call("GET", u"/Patient/a"_s).status, 200);
        QCOMPARE(call("GET", u"/Patient/new"_s).status, 404);
    }

    void batchEntriesAreIndependent()
    {
        const QByteArray body = R"({"resourceType":"Bundle","type":"batch","entry":[
            {"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}},
            {"resource":{"resourceType":"Patient","id":"x"},
             "request":{"method":"PUT","url":"Patient/y"}},
            {"request":{"method":"GET","url":"Patient/nope"}},
            {"resource":{"resourceType":"Patient","id":"z"},
             "request":{"method":"PUT","url":"Patient/z"}},
            {"request":{"method":"DELETE","url":"Patient/z"}}]})";
        const Response r = call("POST", QString(), body);
        QCOMPARE(r.status, 200);
        const Json out = parse(r);
        QCOMPARE(str(out["type"]), std::string("batch-response"));
        QStringList statuses;
        for (const Json &entry : out["entry"])
            statuses.append(QString::fromStdString(str(entry["response"]["status"])));
        QCOMPARE(statuses,
                 QStringList({u"201 Created"_s, u"400 Bad Request"_s, u"404 Not Found"_s,
                              u"201 Created"_s, u"204 No Content"_s}));
        QCOMPARE(str(out["entry"][1]["response"]["outcome"]["resourceType"]),
                 std::string("OperationOutcome"));
        QVERIFY(!out["entry"][1].contains("resource"));
        // In order: z was created, then deleted.
        QCOMPARE(call("GET", u"/Patient/z"_s).status, 410);
        QVERIFY(parse(call("GET", u"/Patient"_s))["total"] == Json(1));
    }

    void bundleErrors_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::newRow("collection")
            << QByteArray(R"({"resourceType":"Bundle","type":"collection"})") << 400;
        QTest::newRow("no type") << QByteArray(R"({"resourceType":"Bundle"})") << 400;
        QTest::newRow("not a Bundle") << QByteArray(R"({"resourceType":"Patient"})") << 400;
        QTest::newRow("entry not array")
            << QByteArray(R"({"resourceType":"Bundle","type":"batch","entry":{}})") << 400;
        QTest::newRow("too many entries")
            << QByteArray(R"({"resourceType":"Bundle","type":"batch","entry":[{},{},{}]})") << 413;
    }
    void bundleErrors()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QTemporaryDir dir;
        ServerOptions options;
        options.maxBundleEntries = 2;
        options.requireApiKey = false;
        auto server = FhirServer::open(m_model, dir.path(), options);
        QVERIFY(server);
        const Response r = (*server)->handle(makeRequest("POST", u"/fhir/r4"_s, body));
        verifyOutcome(r, status, status == 413 ? "too-costly" : "invalid");
    }

    void emptyTransaction()
    {
        const Response r
            = call("POST", QString(), R"({"resourceType":"Bundle","type":"transaction"})");
        QCOMPARE(r.status, 200);
        QCOMPARE(str(parse(r)["type"]), std::string("transaction-response"));
    }

    // Two servers on one database (two SQLite connections, two threads) update the same
    // version at once: one wins, the other gets 412, and no update is lost.
    void concurrentIfMatch()
    {
        put(u"p1"_s);
        auto other = FhirServer::open(m_model, m_dir->path(), m_server->options());
        QVERIFY(other);
        const QByteArray body = patient(u"p1"_s);
        const Request request
            = makeRequest("PUT", u"/fhir/r4/Patient/p1"_s, body, {{"If-Match", "W/\"1\""}});
        Response first;
        Response second;
        std::thread a([&] { first = m_server->handle(request); });
        std::thread b([&] { second = (*other)->handle(request); });
        a.join();
        b.join();
        QList<int> statuses{first.status, second.status};
        std::sort(statuses.begin(), statuses.end());
        QCOMPARE(statuses, QList<int>({200, 412}));
        QCOMPARE(call("GET", u"/Patient/p1"_s).header("ETag"), QByteArray("W/\"2\""));
        QVERIFY(parse(call("GET", u"/Patient/p1/_history"_s))["total"] == Json(2));
    }

    // --- storage ---

    void survivesReopen()
    {
        put(u"p1"_s, u"Kept"_s);
        const ServerOptions options = m_server->options();
        m_server.reset();
        auto server = FhirServer::open(m_model, m_dir->path(), options);
        QVERIFY2(server, qPrintable(server.error()));
        m_server = std::move(server).value();
        const Response r = call("GET", u"/Patient/p1"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(str(parse(r)["name"][0]["family"]), std::string("Kept"));
    }
};

QTEST_GUILESS_MAIN(TestFhirServer)
#include "tst_fhirserver.moc"
