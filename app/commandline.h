#pragma once

#include <QString>
#include <QStringList>

namespace fhir::app {

/// What the user asked of the `fhir-portal` executable.
struct Invocation
{
    enum class Mode {
        Gui, ///< no arguments: the desktop app
        Schema, ///< `schema PATH`: an element and its children, from the FHIR model
        FhirPath, ///< `fhirpath EXPR FILE [--json]`: evaluate FHIRPath over a JSON file
        Serve, ///< `serve [--port N] [--data DIR] [--no-auth] [--seed-patients N] [--new-key]
               ///< [--cors-origin ORIGIN]...`
        Import, ///< `import FILE... [--data DIR]`: load files into a deployment's store
        /// `auth add-user|add-client|remove-user|remove-client|list ... [--data DIR]`: the
        /// users and applications of a deployment's authorization server
        Auth,
        Help, ///< `--help`
        Version, ///< `--version`
        Invalid ///< anything else; `error` says why
    };
    Mode mode = Mode::Gui;
    QStringList arguments;
    bool json = false; ///< `--json`: machine-readable output
    quint16 port = 0; ///< `serve --port N`; 0 picks a free port
    QString dataFolder; ///< `--data DIR`; empty means the default folder
    bool noAuth = false; ///< `serve --no-auth`: the owner chose to serve without API keys
    int seedPatients = 0; ///< `serve --seed-patients N`
    bool newKey = false; ///< `serve --new-key`: mint an API key even when some exist
    /// `serve --cors-origin ORIGIN`, repeatable: web apps allowed cross-origin requests
    /// (scheme://host[:port], as browsers send it in Origin)
    QStringList corsOrigins;
    bool oauth = false; ///< `serve --oauth` (beside API keys) or `--oauth-only` (without)
    bool oauthOnly = false;
    /// `serve --oidc-issuer URL [--oidc-audience AUD] [--oidc-scope-claim scope|scp]
    /// [--oidc-jwks URL]`: also take the access tokens of this OpenID provider
    QString oidcIssuer;
    QString oidcAudience;
    QString oidcScopeClaim = QStringLiteral("scope");
    QString oidcJwks;
    /// `auth ACTION`: add-user, add-client, remove-user, remove-client, list; `arguments`
    /// holds its name (a username, an application's name, a client id)
    QString authAction;
    QString fhirUser; ///< `add-user --patient ID` ("Patient/ID") or `--practitioner ID`
    QStringList redirectUris; ///< `add-client --redirect-uri URI`, repeatable
    QString scopes; ///< `add-client --scopes "..."`
    bool confidential = false; ///< `add-client --confidential` (default: --public)
    bool clientCredentials = false; ///< `add-client --client-credentials` (backend service)
    QString error;
};

/// Parses the arguments after the program name.
Invocation parseCommandLine(const QStringList &arguments);

/// The text `--help` prints.
QString usageText();

} // namespace fhir::app
