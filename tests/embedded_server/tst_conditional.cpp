// Conditional create, update and delete (R4 http.html#ccreate, #cond-update, #cdelete) with
// 0, 1 and many matches, in a transaction too (ifNoneExist, conditional URLs, conditional
// references), and Patient/[id]/$everything.

#include "searchfixture.h"

using namespace searchtest;
using namespace Qt::StringLiterals;

class TestConditional : public QObject
{
    Q_OBJECT

private:
    std::shared_ptr<const fhir::schema::Model> m_model;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FhirServer> m_server;

    Response call(const QByteArray &method, const QString &target, const Json &body = {},
                  HeaderList headers = {})
    {
        const QByteArray bytes
            = body.is_null() ? QByteArray() : QByteArray::fromStdString(body.dump());
        return m_server->handle(makeRequest(method, target, bytes, headers));
    }
    qint64 count(const QString &query)
    {
        return parse(call("GET", query + u"&_summary=count"_s))["total"].get<qint64>();
    }
    static Json patient(const std::string &mrn, const std::string &family = "Doe")
    {
        return {{"resourceType", "Patient"},
                {"identifier", {{{"system", "http://mrn"}, {"value", mrn}}}},
                {"name", {{{"family", family}}}},
                {"gender", "male"}};
    }

private Q_SLOTS:
    void initTestCase() { m_model = loadTestModel(); }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        fhir::server::ServerOptions options;
        options.requireApiKey = false; // API keys are tested in tst_apikeygate
        options.baseUrl = base;
        auto server = FhirServer::open(m_model, m_dir->path(), options);
        QVERIFY2(server, qPrintable(server.error()));
        m_server = std::move(server).value();
        QVERIFY(loadClinic(*m_server));
        // Two patients share an MRN: criteria on it match many.
        QCOMPARE(call("POST", u"/Patient"_s, patient("dup")).status, 201);
        QCOMPARE(call("POST", u"/Patient"_s, patient("dup")).status, 201);
    }

    void cleanup()
    {
        m_server.reset();
        m_dir.reset();
    }

    void conditionalCreate_data()
    {
        QTest::addColumn<QByteArray>("criteria");
        QTest::addColumn<int>("status");
        QTest::addColumn<qint64>("mrn7After"); // patients with MRN 7 afterwards
        QTest::newRow("no match: created") << QByteArray("identifier=http://mrn|7") << 201 << 1LL;
        QTest::newRow("one match: the existing one")
            << QByteArray("identifier=http://x|123") << 200 << 0LL;
        QTest::newRow("many matches: 412") << QByteArray("identifier=http://mrn|dup") << 412 << 0LL;
        QTest::newRow("unknown parameter: 400") << QByteArray("foo=bar") << 400 << 0LL;
        QTest::newRow("with type prefix")
            << QByteArray("Patient?identifier=http://mrn|7") << 201 << 1LL;
    }
    void conditionalCreate()
    {
        QFETCH(QByteArray, criteria);
        QFETCH(int, status);
        QFETCH(qint64, mrn7After);
        const Response r = call("POST", u"/Patient"_s, patient("7"), {{"If-None-Exist", criteria}});
        QCOMPARE(r.status, status);
        QCOMPARE(count(u"/Patient?identifier=http://mrn|7"_s), mrn7After);
        if (status == 200) {
            QCOMPARE(parse(r)["id"].get<std::string>(), std::string("p1"));
            QVERIFY(r.header("Location").contains("/Patient/p1/_history/1"));
        }
    }

    void conditionalUpdate_data()
    {
        QTest::addColumn<QString>("criteria");
        QTest::addColumn<int>("status");
        QTest::newRow("no match: created") << u"identifier=http://mrn|8"_s << 201;
        QTest::newRow("one match: updated") << u"identifier=http://x|123"_s << 200;
        QTest::newRow("many matches: 412") << u"identifier=http://mrn|dup"_s << 412;
        QTest::newRow("no criteria: 400") << u"_count=1"_s << 400;
    }
    void conditionalUpdate()
    {
        QFETCH(QString, criteria);
        QFETCH(int, status);
        const Response r = call("PUT", u"/Patient?"_s + criteria, patient("8", "Updated"));
        QCOMPARE(r.status, status);
        if (status == 200) {
            const Json updated = parse(r);
            QCOMPARE(updated["id"].get<std::string>(), std::string("p1"));
            QCOMPARE(updated["meta"]["versionId"].get<std::string>(), std::string("2"));
            QCOMPARE(count(u"/Patient?family=updated"_s), 1);
        } else if (status == 201) {
            QCOMPARE(count(u"/Patient?identifier=http://mrn|8"_s), 1);
        } else {
            QCOMPARE(count(u"/Patient?family=updated"_s), 0);
        }
    }

    void conditionalUpdateIdMismatch()
    {
        Json body = patient("9");
        body["id"] = "other";
        QCOMPARE(call("PUT", u"/Patient?identifier=http://x|123"_s, body).status, 400);
    }

    void conditionalDelete_data()
    {
        QTest::addColumn<QString>("criteria");
        QTest::addColumn<int>("status");
        QTest::addColumn<qint64>("patientsAfter");
        QTest::newRow("no match") << u"identifier=http://mrn|none"_s << 204 << 5LL;
        QTest::newRow("one match: deleted") << u"identifier=http://x|123"_s << 204 << 4LL;
        QTest::newRow("many matches: 412") << u"identifier=http://mrn|dup"_s << 412 << 5LL;
    }
    void conditionalDelete()
    {
        QFETCH(QString, criteria);
        QFETCH(int, status);
        QFETCH(qint64, patientsAfter);
        const Response r = call("DELETE", u"/Patient?"_s + criteria);
        QCOMPARE(r.status, status);
        QCOMPARE(count(u"/Patient?_id:missing=false"_s), patientsAfter);
    }

    // http.html#trules: ifNoneExist, conditional URLs and conditional references in one
    // transaction, all resolved against the store before it changes.
    void transactionConditionals()
    {
        const Json bundle = {
            {"resourceType", "Bundle"},
            {"type", "transaction"},
            {"entry",
             {{{"fullUrl", "urn:uuid:aaaaaaaa-0000-0000-0000-000000000001"},
               {"resource", patient("123")},
               {"request",
                {{"method", "POST"},
                 {"url", "Patient"},
                 {"ifNoneExist", "identifier=http://x|123"}}}},
              {{"resource",
                {{"resourceType", "Observation"},
                 {"status", "final"},
                 {"code", {{"text", "weight"}}},
                 {"subject", {{"reference", "urn:uuid:aaaaaaaa-0000-0000-0000-000000000001"}}},
                 {"performer", {{{"reference", "Organization?name=acme"}}}}}},
               {"request", {{"method", "POST"}, {"url", "Observation"}}}},
              {{"resource", patient("10", "Conditional")},
               {"request", {{"method", "PUT"}, {"url", "Patient?identifier=http://mrn|10"}}}},
              {{"request", {{"method", "DELETE"}, {"url", "Patient?identifier=http://x|456"}}}}}}};
        const Response r = call("POST", QString(), bundle);
        QVERIFY2(r.status == 200, r.body.constData());
        const Json out = parse(r);
        QCOMPARE(out["entry"][0]["response"]["status"].get<std::string>(), std::string("200 OK"));
        QCOMPARE(out["entry"][1]["response"]["status"].get<std::string>(),
                 std::string("201 Created"));
        // The Observation points at the patient that already existed, and at the organization.
        const Json observation = out["entry"][1]["resource"];
        QCOMPARE(observation["subject"]["reference"].get<std::string>(), std::string("Patient/p1"));
        QCOMPARE(observation["performer"][0]["reference"].get<std::string>(),
                 std::string("Organization/o1"));
        QCOMPARE(count(u"/Patient?identifier=http://mrn|10"_s), 1);
        QCOMPARE(count(u"/Patient?_id=p2"_s), 0);
        QCOMPARE(count(u"/Observation?subject=Patient/p1&code:text=weight"_s), 1);
    }

    void transactionConditionalFailures_data()
    {
        QTest::addColumn<std::string>("reference");
        QTest::addColumn<int>("status");
        QTest::newRow("reference matches many")
            << std::string("Patient?identifier=http://mrn|dup") << 412;
        QTest::newRow("reference matches none")
            << std::string("Patient?identifier=http://mrn|0") << 400;
        QTest::newRow("reference to no type") << std::string("Foo?x=1") << 400;
    }
    void transactionConditionalFailures()
    {
        QFETCH(std::string, reference);
        QFETCH(int, status);
        const Json bundle = {
            {"resourceType", "Bundle"},
            {"type", "transaction"},
            {"entry",
             {{{"resource", patient("11")}, {"request", {{"method", "POST"}, {"url", "Patient"}}}},
              {{"resource",
                {{"resourceType", "Observation"},
                 {"status", "final"},
                 {"code", {{"text", "weight"}}},
                 {"subject", {{"reference", reference}}}}},
               {"request", {{"method", "POST"}, {"url", "Observation"}}}}}}};
        QCOMPARE(call("POST", QString(), bundle).status, status);
        QCOMPARE(count(u"/Patient?identifier=http://mrn|11"_s), 0); // all or nothing
    }

    void everything()
    {
        const Json all = parse(call("GET", u"/Patient/p1/$everything"_s));
        QCOMPARE(all["type"].get<std::string>(), std::string("searchset"));
        // The patient first, then its compartment: the observation and the risk assessment;
        // not the other patients' resources, not the organization.
        QCOMPARE(ids(all), (QStringList{u"p1"_s, u"oa"_s, u"ra"_s}));
        QVERIFY(all["total"] == Json(3));

        const Json page = parse(call("GET", u"/Patient/p1/$everything?_count=2"_s));
        QCOMPARE(ids(page), (QStringList{u"p1"_s, u"oa"_s}));
        QString next;
        for (const Json &link : page["link"]) {
            if (link["relation"] == "next")
                next = QString::fromStdString(link["url"]);
        }
        QVERIFY2(next.contains(u"/Patient/p1/$everything?"_s), qPrintable(next));
        QCOMPARE(ids(parse(call("GET", next.mid(base.size())))), QStringList{u"ra"_s});

        const Json since = parse(call("GET", u"/Patient/p1/$everything?_since=2100-01-01"_s));
        QVERIFY(since["total"] == Json(0));
        QCOMPARE(call("GET", u"/Patient/nobody/$everything"_s).status, 404);
        QCOMPARE(call("POST", u"/Patient/p1/$everything"_s).status, 405);
    }

    // patient-operation-everything.html: _type keeps the listed types; start and end are care
    // dates, read from the clinical-date search parameter (Observation.effective,
    // RiskAssessment.occurrence...): its types are kept only with a date in the range, the
    // others (the Patient) are not filtered. p1 has oa (2024-02-28T09:30Z) and ra (no date).
    void everythingFilters_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("_type") << u"_type=Observation"_s << QStringList{u"oa"_s};
        QTest::newRow("_type, a list")
            << u"_type=Patient,RiskAssessment"_s << QStringList{u"p1"_s, u"ra"_s};
        QTest::newRow("_type, repeated")
            << u"_type=Observation&_type=RiskAssessment"_s << QStringList{u"oa"_s, u"ra"_s};
        QTest::newRow("start and end around it")
            << u"start=2024-02-01&end=2024-02-29"_s << QStringList{u"p1"_s, u"oa"_s};
        QTest::newRow("end, its whole day") << u"end=2024-02-28"_s << QStringList{u"p1"_s, u"oa"_s};
        QTest::newRow("end before it") << u"end=2024-02-27"_s << QStringList{u"p1"_s};
        QTest::newRow("start after it") << u"start=2024-03"_s << QStringList{u"p1"_s};
        QTest::newRow("start, a year") << u"start=2024"_s << QStringList{u"p1"_s, u"oa"_s};
        QTest::newRow("_type and dates")
            << u"_type=Observation&start=2025-01-01"_s << QStringList{};
    }
    void everythingFilters()
    {
        QFETCH(QString, query);
        QFETCH(QStringList, expected);
        const Response r = call("GET", u"/Patient/p1/$everything?"_s + query);
        QVERIFY2(r.status == 200, r.body.constData());
        QCOMPARE(ids(parse(r)), expected);
    }

    void everythingFilterErrors_data()
    {
        QTest::addColumn<QString>("query");
        QTest::newRow("start not a date") << u"start=yesterday"_s;
        QTest::newRow("end not a date") << u"end=2024-13-01"_s;
        QTest::newRow("start after end") << u"start=2024-03-01&end=2024-02-01"_s;
        QTest::newRow("_type not a type") << u"_type=Observation,Foo"_s;
    }
    void everythingFilterErrors()
    {
        QFETCH(QString, query);
        const Response r = call("GET", u"/Patient/p1/$everything?"_s + query);
        QCOMPARE(r.status, 400);
        QCOMPARE(parse(r)["resourceType"].get<std::string>(), std::string("OperationOutcome"));
    }

    // The server SHOULD return what the compartment refers to: here an Organization, once,
    // as an include; the Patient, which every entry refers to, is a match and only that.
    void everythingIncludesWhatItRefersTo()
    {
        const Json observation
            = {{"resourceType", "Observation"},
               {"id", "op"},
               {"status", "final"},
               {"code", {{"text", "weight"}}},
               {"subject", {{"reference", "Patient/p1"}}},
               {"performer", {{{"reference", "Organization/o1"}}, {{"reference", "Patient/p1"}}}}};
        QCOMPARE(call("PUT", u"/Observation/op"_s, observation).status, 201);
        const Json all = parse(call("GET", u"/Patient/p1/$everything"_s));
        QCOMPARE(ids(all), (QStringList{u"p1"_s, u"oa"_s, u"op"_s, u"ra"_s}));
        QCOMPARE(ids(all, "include"), QStringList{u"o1"_s});
        QVERIFY(all["total"] == Json(4));
        // _type and _since keep what is included too.
        QCOMPARE(ids(parse(call("GET", u"/Patient/p1/$everything?_type=Observation"_s)), "include"),
                 QStringList{});
        QCOMPARE(
            ids(parse(call("GET", u"/Patient/p1/$everything?_type=Observation,Organization"_s)),
                "include"),
            QStringList{u"o1"_s});
        QCOMPARE(ids(parse(call("GET", u"/Patient/$everything?_count=100"_s)), "include"),
                 QStringList{u"o1"_s});
    }

    // The next page asks the same question.
    void everythingPagesKeepTheFilters()
    {
        const Json first = parse(call("GET",
                                      u"/Patient/p1/$everything?_type=Patient,"
                                      "Observation,RiskAssessment&end=2024-02-28&_count=1"_s));
        QCOMPARE(ids(first), QStringList{u"p1"_s});
        QVERIFY(first["total"] == Json(2));
        QString next;
        for (const Json &link : first["link"]) {
            if (link["relation"] == "next")
                next = QString::fromStdString(link["url"]);
        }
        QVERIFY2(next.contains(u"_type="_s) && next.contains(u"end=2024-02-28"_s),
                 qPrintable(next));
        QCOMPARE(ids(parse(call("GET", next.mid(base.size())))), QStringList{u"oa"_s});
    }
};

QTEST_GUILESS_MAIN(TestConditional)
#include "tst_conditional.moc"
