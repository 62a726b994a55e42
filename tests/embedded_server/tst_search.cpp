// Search over the index (R4 search.html): every parameter type and modifier with matches and
// non-matches, prefixes at each date precision, OR and AND, sorting, paging, totals, _summary
// and _elements, includes (iterated too), chaining and reverse chaining (_has), strict handling,
// searches over several types, Patient/$everything at type level, and an old database indexed
// on open.

#include "searchfixture.h"

#include <sqlite3.h>

using namespace searchtest;
using namespace Qt::StringLiterals;

class TestSearch : public QObject
{
    Q_OBJECT

private:
    std::shared_ptr<const fhir::schema::Model> m_model;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FhirServer> m_server;

    Response call(const QByteArray &method, const QString &target, const QByteArray &body = {},
                  HeaderList headers = {})
    {
        return m_server->handle(makeRequest(method, target, body, headers));
    }
    Json get(const QString &target)
    {
        const Response r = call("GET", target);
        if (r.status != 200)
            qWarning("GET %s: %d %s", qPrintable(target), r.status, r.body.constData());
        return parse(r);
    }
    void open()
    {
        fhir::server::ServerOptions options;
        options.requireApiKey = false; // API keys are tested in tst_apikeygate
        options.baseUrl = base;
        auto server = FhirServer::open(m_model, m_dir->path(), options);
        QVERIFY2(server, qPrintable(server.error()));
        m_server = std::move(server).value();
        m_server->setClock([] { return qint64(1'709'000'000'000); }); // 2024-02-27
    }

    // Most tests only read: one clinic for all of them. Tests that write start a fresh one.
    void fresh()
    {
        m_server.reset();
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        open();
        QVERIFY(loadClinic(*m_server));
    }

    QString dbPath() const { return m_dir->path() + u"/fhir.sqlite"_s; }

    // Runs SQL on the closed store's file; false (with a warning) when it fails.
    bool exec(const char *sql) const
    {
        sqlite3 *db = nullptr;
        const QByteArray path = dbPath().toUtf8();
        bool ok = sqlite3_open(path.constData(), &db) == SQLITE_OK;
        char *error = nullptr;
        ok = ok && sqlite3_exec(db, sql, nullptr, nullptr, &error) == SQLITE_OK;
        if (error)
            qWarning("%s", error);
        sqlite3_free(error);
        sqlite3_close(db);
        return ok;
    }

    // Schema 6 added the OAuth tables; a store made to look older must not have them, or the
    // migration to 6 finds them already there.
    static constexpr const char *kDropSchema6
        = "DROP TABLE oauth_access_token; DROP TABLE oauth_refresh_token; DROP TABLE oauth_code;"
          "DROP TABLE oauth_grant; DROP TABLE oauth_request; DROP TABLE oauth_signing_key;"
          "DROP TABLE oauth_client; DROP TABLE oauth_user;";

    // The search index tables as schema 3 and 4 had them (rowid tables, a per-resource index),
    // their rows kept: a closed store of schema 5 made to look like schema 4.
    bool indexTablesAsSchema4() const
    {
        return exec(kDropSchema6) && exec(R"sql(
CREATE TABLE s4_string (pk INTEGER NOT NULL, param INTEGER NOT NULL, norm TEXT NOT NULL,
    exact TEXT NOT NULL);
CREATE TABLE s4_token (pk INTEGER NOT NULL, param INTEGER NOT NULL, system TEXT, code TEXT,
    text TEXT);
CREATE TABLE s4_date (pk INTEGER NOT NULL, param INTEGER NOT NULL, low INTEGER NOT NULL,
    high INTEGER NOT NULL);
CREATE TABLE s4_number (pk INTEGER NOT NULL, param INTEGER NOT NULL, value REAL NOT NULL);
CREATE TABLE s4_quantity (pk INTEGER NOT NULL, param INTEGER NOT NULL, value REAL NOT NULL,
    system TEXT, code TEXT, unit TEXT);
CREATE TABLE s4_reference (pk INTEGER NOT NULL, param INTEGER NOT NULL, target_type TEXT,
    target_id TEXT, url TEXT);
CREATE TABLE s4_uri (pk INTEGER NOT NULL, param INTEGER NOT NULL, uri TEXT NOT NULL);
CREATE TABLE s4_composite (pk INTEGER NOT NULL, param INTEGER NOT NULL, grp INTEGER NOT NULL,
    part INTEGER NOT NULL, system TEXT, code TEXT, text TEXT, value REAL, unit TEXT,
    low INTEGER, high INTEGER, norm TEXT, exact TEXT, target_type TEXT, target_id TEXT, url TEXT,
    uri TEXT);
INSERT INTO s4_string SELECT pk, param, norm, exact FROM idx_string;
INSERT INTO s4_token SELECT pk, param, system, code, text FROM idx_token;
INSERT INTO s4_date SELECT pk, param, low, high FROM idx_date;
INSERT INTO s4_number SELECT pk, param, value FROM idx_number;
INSERT INTO s4_quantity SELECT pk, param, value, system, code, unit FROM idx_quantity;
INSERT INTO s4_reference SELECT pk, param, target_type, target_id, url FROM idx_reference;
INSERT INTO s4_uri SELECT pk, param, uri FROM idx_uri;
INSERT INTO s4_composite SELECT pk, param, grp, part, system, code, text, value, unit, low,
    high, norm, exact, target_type, target_id, url, uri FROM idx_composite;
DROP TABLE idx_string; DROP TABLE idx_token; DROP TABLE idx_date; DROP TABLE idx_number;
DROP TABLE idx_quantity; DROP TABLE idx_reference; DROP TABLE idx_uri; DROP TABLE idx_composite;
ALTER TABLE s4_string RENAME TO idx_string;
ALTER TABLE s4_token RENAME TO idx_token;
ALTER TABLE s4_date RENAME TO idx_date;
ALTER TABLE s4_number RENAME TO idx_number;
ALTER TABLE s4_quantity RENAME TO idx_quantity;
ALTER TABLE s4_reference RENAME TO idx_reference;
ALTER TABLE s4_uri RENAME TO idx_uri;
ALTER TABLE s4_composite RENAME TO idx_composite;
CREATE INDEX idx_string_value ON idx_string (param, norm);
CREATE INDEX idx_string_pk ON idx_string (pk, param);
CREATE INDEX idx_token_value ON idx_token (param, code, system);
CREATE INDEX idx_token_pk ON idx_token (pk, param);
CREATE INDEX idx_date_value ON idx_date (param, low);
CREATE INDEX idx_date_pk ON idx_date (pk, param);
CREATE INDEX idx_number_value ON idx_number (param, value);
CREATE INDEX idx_number_pk ON idx_number (pk, param);
CREATE INDEX idx_quantity_value ON idx_quantity (param, value);
CREATE INDEX idx_quantity_pk ON idx_quantity (pk, param);
CREATE INDEX idx_reference_target ON idx_reference (target_id, target_type, param);
CREATE INDEX idx_reference_url ON idx_reference (url) WHERE url IS NOT NULL;
CREATE INDEX idx_reference_pk ON idx_reference (pk, param);
CREATE INDEX idx_uri_value ON idx_uri (param, uri);
CREATE INDEX idx_uri_pk ON idx_uri (pk, param);
CREATE INDEX idx_composite_value ON idx_composite (param, part, code);
CREATE INDEX idx_composite_pk ON idx_composite (pk, param, grp, part);
PRAGMA user_version = 4;
)sql");
    }

    qint64 count(const char *sql) const
    {
        sqlite3 *db = nullptr;
        const QByteArray path = dbPath().toUtf8();
        sqlite3_open(path.constData(), &db);
        sqlite3_stmt *stmt = nullptr;
        qint64 value = -1;
        if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK
            && sqlite3_step(stmt) == SQLITE_ROW)
            value = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        sqlite3_close(db);
        return value;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_model = loadTestModel();
        fresh();
    }

    void cleanupTestCase()
    {
        m_server.reset();
        m_dir.reset();
    }

    void matches_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QStringList>("expected"); // ids, in _id order

        // string: starts-with, case- and accent-insensitive (search.html#string)
        QTest::newRow("string prefix") << u"Patient?name=chal"_s << QStringList{u"p1"_s};
        QTest::newRow("string case") << u"Patient?name=CHALM"_s << QStringList{u"p1"_s};
        QTest::newRow("string given") << u"Patient?name=jam"_s << QStringList{u"p1"_s};
        QTest::newRow("string accent") << u"Patient?family=chavez"_s << QStringList{u"p2"_s};
        QTest::newRow("string accent in query") << u"Patient?given=MARÍA"_s << QStringList{u"p2"_s};
        QTest::newRow("string not infix") << u"Patient?name=halm"_s << QStringList{};
        QTest::newRow("string :contains")
            << u"Patient?name:contains=halm"_s << QStringList{u"p1"_s};
        QTest::newRow("string :exact")
            << u"Patient?family:exact=Chalmers"_s << QStringList{u"p1"_s};
        QTest::newRow("string :exact case") << u"Patient?family:exact=chalmers"_s << QStringList{};
        QTest::newRow("string address") << u"Patient?address-city=zurich"_s << QStringList{u"p1"_s};
        QTest::newRow("string OR") << u"Patient?name=smith,chal"_s << QStringList{u"p1"_s, u"p3"_s};
        QTest::newRow("string AND") << u"Patient?name=peter&family=smith"_s << QStringList{};
        QTest::newRow("string escaped comma")
            << u"Organization?name:exact=Acme\\, Inc"_s << QStringList{u"o1"_s};
        // token
        QTest::newRow("guided tour: gender=male")
            << u"Patient?gender=male"_s << QStringList{u"p1"_s, u"p3"_s};
        QTest::newRow("token female") << u"Patient?gender=female"_s << QStringList{u"p2"_s};
        QTest::newRow("token OR") << u"Patient?gender=female,male"_s
                                  << QStringList{u"p1"_s, u"p2"_s, u"p3"_s};
        QTest::newRow("token :not") << u"Patient?gender:not=male"_s << QStringList{u"p2"_s};
        QTest::newRow("token system|code")
            << u"Patient?identifier=http://x|123"_s << QStringList{u"p1"_s};
        QTest::newRow("token code only") << u"Patient?identifier=456"_s << QStringList{u"p2"_s};
        QTest::newRow("token other system")
            << u"Patient?identifier=http://y|123"_s << QStringList{};
        QTest::newRow("token system|")
            << u"Patient?identifier=http://x|"_s << QStringList{u"p1"_s, u"p2"_s};
        QTest::newRow("token |code needs no system")
            << u"Patient?identifier=|123"_s << QStringList{};
        QTest::newRow("token boolean") << u"Patient?active=true"_s << QStringList{u"p1"_s};
        QTest::newRow("token coding")
            << u"Observation?code=http://loinc.org|8867-4"_s << QStringList{u"oa"_s};
        QTest::newRow("token :text display")
            << u"Observation?code:text=heart"_s << QStringList{u"oa"_s};
        QTest::newRow("token :text text")
            << u"Observation?code:text=body%20temp"_s << QStringList{u"ob"_s};
        QTest::newRow("token :missing=true")
            << u"Patient?telecom:missing=true"_s << QStringList{u"p2"_s, u"p3"_s};
        QTest::newRow("token :missing=false")
            << u"Patient?telecom:missing=false"_s << QStringList{u"p1"_s};
        QTest::newRow("_tag") << u"Patient?_tag=http://t|x"_s << QStringList{u"p3"_s};
        QTest::newRow("_id OR") << u"Patient?_id=p1,p3"_s << QStringList{u"p1"_s, u"p3"_s};
        // date: eq is containment at the value's precision (search.html#date)
        QTest::newRow("date year") << u"Patient?birthdate=1974"_s << QStringList{u"p1"_s};
        QTest::newRow("date day") << u"Patient?birthdate=1974-12-25"_s << QStringList{u"p1"_s};
        QTest::newRow("date other day") << u"Patient?birthdate=1974-12-26"_s << QStringList{};
        QTest::newRow("date month stored, year searched")
            << u"Patient?birthdate=1980"_s << QStringList{u"p2"_s};
        QTest::newRow("date month stored, day searched")
            << u"Patient?birthdate=1980-03-15"_s << QStringList{};
        QTest::newRow("date gt") << u"Patient?birthdate=gt1980"_s << QStringList{u"p3"_s};
        QTest::newRow("date ge") << u"Patient?birthdate=ge1980"_s << QStringList{u"p2"_s, u"p3"_s};
        QTest::newRow("date lt") << u"Patient?birthdate=lt1980"_s << QStringList{u"p1"_s};
        QTest::newRow("date le month")
            << u"Patient?birthdate=le1980-03"_s << QStringList{u"p1"_s, u"p2"_s};
        QTest::newRow("date ne") << u"Patient?birthdate=ne1974"_s << QStringList{u"p2"_s, u"p3"_s};
        QTest::newRow("date sa") << u"Patient?birthdate=sa1980-03"_s << QStringList{u"p3"_s};
        QTest::newRow("date eb") << u"Patient?birthdate=eb1980-03"_s << QStringList{u"p1"_s};
        QTest::newRow("date AND range")
            << u"Patient?birthdate=ge1975&birthdate=lt1985"_s << QStringList{u"p2"_s};
        QTest::newRow("date period within month")
            << u"Observation?date=2024-03"_s << QStringList{u"ob"_s};
        QTest::newRow("date period not within day")
            << u"Observation?date=2024-03-03"_s << QStringList{};
        QTest::newRow("date period ge")
            << u"Observation?date=ge2024-03-03"_s << QStringList{u"ob"_s};
        QTest::newRow("date minute with zone")
            << u"Observation?date=2024-02-28T10:30%2B01:00"_s << QStringList{u"oa"_s};
        QTest::newRow("date ap") << u"Observation?date=ap2024-02-28"_s << QStringList{u"oa"_s};
        QTest::newRow("_lastUpdated")
            << u"Patient?_lastUpdated=ge2024-02-27&_id=p1"_s << QStringList{u"p1"_s};
        // number: eq within the precision of the value
        QTest::newRow("number eq") << u"RiskAssessment?probability=0.8"_s << QStringList{u"ra"_s};
        QTest::newRow("number eq precision")
            << u"RiskAssessment?probability=0.79"_s << QStringList{};
        QTest::newRow("number gt") << u"RiskAssessment?probability=gt0.5"_s << QStringList{u"ra"_s};
        QTest::newRow("number lt") << u"RiskAssessment?probability=lt0.5"_s << QStringList{};
        // quantity
        QTest::newRow("quantity number")
            << u"Observation?value-quantity=72"_s << QStringList{u"oa"_s};
        QTest::newRow("quantity system code")
            << u"Observation?value-quantity=gt70|http://unitsofmeasure.org|/min"_s
            << QStringList{u"oa"_s};
        QTest::newRow("quantity unit")
            << u"Observation?value-quantity=37.5||C"_s << QStringList{u"ob"_s};
        QTest::newRow("quantity other system")
            << u"Observation?value-quantity=72|http://other|/min"_s << QStringList{};
        QTest::newRow("quantity lt")
            << u"Observation?value-quantity=lt40"_s << QStringList{u"ob"_s};
        // reference
        QTest::newRow("reference Type/id")
            << u"Observation?subject=Patient/p1"_s << QStringList{u"oa"_s};
        QTest::newRow("reference id") << u"Observation?subject=p2"_s << QStringList{u"ob"_s};
        QTest::newRow("reference :Type")
            << u"Observation?subject:Patient=p2"_s << QStringList{u"ob"_s};
        QTest::newRow("reference absolute")
            << u"Observation?subject="_s + base + u"/Patient/p1"_s << QStringList{u"oa"_s};
        QTest::newRow("reference wrong id") << u"Observation?subject=Patient/p3"_s << QStringList{};
        QTest::newRow("reference through resolve()")
            << u"Observation?patient=p1"_s << QStringList{u"oa"_s};
        QTest::newRow("reference organization")
            << u"Patient?organization=Organization/o1"_s << QStringList{u"p1"_s};
        QTest::newRow("reference :missing")
            << u"Patient?organization:missing=true"_s << QStringList{u"p2"_s, u"p3"_s};
        // chaining, one level
        QTest::newRow("chain typed")
            << u"Observation?subject:Patient.name=chal"_s << QStringList{u"oa"_s};
        QTest::newRow("chain untyped")
            << u"Observation?subject.gender=female"_s << QStringList{u"ob"_s};
        QTest::newRow("chain no match")
            << u"Observation?subject:Patient.name=smith"_s << QStringList{};
        // uri
        QTest::newRow("uri") << u"ValueSet?url=http://example.org/fhir/ValueSet/abc"_s
                             << QStringList{u"vs"_s};
        QTest::newRow("uri no prefix match")
            << u"ValueSet?url=http://example.org/fhir"_s << QStringList{};
        QTest::newRow("uri :below")
            << u"ValueSet?url:below=http://example.org/fhir"_s << QStringList{u"vs"_s};
        QTest::newRow("uri :above")
            << u"ValueSet?url:above=http://example.org/fhir/ValueSet/abc/x"_s
            << QStringList{u"vs"_s};
        // unknown parameters are ignored by default
        QTest::newRow("unknown ignored")
            << u"Patient?foo=bar&gender=female"_s << QStringList{u"p2"_s};
        // search.html#has: reverse chaining, nested
        QTest::newRow("_has") << u"Patient?_has:Observation:patient:code=8867-4"_s
                              << QStringList{u"p1"_s};
        QTest::newRow("_has other parameter")
            << u"Patient?_has:Observation:subject:status=preliminary"_s << QStringList{u"p2"_s};
        QTest::newRow("_has OR values") << u"Patient?_has:Observation:subject:code=8867-4,8310-5"_s
                                        << QStringList{u"p1"_s, u"p2"_s};
        QTest::newRow("_has no match")
            << u"Patient?_has:Observation:patient:code=0000-0"_s << QStringList{};
        QTest::newRow("_has with other criteria")
            << u"Patient?gender=female&_has:Observation:patient:code=8867-4"_s << QStringList{};
        QTest::newRow("_has nested")
            << u"Organization?_has:Patient:organization:_has:Observation:patient:code=8867-4"_s
            << QStringList{u"o1"_s};
        QTest::newRow("_has nested no match")
            << u"Organization?_has:Patient:organization:_has:Observation:patient:code=8310-5"_s
            << QStringList{};
        // search.html "Searching Multiple Resource Types": ordered by type, then id
        QTest::newRow("system _type and _id")
            << u"?_type=Patient,Observation&_id=p1,oa,o1"_s << QStringList{u"oa"_s, u"p1"_s};
        QTest::newRow("system no _type: every type")
            << u"?_id=o1,ra,vs"_s << QStringList{u"o1"_s, u"ra"_s, u"vs"_s};
        QTest::newRow("system _tag over every type")
            << u"?_tag=http://t|x"_s << QStringList{u"p3"_s};
        QTest::newRow("system _lastUpdated")
            << u"?_type=Organization,ValueSet&_lastUpdated=ge2024-02-27"_s
            << QStringList{u"o1"_s, u"vs"_s};
        QTest::newRow("system shared definition")
            << u"?_type=Observation,RiskAssessment&patient=p1"_s << QStringList{u"oa"_s, u"ra"_s};
        QTest::newRow("system one code, two definitions")
            << u"?_type=Observation,RiskAssessment&subject=Patient/p2"_s << QStringList{u"ob"_s};
        QTest::newRow("system _search")
            << u"_search?_type=Patient&gender=female"_s << QStringList{u"p2"_s};
        // search.html#composite: component values joined by $, matched within one element
        QTest::newRow("composite code$value")
            << u"Observation?code-value-quantity=8867-4$72"_s << QStringList{u"oa"_s};
        QTest::newRow("composite system|code$prefix value|unit")
            << u"Observation?code-value-quantity=http://loinc.org|8310-5$lt40|"
               "http://unitsofmeasure.org|Cel"_s
            << QStringList{u"ob"_s};
        QTest::newRow("composite other value")
            << u"Observation?code-value-quantity=8867-4$37.5"_s << QStringList{};
        QTest::newRow("composite OR") << u"Observation?code-value-quantity=8867-4$72,8310-5$37.5"_s
                                      << QStringList{u"oa"_s, u"ob"_s};
        QTest::newRow("composite in a component")
            << u"Observation?component-code-value-quantity=8480-6$gt100"_s << QStringList{u"bp"_s};
        QTest::newRow("composite within one component only")
            << u"Observation?component-code-value-quantity=8462-4$gt100"_s << QStringList{};
        QTest::newRow("composite not across components")
            << u"Observation?component-code-value-quantity=8480-6$lt90"_s << QStringList{};
        QTest::newRow("composite combo, component")
            << u"Observation?combo-code-value-quantity=8462-4$80"_s << QStringList{u"bp"_s};
        QTest::newRow("composite combo, observation")
            << u"Observation?combo-code-value-quantity=8867-4$ge72"_s << QStringList{u"oa"_s};
        QTest::newRow("composite escaped $")
            << u"Observation?code-value-quantity=8867-4\\$72$72"_s << QStringList{};
        QTest::newRow("composite :missing")
            << u"Observation?component-code-value-quantity:missing=false"_s << QStringList{u"bp"_s};
        // search.html#text: words in the narrative, or anywhere in the resource
        QTest::newRow("_text") << u"Patient?_text=peter"_s << QStringList{u"p1"_s};
        QTest::newRow("_text only the narrative") << u"Patient?_text=chalmers"_s << QStringList{};
        QTest::newRow("_text all words") << u"Patient?_text=peter%20nobody"_s << QStringList{};
        QTest::newRow("_content") << u"Patient?_content=CHALMERS"_s << QStringList{u"p1"_s};
        QTest::newRow("_content all words")
            << u"Patient?_content=chalmers%20zürich"_s << QStringList{u"p1"_s};
        QTest::newRow("_content OR")
            << u"Patient?_content=smith,chávez"_s << QStringList{u"p2"_s, u"p3"_s};
        QTest::newRow("_content LIKE characters are literal")
            << u"Patient?_content=ch%25mers"_s << QStringList{};
        QTest::newRow("_content over every type") << u"?_content=acme"_s << QStringList{u"o1"_s};
        QTest::newRow("system _has")
            << u"?_type=Patient,Group&_has:Observation:subject:code=8310-5"_s
            << QStringList{u"p2"_s};
    }
    void matches()
    {
        QFETCH(QString, query);
        QFETCH(QStringList, expected);
        const Json bundle = get(u'/' + query);
        QCOMPARE(ids(bundle), expected);
        QVERIFY(bundle["total"] == Json(expected.size()));
    }

    void badValues_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("named"); // the parameter the message names
        QTest::newRow("date") << u"Patient?birthdate=2024-13"_s << u"birthdate"_s;
        QTest::newRow("prefix") << u"Patient?birthdate=xx2024"_s << u"birthdate"_s;
        QTest::newRow("modifier") << u"Patient?gender:exact=male"_s << u"gender:exact"_s;
        QTest::newRow("number") << u"RiskAssessment?probability=abc"_s << u"probability"_s;
        QTest::newRow("quantity") << u"Observation?value-quantity=1|2"_s << u"value-quantity"_s;
        QTest::newRow("missing") << u"Patient?gender:missing=maybe"_s << u"gender:missing"_s;
        QTest::newRow("type modifier") << u"Observation?subject:Foo=1"_s << u"subject:Foo"_s;
        QTest::newRow("_sort") << u"Patient?_sort=nonsense"_s << u"_sort"_s;
        QTest::newRow("_total") << u"Patient?_total=maybe"_s << u"_total"_s;
        QTest::newRow("_summary") << u"Patient?_summary=maybe"_s << u"_summary"_s;
        QTest::newRow("_include") << u"Observation?_include=Observation:code"_s << u"_include"_s;
        QTest::newRow("_count") << u"Patient?_count=-1"_s << u"_count"_s;
        QTest::newRow("_has not a reference")
            << u"Patient?_has:Observation:code:status=final"_s << u"_has:Observation:code"_s;
        QTest::newRow("_has unknown inner")
            << u"Patient?_has:Observation:patient:foo=1"_s << u"foo"_s;
        QTest::newRow("_has wrong target")
            << u"Organization?_has:Observation:patient:code=1"_s << u"does not refer to"_s;
        QTest::newRow("_has too short") << u"Patient?_has:Observation:patient=1"_s << u"_has"_s;
        QTest::newRow("_include:iterate bad modifier")
            << u"Patient?_include:deep=Patient:organization"_s << u"_include:deep"_s;
        QTest::newRow("composite one component")
            << u"Observation?code-value-quantity=8867-4"_s << u"code-value-quantity"_s;
        QTest::newRow("composite bad quantity")
            << u"Observation?code-value-quantity=8867-4$abc"_s << u"code-value-quantity"_s;
        QTest::newRow("composite modifier")
            << u"Observation?code-value-quantity:exact=8867-4$72"_s << u"code-value-quantity"_s;
        QTest::newRow("composite _sort")
            << u"Observation?_sort=code-value-quantity"_s << u"_sort"_s;
        QTest::newRow("_text modifier") << u"Patient?_text:exact=peter"_s << u"_text:exact"_s;
        QTest::newRow("_text not of every type")
            << u"?_type=Patient,Bundle&_text=peter"_s << u"Bundle"_s;
        QTest::newRow("system parameter of one type only")
            << u"?_type=Patient,Observation&gender=male"_s << u"Observation"_s;
        QTest::newRow("system _has not for every type")
            << u"?_has:Observation:patient:code=8867-4"_s << u"Account"_s;
        QTest::newRow("system unknown _type") << u"?_type=Patient,Nope"_s << u"Nope"_s;
        QTest::newRow("system _sort by a parameter")
            << u"?_type=Patient,Observation&_sort=date"_s << u"_sort"_s;
    }
    void badValues()
    {
        QFETCH(QString, query);
        QFETCH(QString, named);
        const Response r = call("GET", u'/' + query);
        QCOMPARE(r.status, 400);
        const Json outcome = parse(r);
        QCOMPARE(outcome["issue"][0]["code"].get<std::string>(), std::string("invalid"));
        const QString said = QString::fromStdString(outcome["issue"][0]["diagnostics"]);
        QVERIFY2(said.contains(named), qPrintable(said));
    }

    // search.html "Searching Multiple Resource Types": a parameter only some types have is
    // an error unless the client asks for lenient handling; one no type has is ignored.
    void systemSearchHandling()
    {
        const Response lenient = call("GET", u"/?_type=Patient,Observation&gender=male&_id=oa"_s,
                                      {}, {{"Prefer", "handling=lenient"}});
        QCOMPARE(lenient.status, 200);
        QCOMPARE(ids(parse(lenient)), QStringList{u"oa"_s});
        QCOMPARE(ids(get(u"/?_type=Patient&foo=bar&gender=female"_s)), QStringList{u"p2"_s});
        QCOMPARE(call("GET", u"/?foo=bar"_s, {}, {{"Prefer", "handling=strict"}}).status, 400);
        const Response form = call("POST", u"/_search"_s, "_type=Observation&status=final",
                                   {{"Content-Type", "application/x-www-form-urlencoded"}});
        QCOMPARE(form.status, 200);
        QCOMPARE(ids(parse(form)), QStringList{u"oa"_s});
        const Json self = get(u"/?_type=Observation&status=final"_s);
        QCOMPARE(self["link"][0]["url"].get<std::string>(),
                 QString(base + u"?_type=Observation&status=final&_count=20"_s).toStdString());
    }

    // A batch entry may search several types too (http.html#transaction: GET entries).
    void systemSearchInBatch()
    {
        const Json batch
            = {{"resourceType", "Bundle"},
               {"type", "batch"},
               {"entry",
                {{{"request", {{"method", "GET"}, {"url", "?_type=Patient&gender=female"}}}}}}};
        const Response r = call("POST", QString(), QByteArray::fromStdString(batch.dump()));
        QCOMPARE(r.status, 200);
        const Json entry = parse(r)["entry"][0];
        QCOMPARE(entry["response"]["status"].get<std::string>(), std::string("200 OK"));
        QCOMPARE(ids(entry["resource"]), QStringList{u"p2"_s});
    }

    // Without _type every type is searched; _count pages through all of them once each.
    void systemSearchPaging()
    {
        QStringList seen;
        QString next = u"/?_count=3"_s;
        int pages = 0;
        while (!next.isEmpty() && ++pages < 10) {
            const Json page = get(next);
            QVERIFY(page["total"] == Json(clinic().size()));
            QVERIFY(ids(page).size() <= 3);
            seen += ids(page);
            next.clear();
            for (const Json &link : page["link"]) {
                if (link["relation"] == "next")
                    next = QString::fromStdString(link["url"]).mid(base.size());
            }
        }
        QCOMPARE(pages, 3);
        QCOMPARE(seen.size(), qsizetype(clinic().size()));
        QCOMPARE(QSet<QString>(seen.begin(), seen.end()).size(), seen.size());
        const Json counted = get(u"/?_type=Patient,Observation&_summary=count"_s);
        QVERIFY(counted["total"] == Json(6));
        QVERIFY(!counted.contains("entry"));
    }

    // patient-operation-everything.html at type level: every patient and their compartments,
    // each resource once, paged like the instance level (_count, _offset, _since).
    void typeLevelEverything()
    {
        const Json all = get(u"/Patient/$everything"_s);
        QVERIFY(all["total"] == Json(6));
        QCOMPARE(ids(all), (QStringList{u"p1"_s, u"p2"_s, u"p3"_s, u"oa"_s, u"ob"_s, u"ra"_s}));
        const Json first = get(u"/Patient/$everything?_count=4"_s);
        QCOMPARE(ids(first).size(), 4);
        QString next;
        for (const Json &link : first["link"]) {
            if (link["relation"] == "next")
                next = QString::fromStdString(link["url"]);
        }
        QVERIFY2(next.startsWith(base + u"/Patient/$everything?"_s), qPrintable(next));
        QCOMPARE(ids(get(next.mid(base.size()))), (QStringList{u"ob"_s, u"ra"_s}));
        QVERIFY(get(u"/Patient/$everything?_since=2030-01-01"_s)["total"] == Json(0));
        QCOMPARE(call("POST", u"/Patient/$everything"_s).status, 405);
    }

    // search.html#revinclude: :iterate follows from included resources until nothing new.
    void iteratedIncludes_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QStringList>("included");
        QTest::newRow("_include:iterate") << u"Observation?_id=oa&_include=Observation:subject"
                                             "&_include:iterate=Patient:organization"_s
                                          << QStringList{u"p1"_s, u"o1"_s};
        QTest::newRow("R3 :recurse") << u"Observation?_id=oa&_include=Observation:subject"
                                        "&_include:recurse=Patient:organization"_s
                                     << QStringList{u"p1"_s, u"o1"_s};
        QTest::newRow("plain _include does not iterate")
            << u"Observation?_id=oa&_include=Observation:subject"_s << QStringList{u"p1"_s};
        QTest::newRow("_revinclude:iterate")
            << u"Organization?_id=o1&_revinclude=Patient:organization"
               "&_revinclude:iterate=Observation:subject"_s
            << QStringList{u"p1"_s, u"oa"_s};
        QTest::newRow("iterate both ways") << u"Observation?_id=oa&_include=Observation:subject"
                                              "&_revinclude:iterate=RiskAssessment:subject"_s
                                           << QStringList{u"p1"_s, u"ra"_s};
        QTest::newRow("system search includes")
            << u"?_type=Observation,RiskAssessment&_id=ob,ra&_include=Observation:subject"_s
            << QStringList{u"p2"_s};
    }
    void iteratedIncludes()
    {
        QFETCH(QString, query);
        QFETCH(QStringList, included);
        QCOMPARE(ids(get(u'/' + query), "include"), included);
    }

    void strictHandling()
    {
        const Response strict
            = call("GET", u"/Patient?foo=bar"_s, {}, {{"Prefer", "handling=strict"}});
        QCOMPARE(strict.status, 400);
        QVERIFY(parse(strict)["issue"][0]["diagnostics"].get<std::string>().find("foo")
                != std::string::npos);
        const Json lenient = get(u"/Patient?foo=bar&gender=male"_s);
        QCOMPARE(lenient["link"][0]["url"].get<std::string>(),
                 QString(base + u"/Patient?gender=male&_count=20"_s).toStdString());
    }

    void postSearch()
    {
        const Response r = call("POST", u"/Patient/_search?gender=male"_s, "family=smith",
                                {{"Content-Type", "application/x-www-form-urlencoded"}});
        QCOMPARE(r.status, 200);
        QCOMPARE(ids(parse(r)), QStringList{u"p3"_s});
    }

    void sort_data()
    {
        QTest::addColumn<QString>("sort");
        QTest::addColumn<QStringList>("expected");
        QTest::newRow("string") << u"family"_s << QStringList{u"p1"_s, u"p2"_s, u"p3"_s};
        QTest::newRow("string descending")
            << u"-family"_s << QStringList{u"p3"_s, u"p2"_s, u"p1"_s};
        QTest::newRow("date descending")
            << u"-birthdate"_s << QStringList{u"p3"_s, u"p2"_s, u"p1"_s};
        QTest::newRow("token then string")
            << u"gender,-family"_s << QStringList{u"p2"_s, u"p3"_s, u"p1"_s};
        QTest::newRow("_id descending") << u"-_id"_s << QStringList{u"p3"_s, u"p2"_s, u"p1"_s};
    }
    void sort()
    {
        QFETCH(QString, sort);
        QFETCH(QStringList, expected);
        QCOMPARE(ids(get(u"/Patient?_sort="_s + sort)), expected);
    }

    void pagingAndTotals()
    {
        const Json first = get(u"/Patient?_count=2&_sort=_id"_s);
        QCOMPARE(ids(first), (QStringList{u"p1"_s, u"p2"_s}));
        QVERIFY(first["total"] == Json(3));
        QStringList relations;
        QString next;
        for (const Json &link : first["link"]) {
            relations.append(QString::fromStdString(link["relation"]));
            if (link["relation"] == "next")
                next = QString::fromStdString(link["url"]);
        }
        QCOMPARE(relations, (QStringList{u"self"_s, u"next"_s, u"first"_s, u"last"_s}));
        QVERIFY2(next.contains(u"_sort=_id"_s), qPrintable(next));
        const Json second = get(next.mid(base.size()));
        QCOMPARE(ids(second), QStringList{u"p3"_s});

        const Json none = get(u"/Patient?_count=2&_total=none"_s);
        QVERIFY(!none.contains("total"));
        QCOMPARE(ids(none).size(), 2);
        QVERIFY(none["link"][1]["relation"] == "next"); // known without a total

        const Json count = get(u"/Patient?_summary=count"_s);
        QVERIFY(count["total"] == Json(3));
        QVERIFY(!count.contains("entry"));
    }

    void includes()
    {
        const Json forward = get(u"/Observation?_id=oa&_include=Observation:subject"_s);
        QCOMPARE(ids(forward), QStringList{u"oa"_s});
        QCOMPARE(ids(forward, "include"), QStringList{u"p1"_s});
        QVERIFY(forward["total"] == Json(1)); // includes are not counted

        const Json typed = get(u"/Observation?_id=oa&_include=Observation:subject:Group"_s);
        QCOMPARE(ids(typed, "include"), QStringList{});

        const Json reverse = get(u"/Patient?_id=p1&_revinclude=Observation:subject"_s);
        QCOMPARE(ids(reverse), QStringList{u"p1"_s});
        QCOMPARE(ids(reverse, "include"), QStringList{u"oa"_s});

        const Json wildcard = get(u"/Patient?_id=p1&_include=Patient:*"_s);
        QCOMPARE(ids(wildcard, "include"), QStringList{u"o1"_s});
    }

    // search.html#summary: the SUBSETTED tag marks every trimmed resource, on search and read.
    void summaryAndElements_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QStringList>("present");
        QTest::addColumn<QStringList>("absent");
        const QStringList core = {u"resourceType"_s, u"id"_s, u"meta"_s};
        QTest::newRow("read _summary=true")
            << u"/Patient/p1?_summary=true"_s << core + QStringList{u"name"_s, u"gender"_s}
            << QStringList{u"text"_s, u"maritalStatus"_s};
        QTest::newRow("read _summary=text")
            << u"/Patient/p1?_summary=text"_s << core + QStringList{u"text"_s}
            << QStringList{u"name"_s, u"gender"_s};
        QTest::newRow("read _summary=data")
            << u"/Patient/p1?_summary=data"_s << core + QStringList{u"name"_s, u"maritalStatus"_s}
            << QStringList{u"text"_s};
        QTest::newRow("read _elements")
            << u"/Patient/p1?_elements=gender,birthDate"_s
            << core + QStringList{u"gender"_s, u"birthDate"_s} << QStringList{u"name"_s, u"text"_s};
        QTest::newRow("vread _elements")
            << u"/Patient/p1/_history/1?_elements=gender"_s << core + QStringList{u"gender"_s}
            << QStringList{u"name"_s};
        QTest::newRow("mandatory kept") << u"/Observation/oa?_elements=subject"_s
                                        << core + QStringList{u"subject"_s, u"status"_s, u"code"_s}
                                        << QStringList{u"valueQuantity"_s};
        QTest::newRow("choice element")
            << u"/Observation/oa?_elements=value"_s << core + QStringList{u"valueQuantity"_s}
            << QStringList{u"subject"_s};
        QTest::newRow("search _elements")
            << u"/Patient?_id=p1&_elements=gender"_s << core + QStringList{u"gender"_s}
            << QStringList{u"name"_s};
    }
    void summaryAndElements()
    {
        QFETCH(QString, target);
        QFETCH(QStringList, present);
        QFETCH(QStringList, absent);
        Json resource = get(target);
        if (resource["resourceType"] == "Bundle")
            resource = resource["entry"][0]["resource"];
        for (const QString &key : present)
            QVERIFY2(resource.contains(key.toStdString()), qPrintable(key));
        for (const QString &key : absent)
            QVERIFY2(!resource.contains(key.toStdString()), qPrintable(key));
        bool subsetted = false;
        for (const Json &tag : resource["meta"]["tag"])
            subsetted = subsetted || tag["code"] == "SUBSETTED";
        QVERIFY(subsetted);
    }

    // search.html#summary: Σ marks elements inside data types and backbone elements too.
    void summaryTrimsNestedElements()
    {
        const Json bp = get(u"/Observation/bp?_summary=true"_s);
        const Json &component = bp["component"][0];
        QVERIFY(component.contains("code"));
        QVERIFY(component.contains("valueQuantity"));
        QCOMPARE(component["valueQuantity"].size(), size_t(3)); // Quantity: all Σ
        QVERIFY(!component.contains("interpretation")); // not Σ
        QVERIFY(bp["code"]["coding"][0].contains("system"));
        const Json whole = get(u"/Observation/bp?_elements=component"_s);
        QVERIFY(whole["component"][0].contains("interpretation")); // _elements: kept whole
        const Json found = get(u"/Observation?_id=bp&_summary=true"_s);
        QVERIFY(!found["entry"][0]["resource"]["component"][0].contains("interpretation"));
        const Json p1 = get(u"/Patient/p1?_summary=true"_s);
        QCOMPARE(p1["name"][0]["given"].size(), size_t(2));
        QVERIFY(p1["managingOrganization"].contains("reference"));
    }

    void plainReadIsNotSubsetted()
    {
        const Json full = get(u"/Patient/p1"_s);
        QVERIFY(full.contains("text"));
        QVERIFY(!full["meta"].contains("tag"));
    }

    // Writes keep the index in step: update and patch replace the rows, delete removes them,
    // and POST, transaction and batch entries are indexed like PUT.
    void indexFollowsWrites()
    {
        fresh();
        Json p1 = get(u"/Patient/p1"_s);
        p1["gender"] = "female";
        QCOMPARE(call("PUT", u"/Patient/p1"_s, QByteArray::fromStdString(p1.dump())).status, 200);
        QCOMPARE(ids(get(u"/Patient?gender=male"_s)), QStringList{u"p3"_s});
        const QByteArray patch
            = "[{\"op\": \"replace\", \"path\": \"/gender\", \"value\": \"other\"}]";
        QCOMPARE(call("PATCH", u"/Patient/p2"_s, patch,
                      {{"Content-Type", "application/json-patch+json"}})
                     .status,
                 200);
        QCOMPARE(ids(get(u"/Patient?gender=other"_s)), QStringList{u"p2"_s});
        QCOMPARE(call("DELETE", u"/Patient/p3"_s).status, 204);
        QCOMPARE(ids(get(u"/Patient?gender=male"_s)), QStringList{});
        QCOMPARE(ids(get(u"/Patient?family=smith"_s)), QStringList{});

        // The guided tour: POST male patients, find them.
        const Json male = {{"resourceType", "Patient"}, {"gender", "male"}};
        const Json created
            = parse(call("POST", u"/Patient"_s, QByteArray::fromStdString(male.dump())));
        const Json transaction
            = {{"resourceType", "Bundle"},
               {"type", "transaction"},
               {"entry",
                {{{"resource", male}, {"request", {{"method", "POST"}, {"url", "Patient"}}}}}}};
        QCOMPARE(call("POST", QString(), QByteArray::fromStdString(transaction.dump())).status,
                 200);
        const Json found = get(u"/Patient?gender=male"_s);
        QVERIFY(found["total"] == Json(2));
        QVERIFY(ids(found).contains(QString::fromStdString(created["id"])));
        QVERIFY(!ids(found).contains(u"p2"_s));
    }

    // A database written before the index (schema 2: resources and API keys) gets its
    // resources indexed on open.
    void oldDatabaseIndexedOnOpen()
    {
        fresh();
        m_server.reset();
        {
            // Make the file look like schema 2: no index tables, user_version 2.
            sqlite3 *db = nullptr;
            const QByteArray path = QString(m_dir->path() + u"/fhir.sqlite"_s).toUtf8();
            QCOMPARE(sqlite3_open(path.constData(), &db), SQLITE_OK);
            QCOMPARE(sqlite3_exec(db, kDropSchema6, nullptr, nullptr, nullptr), SQLITE_OK);
            const char *downgrade
                = "DROP TABLE search_param; DROP TABLE idx_string; DROP TABLE idx_token;"
                  "DROP TABLE idx_date; DROP TABLE idx_number; DROP TABLE idx_quantity;"
                  "DROP TABLE idx_reference; DROP TABLE idx_uri; DROP TABLE index_pending;"
                  "DROP TABLE idx_composite; PRAGMA user_version = 2;";
            QCOMPARE(sqlite3_exec(db, downgrade, nullptr, nullptr, nullptr), SQLITE_OK);
            sqlite3_close(db);
        }
        open();
        QCOMPARE(*m_server->store().userVersion(), fhir::server::Store::SchemaVersion);
        QCOMPARE(ids(get(u"/Patient?gender=male"_s)), (QStringList{u"p1"_s, u"p3"_s}));
        QCOMPARE(ids(get(u"/Observation?subject:Patient.name=chavez"_s)), QStringList{u"ob"_s});
    }

    // Schema 4 (composites) indexes every resource of a schema 3 database again, once: the
    // composites are found and no row is written twice.
    void schema3IndexedAgainOnOpen()
    {
        fresh();
        m_server.reset();
        const qint64 before = count("SELECT COUNT(*) FROM idx_token");
        QVERIFY(before > 0);
        QVERIFY(indexTablesAsSchema4());
        QVERIFY(exec("DROP TABLE idx_composite; PRAGMA user_version = 3;"));
        open();
        QCOMPARE(ids(get(u"/Observation?component-code-value-quantity=8480-6$120"_s)),
                 QStringList{u"bp"_s});
        m_server.reset();
        QCOMPARE(count("SELECT COUNT(*) FROM idx_token"), before);
        open();
    }

    // Schema 5 makes the index tables WITHOUT ROWID tables keyed by resource: a schema 4
    // database is converted in place, its rows kept (not indexed again), and every search of
    // each parameter type finds what it found before. Writes after it replace the kept rows.
    void schema4IndexClusteredOnOpen()
    {
        fresh();
        const QStringList queries = {
            u"Patient?name=chal"_s,
            u"Patient?family:exact=Chalmers"_s,
            u"Patient?identifier=http://x|123"_s,
            u"Observation?code:text=heart"_s,
            u"Patient?telecom:missing=true"_s,
            u"Patient?birthdate=ge1975&birthdate=lt1985"_s,
            u"Observation?date=ge2024-03-03"_s,
            u"RiskAssessment?probability=gt0.5"_s,
            u"Observation?value-quantity=gt70|http://unitsofmeasure.org|/min"_s,
            u"Observation?subject:Patient.name=chal"_s,
            u"Patient?_has:Observation:patient:code=8867-4"_s,
            u"ValueSet?url:below=http://example.org/fhir"_s,
            u"Observation?component-code-value-quantity=8480-6$gt100"_s,
            u"Observation?code-value-quantity=8867-4$72,8310-5$37.5"_s,
            u"Patient?_sort=-birthdate"_s,
        };
        QList<QStringList> before;
        for (const QString &query : queries)
            before.append(ids(get(u'/' + query)));
        m_server.reset();
        const qint64 rows = count("SELECT COUNT(*) FROM idx_token");
        QVERIFY(rows > 0);
        QVERIFY(indexTablesAsSchema4());
        QCOMPARE(count("SELECT COUNT(*) FROM sqlite_schema WHERE name LIKE 'idx_%_pk'"), 8);

        open();
        QCOMPARE(*m_server->store().userVersion(), fhir::server::Store::SchemaVersion);
        for (qsizetype i = 0; i < queries.size(); ++i)
            QCOMPARE(ids(get(u'/' + queries[i])), before[i]);
        m_server.reset();
        QCOMPARE(count("SELECT COUNT(*) FROM idx_token"), rows); // kept, not indexed again
        QCOMPARE(count("SELECT COUNT(*) FROM sqlite_schema WHERE name LIKE 'idx_%_pk'"), 0);
        QCOMPARE(count("SELECT COUNT(*) FROM sqlite_schema WHERE name LIKE 'idx_%'"
                       " AND type = 'table' AND sql LIKE '%WITHOUT ROWID'"),
                 8);
        QCOMPARE(count("SELECT COUNT(*) FROM index_pending"), 0);

        // A resource whose rows came from schema 4 is written again: its rows are replaced.
        open();
        const Json p1 = get(u"/Patient/p1"_s);
        Json changed = p1;
        changed["gender"] = "female";
        QCOMPARE(call("PUT", u"/Patient/p1"_s, QByteArray::fromStdString(changed.dump())).status,
                 200);
        QCOMPARE(ids(get(u"/Patient?gender=male"_s)), QStringList{u"p3"_s});
        QCOMPARE(ids(get(u"/Patient?gender=female"_s)), (QStringList{u"p1"_s, u"p2"_s}));
        QCOMPARE(ids(get(u"/Patient?name=chal"_s)), QStringList{u"p1"_s});
    }
};

QTEST_GUILESS_MAIN(TestSearch)
#include "tst_search.moc"
