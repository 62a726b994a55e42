#include "app/commandline.h"

#include <QTest>

using namespace fhir::app;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(fhir::app::Invocation::Mode)

class TestCommandLine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<Invocation::Mode>("mode");
        QTest::addColumn<QStringList>("rest");
        QTest::newRow("nothing opens the window")
            << QStringList{} << Invocation::Mode::Gui << QStringList{};
        QTest::newRow("--help") << QStringList{u"--help"_s} << Invocation::Mode::Help
                                << QStringList{};
        QTest::newRow("-h") << QStringList{u"-h"_s} << Invocation::Mode::Help << QStringList{};
        QTest::newRow("--version")
            << QStringList{u"--version"_s} << Invocation::Mode::Version << QStringList{};
        QTest::newRow("schema") << QStringList{u"schema"_s, u"Patient.name"_s}
                                << Invocation::Mode::Schema << QStringList{u"Patient.name"_s};
        QTest::newRow("schema without path")
            << QStringList{u"schema"_s} << Invocation::Mode::Invalid << QStringList{};
        QTest::newRow("schema with two paths")
            << QStringList{u"schema"_s, u"a"_s, u"b"_s} << Invocation::Mode::Invalid
            << QStringList{u"a"_s, u"b"_s};
        QTest::newRow("fhirpath") << QStringList{u"fhirpath"_s, u"Patient.name.given"_s,
                                                 u"patient.json"_s}
                                  << Invocation::Mode::FhirPath
                                  << QStringList{u"Patient.name.given"_s, u"patient.json"_s};
        QTest::newRow("fhirpath --json")
            << QStringList{u"fhirpath"_s, u"--json"_s, u"name"_s, u"-"_s}
            << Invocation::Mode::FhirPath << QStringList{u"name"_s, u"-"_s};
        QTest::newRow("fhirpath without file")
            << QStringList{u"fhirpath"_s, u"name"_s} << Invocation::Mode::Invalid
            << QStringList{u"name"_s};
        QTest::newRow("unknown") << QStringList{u"frobnicate"_s} << Invocation::Mode::Invalid
                                 << QStringList{};
        QTest::newRow("serve") << QStringList{u"serve"_s} << Invocation::Mode::Serve
                               << QStringList{};
        QTest::newRow("serve with a stray word")
            << QStringList{u"serve"_s, u"now"_s} << Invocation::Mode::Invalid << QStringList{};
        QTest::newRow("import") << QStringList{u"import"_s, u"a.json"_s, u"b.ndjson"_s}
                                << Invocation::Mode::Import
                                << QStringList{u"a.json"_s, u"b.ndjson"_s};
        QTest::newRow("import without files")
            << QStringList{u"import"_s} << Invocation::Mode::Invalid << QStringList{};
        QTest::newRow("import --port") << QStringList{u"import"_s, u"--port"_s, u"1"_s, u"a.json"_s}
                                       << Invocation::Mode::Invalid << QStringList{};
    }
    void parse()
    {
        QFETCH(QStringList, arguments);
        QFETCH(Invocation::Mode, mode);
        QFETCH(QStringList, rest);
        const Invocation invocation = parseCommandLine(arguments);
        QCOMPARE(invocation.mode, mode);
        QCOMPARE(invocation.arguments, rest);
        QCOMPARE(invocation.error.isEmpty(), mode != Invocation::Mode::Invalid);
        QCOMPARE(invocation.json, arguments.contains(u"--json"_s));
    }

    void serveOptions_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("data");
        QTest::addColumn<bool>("noAuth");
        QTest::addColumn<int>("seed");
        QTest::addColumn<bool>("newKey");
        QTest::newRow("defaults") << QStringList{} << true << 0 << QString() << false << 0 << false;
        QTest::newRow("everything")
            << QStringList{u"--port"_s,          u"8080"_s, u"--data"_s,   u"/tmp/x"_s,
                           u"--seed-patients"_s, u"25"_s,   u"--new-key"_s}
            << true << 8080 << u"/tmp/x"_s << false << 25 << true;
        QTest::newRow("option=value")
            << QStringList{u"--port=0"_s, u"--data=d"_s, u"--seed-patients=3"_s} << true << 0
            << u"d"_s << false << 3 << false;
        QTest::newRow("--no-auth")
            << QStringList{u"--no-auth"_s} << true << 0 << QString() << true << 0 << false;
        QTest::newRow("port too large") << QStringList{u"--port"_s, u"65536"_s} << false << 0
                                        << QString() << false << 0 << false;
        QTest::newRow("port not a number") << QStringList{u"--port"_s, u"http"_s} << false << 0
                                           << QString() << false << 0 << false;
        QTest::newRow("port missing")
            << QStringList{u"--port"_s} << false << 0 << QString() << false << 0 << false;
        QTest::newRow("negative seed") << QStringList{u"--seed-patients"_s, u"-1"_s} << false << 0
                                       << QString() << false << 0 << false;
        QTest::newRow("data missing")
            << QStringList{u"--data"_s} << false << 0 << QString() << false << 0 << false;
        QTest::newRow("unknown option")
            << QStringList{u"--verbose"_s} << false << 0 << QString() << false << 0 << false;
        QTest::newRow("--new-key with --no-auth") << QStringList{u"--no-auth"_s, u"--new-key"_s}
                                                  << false << 0 << QString() << true << 0 << true;
    }
    void serveOptions()
    {
        QFETCH(QStringList, arguments);
        QFETCH(bool, valid);
        const Invocation invocation = parseCommandLine(QStringList{u"serve"_s} + arguments);
        QCOMPARE(invocation.mode, valid ? Invocation::Mode::Serve : Invocation::Mode::Invalid);
        QCOMPARE(invocation.error.isEmpty(), valid);
        if (!valid)
            return;
        QTEST(int(invocation.port), "port");
        QTEST(invocation.dataFolder, "data");
        QTEST(invocation.noAuth, "noAuth");
        QTEST(invocation.seedPatients, "seed");
        QTEST(invocation.newKey, "newKey");
    }

    // Origins as browsers send them (RFC 6454 §6.1); a wildcard or a URL with a path is not one.
    void corsOrigins_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QStringList>("origins"); // empty: refused
        QTest::newRow("one") << QStringList{u"--cors-origin"_s, u"http://localhost:3000"_s}
                             << QStringList{u"http://localhost:3000"_s};
        QTest::newRow("two, lower-cased")
            << QStringList{u"--cors-origin=HTTPS://App.Example"_s, u"--cors-origin"_s,
                           u"http://127.0.0.1:8080/"_s}
            << QStringList{u"https://app.example"_s, u"http://127.0.0.1:8080"_s};
        QTest::newRow("wildcard") << QStringList{u"--cors-origin"_s, u"*"_s} << QStringList{};
        QTest::newRow("path") << QStringList{u"--cors-origin"_s, u"http://a.example/app"_s}
                              << QStringList{};
        QTest::newRow("no scheme")
            << QStringList{u"--cors-origin"_s, u"localhost:3000"_s} << QStringList{};
        QTest::newRow("file scheme")
            << QStringList{u"--cors-origin"_s, u"file:///tmp"_s} << QStringList{};
        QTest::newRow("missing") << QStringList{u"--cors-origin"_s} << QStringList{};
    }
    void corsOrigins()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QStringList, origins);
        const Invocation invocation = parseCommandLine(QStringList{u"serve"_s} + arguments);
        QCOMPARE(invocation.mode,
                 origins.isEmpty() ? Invocation::Mode::Invalid : Invocation::Mode::Serve);
        if (origins.isEmpty())
            QVERIFY(invocation.error.contains(u"--cors-origin"_s));
        else
            QCOMPARE(invocation.corsOrigins, origins);
    }

    void oauthOptions_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<bool>("valid");
        QTest::newRow("--oauth") << QStringList{u"--oauth"_s} << true;
        QTest::newRow("--oauth-only") << QStringList{u"--oauth-only"_s} << true;
        QTest::newRow("provider") << QStringList{u"--oidc-issuer"_s, u"https://login.example.org"_s,
                                                 u"--oidc-scope-claim=scp"_s, u"--oidc-audience"_s,
                                                 u"api://fhir"_s}
                                  << true;
        QTest::newRow("provider needs a URL")
            << QStringList{u"--oidc-issuer"_s, u"login.example.org"_s} << false;
        QTest::newRow("scope claim is scope or scp")
            << QStringList{u"--oidc-issuer"_s, u"https://l.example"_s, u"--oidc-scope-claim"_s,
                           u"roles"_s}
            << false;
        QTest::newRow("audience without issuer")
            << QStringList{u"--oidc-audience"_s, u"x"_s} << false;
        QTest::newRow("--no-auth with --oauth")
            << QStringList{u"--no-auth"_s, u"--oauth"_s} << false;
        QTest::newRow("--new-key with --oauth-only")
            << QStringList{u"--oauth-only"_s, u"--new-key"_s} << false;
    }
    void oauthOptions()
    {
        QFETCH(QStringList, arguments);
        QFETCH(bool, valid);
        const Invocation invocation = parseCommandLine(QStringList{u"serve"_s} + arguments);
        QCOMPARE(invocation.mode, valid ? Invocation::Mode::Serve : Invocation::Mode::Invalid);
        QCOMPARE(invocation.error.isEmpty(), valid);
        if (!valid)
            return;
        QCOMPARE(invocation.oauth, arguments.join(u' ').contains(u"--oauth"_s));
        QCOMPARE(invocation.oauthOnly, arguments.contains(u"--oauth-only"_s));
        if (arguments.contains(u"--oidc-issuer"_s)) {
            QCOMPARE(invocation.oidcIssuer, u"https://login.example.org"_s);
            QCOMPARE(invocation.oidcScopeClaim, u"scp"_s);
            QCOMPARE(invocation.oidcAudience, u"api://fhir"_s);
        }
    }

    void authCommands_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<bool>("valid");
        QTest::newRow("add-user") << QStringList{u"add-user"_s, u"alice"_s} << true;
        QTest::newRow("add-user --patient")
            << QStringList{u"add-user"_s, u"alice"_s, u"--patient"_s, u"p1"_s} << true;
        QTest::newRow("add-user twice linked")
            << QStringList{u"add-user"_s,       u"a"_s, u"--patient"_s, u"p1"_s,
                           u"--practitioner"_s, u"x"_s}
            << false;
        QTest::newRow("add-user without a name") << QStringList{u"add-user"_s} << false;
        QTest::newRow("add-client")
            << QStringList{u"add-client"_s,          u"App"_s,      u"--redirect-uri"_s,
                           u"http://127.0.0.1/cb"_s, u"--scopes"_s, u"patient/*.rs"_s}
            << true;
        QTest::newRow("add-client without scopes")
            << QStringList{u"add-client"_s, u"App"_s, u"--redirect-uri"_s, u"http://127.0.0.1/cb"_s}
            << false;
        QTest::newRow("add-client without redirect")
            << QStringList{u"add-client"_s, u"App"_s, u"--scopes"_s, u"patient/*.rs"_s} << false;
        QTest::newRow("backend service")
            << QStringList{u"add-client"_s, u"B"_s, u"--client-credentials"_s, u"--scopes"_s,
                           u"system/*.rs"_s}
            << true;
        QTest::newRow("public backend")
            << QStringList{u"add-client"_s,           u"B"_s,        u"--public"_s,
                           u"--client-credentials"_s, u"--scopes"_s, u"system/*.rs"_s}
            << false;
        QTest::newRow("list") << QStringList{u"list"_s, u"--data"_s, u"/tmp/x"_s} << true;
        QTest::newRow("list with a name") << QStringList{u"list"_s, u"alice"_s} << false;
        QTest::newRow("unknown action") << QStringList{u"frobnicate"_s} << false;
        QTest::newRow("nothing") << QStringList{} << false;
    }
    void authCommands()
    {
        QFETCH(QStringList, arguments);
        QFETCH(bool, valid);
        const Invocation invocation = parseCommandLine(QStringList{u"auth"_s} + arguments);
        QCOMPARE(invocation.mode, valid ? Invocation::Mode::Auth : Invocation::Mode::Invalid);
        QCOMPARE(invocation.error.isEmpty(), valid);
        if (valid && arguments.contains(u"--patient"_s))
            QCOMPARE(invocation.fhirUser, u"Patient/p1"_s);
        if (valid && arguments.contains(u"--client-credentials"_s))
            QVERIFY(invocation.confidential);
    }

    void usageNamesEveryCommand()
    {
        const QString usage = usageText();
        for (const char *word :
             {"schema PATH", "fhirpath EXPR FILE [--json]", "--version", "--help",
              "serve [--port N] [--data DIR] [--no-auth] [--seed-patients N] [--new-key]",
              "[--cors-origin ORIGIN]...", "import FILE... [--data DIR]", "--oauth", "--oauth-only",
              "--oidc-issuer URL", "auth add-user NAME", "auth add-client NAME",
              "auth remove-user NAME | remove-client ID | list"})
            QVERIFY2(usage.contains(QLatin1String(word)), word);
    }
};

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"
