#include "commandline.h"

#include <QUrl>

namespace fhir::app {

namespace {

/// The value of an option given as `--name VALUE` or `--name=VALUE` at `arguments[*i]`, which
/// starts with `--name`; advances `*i` past it. Null when the value is missing.
QString optionValue(const QStringList &arguments, qsizetype *i, const QString &name)
{
    const QString &argument = arguments.at(*i);
    if (argument.size() > name.size() && argument.at(name.size()) == QLatin1Char('='))
        return argument.mid(name.size() + 1);
    if (*i + 1 >= arguments.size())
        return {};
    return arguments.at(++*i);
}

bool isOption(const QString &argument, const QString &name)
{
    return argument == name || argument.startsWith(name + QLatin1Char('='));
}

bool isHttpUrl(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    return url.isValid() && !url.host().isEmpty()
        && (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https"));
}

/// An origin as a browser writes it in the Origin header (RFC 6454 §6.1: scheme "://" host
/// [":" port], lower case), or empty when `text` is not one. A wildcard is refused: the
/// server's writes would be open to every web page the user visits.
QString corsOrigin(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
        || url.host().isEmpty() || !url.userInfo().isEmpty() || url.hasQuery() || url.hasFragment()
        || (!url.path().isEmpty() && url.path() != QLatin1String("/")))
        return {};
    QString origin = scheme + QLatin1String("://") + url.host(QUrl::FullyEncoded).toLower();
    if (url.port() != -1)
        origin += QLatin1Char(':') + QString::number(url.port());
    return origin;
}

/// Reads the options of `serve` and `import` into `out`; false with `out.error` set on a
/// mistake. Arguments that are not options go to `out.arguments`.
bool parseOptions(const QStringList &arguments, Invocation &out, bool serve)
{
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        const QString command = serve ? QStringLiteral("serve") : QStringLiteral("import");
        if (isOption(argument, QStringLiteral("--data"))) {
            out.dataFolder = optionValue(arguments, &i, QStringLiteral("--data"));
            if (out.dataFolder.isEmpty()) {
                out.error = QStringLiteral("--data needs a folder");
                return false;
            }
        } else if (serve && isOption(argument, QStringLiteral("--port"))) {
            bool ok = false;
            const uint port = optionValue(arguments, &i, QStringLiteral("--port")).toUInt(&ok);
            if (!ok || port > 65535) {
                out.error = QStringLiteral("--port needs a number from 0 to 65535 (0 picks a free "
                                           "port)");
                return false;
            }
            out.port = quint16(port);
        } else if (serve && isOption(argument, QStringLiteral("--seed-patients"))) {
            bool ok = false;
            const int count
                = optionValue(arguments, &i, QStringLiteral("--seed-patients")).toInt(&ok);
            if (!ok || count < 0 || count > 1000000) {
                out.error = QStringLiteral("--seed-patients needs a number from 0 to 1000000");
                return false;
            }
            out.seedPatients = count;
        } else if (serve && isOption(argument, QStringLiteral("--cors-origin"))) {
            const QString origin
                = corsOrigin(optionValue(arguments, &i, QStringLiteral("--cors-origin")));
            if (origin.isEmpty()) {
                out.error = QStringLiteral(
                    "--cors-origin needs an origin such as http://localhost:3000 (scheme, host "
                    "and port only; * is not allowed)");
                return false;
            }
            out.corsOrigins.append(origin);
        } else if (serve && argument == QLatin1String("--no-auth")) {
            out.noAuth = true;
        } else if (serve && argument == QLatin1String("--oauth")) {
            out.oauth = true;
        } else if (serve && argument == QLatin1String("--oauth-only")) {
            out.oauth = out.oauthOnly = true;
        } else if (serve && isOption(argument, QStringLiteral("--oidc-issuer"))) {
            out.oidcIssuer = optionValue(arguments, &i, QStringLiteral("--oidc-issuer"));
            if (!isHttpUrl(out.oidcIssuer)) {
                out.error = QStringLiteral("--oidc-issuer needs the provider's issuer URL, "
                                           "e.g. https://login.example.org");
                return false;
            }
        } else if (serve && isOption(argument, QStringLiteral("--oidc-audience"))) {
            out.oidcAudience = optionValue(arguments, &i, QStringLiteral("--oidc-audience"));
            if (out.oidcAudience.isEmpty()) {
                out.error = QStringLiteral("--oidc-audience needs the aud the tokens name");
                return false;
            }
        } else if (serve && isOption(argument, QStringLiteral("--oidc-scope-claim"))) {
            out.oidcScopeClaim = optionValue(arguments, &i, QStringLiteral("--oidc-scope-claim"));
            if (out.oidcScopeClaim != QLatin1String("scope")
                && out.oidcScopeClaim != QLatin1String("scp")) {
                out.error = QStringLiteral("--oidc-scope-claim is scope or scp");
                return false;
            }
        } else if (serve && isOption(argument, QStringLiteral("--oidc-jwks"))) {
            out.oidcJwks = optionValue(arguments, &i, QStringLiteral("--oidc-jwks"));
            if (!isHttpUrl(out.oidcJwks)) {
                out.error = QStringLiteral("--oidc-jwks needs the URL of the provider's JWKS");
                return false;
            }
        } else if (serve && argument == QLatin1String("--new-key")) {
            out.newKey = true;
        } else if (argument.startsWith(QLatin1String("--"))) {
            out.error = QStringLiteral("%1 does not know the option %2").arg(command, argument);
            return false;
        } else if (serve) {
            out.error = QStringLiteral("serve takes no file or name: \"%1\"").arg(argument);
            return false;
        } else {
            out.arguments.append(argument);
        }
    }
    if (out.noAuth && out.newKey) {
        out.error = QStringLiteral("--new-key makes no sense with --no-auth");
        return false;
    }
    if (out.noAuth && (out.oauth || !out.oidcIssuer.isEmpty())) {
        out.error = QStringLiteral("--no-auth cannot be combined with --oauth, --oauth-only or "
                                   "--oidc-issuer");
        return false;
    }
    if (out.oauthOnly && out.newKey) {
        out.error = QStringLiteral("--new-key makes no sense with --oauth-only (no API keys)");
        return false;
    }
    if (out.oidcIssuer.isEmpty()
        && (!out.oidcAudience.isEmpty() || !out.oidcJwks.isEmpty()
            || out.oidcScopeClaim != QLatin1String("scope"))) {
        out.error = QStringLiteral("--oidc-audience, --oidc-scope-claim and --oidc-jwks need "
                                   "--oidc-issuer");
        return false;
    }
    return true;
}

/// `auth ACTION ...`: false with `out.error` set on a mistake.
bool parseAuth(const QStringList &arguments, Invocation &out)
{
    static const QStringList actions
        = {QStringLiteral("add-user"), QStringLiteral("add-client"), QStringLiteral("remove-user"),
           QStringLiteral("remove-client"), QStringLiteral("list")};
    if (arguments.isEmpty() || !actions.contains(arguments.first())) {
        out.error = QStringLiteral("auth takes one of: %1").arg(actions.join(QStringLiteral(", ")));
        return false;
    }
    out.authAction = arguments.first();
    const bool addUser = out.authAction == QLatin1String("add-user");
    const bool addClient = out.authAction == QLatin1String("add-client");
    bool isPublic = false;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        if (isOption(argument, QStringLiteral("--data"))) {
            out.dataFolder = optionValue(arguments, &i, QStringLiteral("--data"));
            if (out.dataFolder.isEmpty()) {
                out.error = QStringLiteral("--data needs a folder");
                return false;
            }
        } else if (addUser
                   && (isOption(argument, QStringLiteral("--patient"))
                       || isOption(argument, QStringLiteral("--practitioner")))) {
            const bool patient = argument.startsWith(QLatin1String("--patient"));
            const QString id = optionValue(arguments, &i,
                                           patient ? QStringLiteral("--patient")
                                                   : QStringLiteral("--practitioner"));
            if (id.isEmpty() || !out.fhirUser.isEmpty()) {
                out.error = QStringLiteral("add-user takes one --patient ID or --practitioner ID");
                return false;
            }
            out.fhirUser
                = (patient ? QStringLiteral("Patient/") : QStringLiteral("Practitioner/")) + id;
        } else if (addClient && isOption(argument, QStringLiteral("--redirect-uri"))) {
            const QString uri = optionValue(arguments, &i, QStringLiteral("--redirect-uri"));
            if (uri.isEmpty()) {
                out.error = QStringLiteral("--redirect-uri needs a URI");
                return false;
            }
            out.redirectUris.append(uri);
        } else if (addClient && isOption(argument, QStringLiteral("--scopes"))) {
            out.scopes = optionValue(arguments, &i, QStringLiteral("--scopes")).simplified();
        } else if (addClient && argument == QLatin1String("--public")) {
            isPublic = true;
        } else if (addClient && argument == QLatin1String("--confidential")) {
            out.confidential = true;
        } else if (addClient && argument == QLatin1String("--client-credentials")) {
            out.clientCredentials = true;
        } else if (argument.startsWith(QLatin1String("--"))) {
            out.error = QStringLiteral("auth %1 does not know the option %2")
                            .arg(out.authAction, argument);
            return false;
        } else {
            out.arguments.append(argument);
        }
    }
    if (isPublic && out.confidential) {
        out.error = QStringLiteral("an application is --public or --confidential, not both");
        return false;
    }
    if (out.clientCredentials)
        out.confidential = true; // RFC 6749 §4.4: only a confidential client
    if (isPublic && out.clientCredentials) {
        out.error = QStringLiteral("--client-credentials needs a confidential application");
        return false;
    }
    const bool named = out.authAction != QLatin1String("list");
    if (named && out.arguments.size() != 1) {
        out.error = QStringLiteral("auth %1 takes one name, for example: %2")
                        .arg(out.authAction,
                             addClient     ? QStringLiteral("auth add-client \"My app\" "
                                                                "--redirect-uri http://127.0.0.1/callback "
                                                                "--scopes \"patient/*.rs openid "
                                                                "fhirUser launch/patient\"")
                                 : addUser ? QStringLiteral("auth add-user alice --patient 123")
                                 : out.authAction == QLatin1String("remove-client")
                                 ? QStringLiteral("auth remove-client fpc_0123456789abcdef")
                                 : QStringLiteral("auth remove-user alice"));
        return false;
    }
    if (!named && !out.arguments.isEmpty()) {
        out.error = QStringLiteral("auth list takes no name");
        return false;
    }
    if (addClient
        && (out.scopes.isEmpty() || (out.redirectUris.isEmpty() && !out.clientCredentials))) {
        out.error = QStringLiteral("add-client needs --scopes \"...\" and at least one "
                                   "--redirect-uri (or --client-credentials for a backend "
                                   "service)");
        return false;
    }
    return true;
}

} // namespace

Invocation parseCommandLine(const QStringList &arguments)
{
    Invocation out;
    if (arguments.isEmpty())
        return out;
    const QString &first = arguments.first();
    if (first == QLatin1String("--help") || first == QLatin1String("-h")
        || first == QLatin1String("help")) {
        out.mode = Invocation::Mode::Help;
    } else if (first == QLatin1String("--version")) {
        out.mode = Invocation::Mode::Version;
    } else if (first == QLatin1String("schema")) {
        out.mode = Invocation::Mode::Schema;
        out.arguments = arguments.mid(1);
        if (out.arguments.size() != 1) {
            out.mode = Invocation::Mode::Invalid;
            out.error = QStringLiteral("schema takes one path, for example: schema Patient.name");
        }
    } else if (first == QLatin1String("fhirpath")) {
        out.mode = Invocation::Mode::FhirPath;
        for (const QString &argument : arguments.mid(1)) {
            if (argument == QLatin1String("--json"))
                out.json = true;
            else
                out.arguments.append(argument);
        }
        if (out.arguments.size() != 2) {
            out.mode = Invocation::Mode::Invalid;
            out.error = QStringLiteral("fhirpath takes an expression and a JSON file, for "
                                       "example: fhirpath 'Patient.name.given' patient.json");
        }
    } else if (first == QLatin1String("serve")) {
        out.mode = parseOptions(arguments.mid(1), out, true) ? Invocation::Mode::Serve
                                                             : Invocation::Mode::Invalid;
    } else if (first == QLatin1String("auth")) {
        out.mode
            = parseAuth(arguments.mid(1), out) ? Invocation::Mode::Auth : Invocation::Mode::Invalid;
    } else if (first == QLatin1String("import")) {
        out.mode = parseOptions(arguments.mid(1), out, false) ? Invocation::Mode::Import
                                                              : Invocation::Mode::Invalid;
        if (out.mode == Invocation::Mode::Import && out.arguments.isEmpty()) {
            out.mode = Invocation::Mode::Invalid;
            out.error = QStringLiteral("import takes one or more files, for example: "
                                       "import bundle.json patients.ndjson");
        }
    } else {
        out.mode = Invocation::Mode::Invalid;
        out.error = QStringLiteral("unknown command \"%1\"").arg(first);
    }
    return out;
}

QString usageText()
{
    return QStringLiteral(
        "Usage: fhir-portal [COMMAND]\n"
        "\n"
        "Without a command, opens the FHIR Portal window.\n"
        "\n"
        "Commands:\n"
        "  schema PATH   show a FHIR R4 element and its children, e.g. `schema Patient`,\n"
        "                `schema Patient.name`, `schema Observation.value[x]`\n"
        "  fhirpath EXPR FILE [--json]\n"
        "                evaluate a FHIRPath expression over a JSON resource (FILE, or - for\n"
        "                standard input) and print the result, one item a line; with --json,\n"
        "                one JSON array of {\"type\", \"value\"} items\n"
        "  serve [--port N] [--data DIR] [--no-auth] [--seed-patients N] [--new-key]\n"
        "        [--cors-origin ORIGIN]...\n"
        "                run the embedded FHIR server without a window, on 127.0.0.1:N\n"
        "                (default: a free port), with its data in DIR (default: the\n"
        "                \"serve\" deployment in the app's data folder). On the first start\n"
        "                it makes an API key and prints it once; later starts list the\n"
        "                keys' hints, and --new-key makes another. Requests need the key\n"
        "                in an x-api-key header unless --no-auth. --seed-patients N loads N\n"
        "                synthetic patients first when the store is empty. One line per\n"
        "                request on standard output; Ctrl+C stops it cleanly. Web pages\n"
        "                may call it cross-origin only from its own origin and each\n"
        "                --cors-origin (e.g. http://localhost:3000).\n"
        "        [--oauth | --oauth-only] [--oidc-issuer URL [--oidc-audience AUD]\n"
        "        [--oidc-scope-claim scope|scp] [--oidc-jwks URL]]\n"
        "                --oauth turns on the OAuth 2.0 / SMART authorization server\n"
        "                beside API keys, --oauth-only without them; it prints the\n"
        "                discovery URL. --oidc-issuer also takes the access tokens of an\n"
        "                external OpenID provider (aud: the FHIR base URL unless\n"
        "                --oidc-audience; scopes in the scope claim unless scp).\n"
        "  auth add-user NAME [--patient ID | --practitioner ID] [--data DIR]\n"
        "                add a user of the authorization server; the password is read\n"
        "                from standard input. --patient links the user to a Patient,\n"
        "                who then sees only that patient's records\n"
        "  auth add-client NAME --scopes \"...\" --redirect-uri URI...\n"
        "        [--public | --confidential] [--client-credentials] [--data DIR]\n"
        "                register an application and print its client id (and, for a\n"
        "                confidential one, its secret, only this once). Loopback redirect\n"
        "                URIs (http://127.0.0.1/...) match any port\n"
        "  auth remove-user NAME | remove-client ID | list [--data DIR]\n"
        "  import FILE... [--data DIR]\n"
        "                load FHIR JSON files (a resource, a Bundle or NDJSON) into the\n"
        "                store in DIR (default as for serve); a transaction Bundle loads\n"
        "                whole or not at all. Prints each file's result and every entry\n"
        "                or line not loaded; exits with 1 unless everything loaded\n"
        "  --version     print the version and the FHIR definitions in use\n"
        "  --help        print this text\n");
}

} // namespace fhir::app
