// cURL export and import: what the user copies must run as the request the app sends, and a
// pasted command must come back as the same request.

#include "app/curlcommand.h"
#include "app/fhirclient.h"
#include "app/jsonlocation.h"
#include "app/wirerequest.h"

#include <QProcess>
#include <QTest>

using namespace fhir;
using namespace fhir::app;
using namespace Qt::StringLiterals;

using Query = QList<QPair<QString, QString>>;
using Headers = QList<QPair<QByteArray, QByteArray>>;

Q_DECLARE_METATYPE(fhir::app::SecretMode)

namespace {

Endpoint endpoint(const QByteArray &key = {})
{
    Endpoint e;
    e.deploymentId = u"test"_s;
    e.name = u"Test"_s;
    e.baseUrl = QUrl(u"http://127.0.0.1:8080/fhir/r4"_s);
    e.apiKey = key;
    return e;
}

ApiRequest request(const QByteArray &method, const QString &path, const Query &query = {},
                   const QByteArray &body = {}, const Headers &headers = {})
{
    ApiRequest r;
    r.method = method;
    r.path = path;
    r.query = query;
    r.body = body;
    r.headers = headers;
    return r;
}

} // namespace

class TestCurlCommand : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void url_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<Query>("query");
        QTest::addColumn<QString>("expected");
        const QString base = u"http://127.0.0.1:8080/fhir/r4"_s;
        QTest::newRow("type") << u"Patient"_s << Query{} << base + u"/Patient"_s;
        QTest::newRow("system level") << u""_s << Query{} << base;
        QTest::newRow("operation keeps $")
            << u"Patient/$validate"_s << Query{} << base + u"/Patient/$validate"_s;
        QTest::newRow("space and plus") << u"Patient"_s << Query{{u"name"_s, u"John Smith+Jr"_s}}
                                        << base + u"/Patient?name=John%20Smith%2BJr"_s;
        // search.html#escaping: ',' separates OR'd values, ':' introduces a modifier.
        QTest::newRow("modifier and or")
            << u"Patient"_s << Query{{u"gender:not"_s, u"male,female"_s}}
            << base + u"/Patient?gender:not=male,female"_s;
        QTest::newRow("token pipe and ampersand")
            << u"Observation"_s
            << Query{{u"code"_s, u"http://loinc.org|8867-4"_s}, {u"note"_s, u"a&b=c"_s}}
            << base + u"/Observation?code=http://loinc.org%7C8867-4&note=a%26b%3Dc"_s;
        QTest::newRow("repeated names kept")
            << u"Observation"_s << Query{{u"date"_s, u"ge2020"_s}, {u"date"_s, u"lt2021"_s}}
            << base + u"/Observation?date=ge2020&date=lt2021"_s;
        QTest::newRow("id cannot add a segment")
            << u"Patient/a?b"_s << Query{} << base + u"/Patient/a%3Fb"_s;
        QTest::newRow("absolute link kept") << base + u"/Patient?_count=2&_offset=2"_s << Query{}
                                            << base + u"/Patient?_count=2&_offset=2"_s;
    }

    void url()
    {
        QFETCH(QString, path);
        QFETCH(Query, query);
        QFETCH(QString, expected);
        QCOMPARE(requestUrl(request("GET", path, query), endpoint()).toString(QUrl::FullyEncoded),
                 expected);
    }

    void exportCommand_data()
    {
        QTest::addColumn<ApiRequest>("request");
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<SecretMode>("mode");
        QTest::addColumn<QString>("expected");
        QTest::newRow("search") << request("GET", u"Patient"_s, {{u"gender"_s, u"male"_s}})
                                << QByteArray() << SecretMode::Masked
                                << u"curl -i 'http://127.0.0.1:8080/fhir/r4/Patient?gender=male' "
                                   "\\\n  -H 'Accept: application/fhir+json'"_s;
        QTest::newRow("create with a quote in the body")
            << request("POST", u"Patient"_s, {}, "{\"family\": \"O'Brien\"}") << QByteArray()
            << SecretMode::Full
            << u"curl -i -X POST http://127.0.0.1:8080/fhir/r4/Patient \\\n"
               "  -H 'Accept: application/fhir+json' \\\n"
               "  -H 'Content-Type: application/fhir+json' \\\n"
               "  --data-binary '{\"family\": \"O'\\''Brien\"}'"_s;
        QTest::newRow("key masked")
            << request("DELETE", u"Patient/1"_s) << QByteArray("s3cr3t") << SecretMode::Masked
            << u"curl -i -X DELETE http://127.0.0.1:8080/fhir/r4/Patient/1 \\\n"
               "  -H 'Accept: application/fhir+json' \\\n  -H 'x-api-key: ********'"_s;
        QTest::newRow("key from the environment")
            << request("GET", u"metadata"_s) << QByteArray("s3cr3t")
            << SecretMode::EnvironmentVariable
            << u"curl -i http://127.0.0.1:8080/fhir/r4/metadata \\\n"
               "  -H 'Accept: application/fhir+json' \\\n  -H \"x-api-key: $FHIR_API_KEY\""_s;
        QTest::newRow("key in full")
            << request("GET", u"metadata"_s) << QByteArray("s3cr3t") << SecretMode::Full
            << u"curl -i http://127.0.0.1:8080/fhir/r4/metadata \\\n"
               "  -H 'Accept: application/fhir+json' \\\n  -H 'x-api-key: s3cr3t'"_s;
        QTest::newRow("user headers first, bearer from the environment")
            << request("GET", u"Patient/1"_s, {}, {},
                       {{"Authorization", "Bearer abc.def"}, {"Prefer", "return=minimal"}})
            << QByteArray() << SecretMode::EnvironmentVariable
            << u"curl -i http://127.0.0.1:8080/fhir/r4/Patient/1 \\\n"
               "  -H \"Authorization: Bearer $FHIR_ACCESS_TOKEN\" \\\n"
               "  -H 'Prefer: return=minimal' \\\n  -H 'Accept: application/fhir+json'"_s;
    }

    void exportCommand()
    {
        QFETCH(ApiRequest, request);
        QFETCH(QByteArray, key);
        QFETCH(SecretMode, mode);
        QFETCH(QString, expected);
        const QString command = toCurl(request, endpoint(key), mode);
        QCOMPARE(command, expected);
        if (mode != SecretMode::Full && !key.isEmpty())
            QVERIFY(!command.contains(QString::fromLatin1(key)));
    }

    void quotingSurvivesARealShell_data()
    {
        QTest::addColumn<QString>("word");
        QTest::newRow("plain") << u"Patient"_s;
        QTest::newRow("single quote") << u"O'Brien"_s;
        QTest::newRow("two quotes") << u"''"_s;
        QTest::newRow("spaces") << u"  John   Smith "_s;
        QTest::newRow("dollar") << u"$HOME $(id) ${x}"_s;
        QTest::newRow("backslash and backtick") << u"a\\b`c`\\"_s;
        QTest::newRow("newlines") << u"{\n  \"a\": 1\n}\n"_s;
        QTest::newRow("double quotes") << u"\"quoted\""_s;
        QTest::newRow("glob and semicolon") << u"*; rm -rf ~ &"_s;
        QTest::newRow("unicode") << u"Zo\u00eb \u65e5\u672c"_s;
        QTest::newRow("empty") << QString();
    }

    void quotingSurvivesARealShell()
    {
        QFETCH(QString, word);
        QProcess sh;
        sh.start(u"/bin/sh"_s, {u"-c"_s, u"printf '%s' "_s + shellQuoted(word)});
        QVERIFY(sh.waitForFinished(10000));
        QCOMPARE(QString::fromUtf8(sh.readAllStandardOutput()), word);
        QCOMPARE(shellWords(shellQuoted(word)).value(), QStringList{word});
    }

    void importCommand_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<ApiRequest>("expected");
        QTest::newRow("plain URL") << u"http://127.0.0.1:8080/fhir/r4/Patient?gender=male"_s
                                   << request("GET", u"Patient"_s, {{u"gender"_s, u"male"_s}});
        QTest::newRow("method and URL") << u"DELETE http://127.0.0.1:8080/fhir/r4/Patient/7"_s
                                        << request("DELETE", u"Patient/7"_s);
        QTest::newRow("base URL alone")
            << u"http://127.0.0.1:8080/fhir/r4/"_s << request("GET", u""_s);
        QTest::newRow("other server stays absolute")
            << u"curl https://hapi.fhir.org/baseR4/Patient?name=Zo%C3%AB"_s
            << request("GET", u"https://hapi.fhir.org/baseR4/Patient"_s,
                       {{u"name"_s, u"Zo\u00eb"_s}});
        QTest::newRow("long options, double quotes, continuation")
            << u"curl --request PUT \\\n --url \"http://127.0.0.1:8080/fhir/r4/Patient/1\" \\\n"
               " --header \"If-Match: W/\\\"3\\\"\" --data-raw '{\"id\": \"1\"}'"_s
            << request("PUT", u"Patient/1"_s, {}, "{\"id\": \"1\"}", {{"If-Match", "W/\"3\""}});
        QTest::newRow("data implies POST, defaults and key dropped")
            << u"curl -s -H 'Content-Type: application/fhir+json' -H 'x-api-key: s3cr3t' "
               "-H 'Accept: application/fhir+json' -d '{}' "
               "http://127.0.0.1:8080/fhir/r4/Patient"_s
            << request("POST", u"Patient"_s, {}, "{}");
        QTest::newRow("-G moves data to the query")
            << u"curl -G -d 'name=O%27Brien' --data 'gender=male' "
               "http://127.0.0.1:8080/fhir/r4/Patient"_s
            << request("GET", u"Patient"_s, {{u"name"_s, u"O'Brien"_s}, {u"gender"_s, u"male"_s}});
        QTest::newRow("-XPOST glued, form search")
            << u"curl -XPOST -H 'Content-Type: application/x-www-form-urlencoded' -d "
               "'gender=male' http://127.0.0.1:8080/fhir/r4/Patient/_search"_s
            << request("POST", u"Patient/_search"_s, {}, "gender=male",
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
    }

    void importCommand()
    {
        QFETCH(QString, text);
        QFETCH(ApiRequest, expected);
        const Result<ApiRequest> parsed = parseCurl(text, endpoint());
        QVERIFY2(parsed, qPrintable(parsed.error()));
        QCOMPARE(parsed->method, expected.method);
        QCOMPARE(parsed->path, expected.path);
        QCOMPARE(parsed->query, expected.query);
        QCOMPARE(parsed->headers, expected.headers);
        QCOMPARE(parsed->body, expected.body);
    }

    void importErrors_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("error");
        QTest::newRow("empty") << u"  "_s << u"nothing to read"_s;
        QTest::newRow("open quote") << u"curl 'http://x/"_s << u"single quote is not closed"_s;
        QTest::newRow("open double quote")
            << u"curl \"http://x/"_s << u"double quote is not closed"_s;
        QTest::newRow("no URL") << u"curl -X GET"_s << u"no URL"_s;
        QTest::newRow("body from a file")
            << u"curl -d @body.json http://x/"_s << u"reads the body from a file"_s;
        QTest::newRow("unknown option") << u"curl --cert me.pem http://x/"_s << u"--cert"_s;
        QTest::newRow("not http") << u"curl file:///etc/passwd"_s << u"not an http"_s;
        QTest::newRow("prose") << u"please fetch the patients"_s << u"neither"_s;
    }

    void importErrors()
    {
        QFETCH(QString, text);
        QFETCH(QString, error);
        const Result<ApiRequest> parsed = parseCurl(text, endpoint());
        QVERIFY(!parsed);
        QVERIFY2(parsed.error().contains(error), qPrintable(parsed.error()));
    }

    void roundTrip_data()
    {
        QTest::addColumn<ApiRequest>("original");
        QTest::addColumn<SecretMode>("mode");
        QTest::newRow("search") << request("GET", u"Patient"_s,
                                           {{u"name"_s, u"O'Brien $x"_s},
                                            {u"birthdate"_s, u"ge1970-01-01"_s},
                                            {u"_count"_s, u"2"_s}})
                                << SecretMode::Full;
        QTest::newRow("create") << request("POST", u"Patient"_s, {},
                                           "{\n  \"resourceType\": \"Patient\",\n  \"name\": "
                                           "[{\"family\": \"O'Brien\", \"text\": \"$HOME\"}]\n}\n",
                                           {{"Prefer", "return=representation"}})
                                << SecretMode::EnvironmentVariable;
        QTest::newRow("update") << request(
            "PUT", u"Patient/abc-1"_s, {}, "{}",
            {{"If-Match", "W/\"2\""}, {"Accept", "application/json"}})
                                << SecretMode::Masked;
        QTest::newRow("system history")
            << request("GET", u"_history"_s, {{u"_since"_s, u"2020-01-01T00:00:00+01:00"_s}})
            << SecretMode::Full;
        QTest::newRow("operation")
            << request("POST", u"Patient/$validate"_s, {}, "{\"a\":1}") << SecretMode::Full;
    }

    void roundTrip()
    {
        QFETCH(ApiRequest, original);
        QFETCH(SecretMode, mode);
        const Endpoint e = endpoint("s3cr3t");
        const Result<ApiRequest> back = parseCurl(toCurl(original, e, mode), e);
        QVERIFY2(back, qPrintable(back.error()));
        QCOMPARE(*back, original);
    }

    void wireHeadersAddWhatTheEndpointNeeds()
    {
        Endpoint e = endpoint("k");
        e.headers = {{"X-Tenant", "north"}};
        const HeaderList headers = wireHeaders(request("POST", u"Patient"_s, {}, "{}"), e);
        QCOMPARE(headers,
                 (HeaderList{{"Accept", "application/fhir+json"},
                             {"Content-Type", "application/fhir+json"},
                             {"X-Tenant", "north"},
                             {"x-api-key", "k"}}));
        // The endpoint's own headers are not copied into an imported request.
        const auto back = parseCurl(toCurl(request("GET", u"Patient"_s), e, SecretMode::Full), e);
        QVERIFY(back);
        QVERIFY(back->headers.isEmpty());
    }

    void locateElement_data()
    {
        QTest::addColumn<QString>("location");
        QTest::addColumn<QString>("found");
        QTest::addColumn<bool>("exact");
        QTest::newRow("element") << u"Patient.gender"_s << u"\"gender\": \"mal\""_s << true;
        QTest::newRow("array item") << u"Patient.name[1].given[0]"_s << u"\"Ann\""_s << true;
        QTest::newRow("missing child falls back to parent")
            << u"Patient.name[0].family"_s << u"{\"given\": [\"Bo\"]}"_s << false;
        QTest::newRow("unknown element") << u"Patient.colour"_s << u"\"colour\": 3"_s << true;
    }

    void locateElement()
    {
        QFETCH(QString, location);
        QFETCH(QString, found);
        QFETCH(bool, exact);
        const QString json = u"{\"resourceType\": \"Patient\", \"gender\": \"mal\", \"name\": "
                             "[{\"given\": [\"Bo\"]}, {\"given\": [\"Ann\", \"Li\"]}], "
                             "\"colour\": 3}"_s;
        const JsonSpan span = locateJsonPath(json, location);
        QVERIFY(span.isValid());
        QCOMPARE(json.mid(span.start, span.end - span.start), found);
        QCOMPARE(span.exact, exact);
        QVERIFY(!locateJsonPath(u"{\"a\": "_s, u"X.a"_s).isValid());
    }
};

QTEST_GUILESS_MAIN(TestCurlCommand)
#include "tst_curlcommand.moc"
