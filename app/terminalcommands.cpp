#include "terminalcommands.h"

#include "embedded_server/auth/authorizationserver.h"
#include "embedded_server/deployment.h"
#include "embedded_server/fhirserver.h"
#include "embedded_server/fileimporter.h"
#include "embedded_server/store.h"

#include <QCoreApplication>
#include <QDir>
#include <QSocketNotifier>
#include <QStandardPaths>

#include <csignal>
#include <cstdio>

#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace fhir::server;

namespace fhir::app {

namespace {

void print(FILE *stream, const QString &text)
{
    std::fputs(text.toLocal8Bit().constData(), stream);
    std::fflush(stream);
}

/// SIGINT and SIGTERM as a Qt signal: the handler only writes a byte to a socket pair (the
/// one thing a signal handler may safely do), and a QSocketNotifier reads it in the event
/// loop.
class TerminationSignals : public QObject
{
    Q_OBJECT

public:
    TerminationSignals()
    {
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, s_fds) != 0)
            return;
        m_notifier = new QSocketNotifier(s_fds[1], QSocketNotifier::Read, this);
        connect(m_notifier, &QSocketNotifier::activated, this, [this] {
            char signal = 0;
            if (::read(s_fds[1], &signal, 1) == 1)
                Q_EMIT received(int(signal));
        });
        struct sigaction action = {};
        action.sa_handler = &TerminationSignals::handle;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        for (int signal : {SIGINT, SIGTERM})
            ::sigaction(signal, &action, nullptr);
    }
    ~TerminationSignals() override
    {
        for (int signal : {SIGINT, SIGTERM})
            std::signal(signal, SIG_DFL);
        delete m_notifier;
        if (s_fds[0] >= 0) {
            ::close(s_fds[0]);
            ::close(s_fds[1]);
            s_fds[0] = s_fds[1] = -1;
        }
    }

Q_SIGNALS:
    void received(int signal);

private:
    static void handle(int signal)
    {
        const char byte = char(signal);
        [[maybe_unused]] const auto written = ::write(s_fds[0], &byte, 1);
    }

    static inline int s_fds[2] = {-1, -1};
    QSocketNotifier *m_notifier = nullptr;
};

QString utcMinute(const QDateTime &time)
{
    return time.toUTC().toString(u"yyyy-MM-dd hh:mm"_s) + u" UTC"_s;
}

std::optional<ExternalProviderSettings> externalProviderOf(const Invocation &invocation)
{
    if (invocation.oidcIssuer.isEmpty())
        return std::nullopt;
    return ExternalProviderSettings{invocation.oidcIssuer, invocation.oidcAudience,
                                    invocation.oidcScopeClaim, invocation.oidcJwks};
}

/// One `serve` run: seed, start, serve, stop.
class ServeSession : public QObject
{
    Q_OBJECT

public:
    ServeSession(std::shared_ptr<const schema::Model> model, const Invocation &invocation,
                 QString folder)
        : m_invocation(invocation)
        , m_deployment(std::move(model),
                       DeploymentSettings{
                           u"serve"_s, u"fhir-portal serve"_s, std::move(folder), invocation.port,
                           !invocation.noAuth && !invocation.oauthOnly, invocation.corsOrigins,
                           invocation.oauth, externalProviderOf(invocation)})
    {
        connect(&m_signals, &TerminationSignals::received, this, &ServeSession::terminate);
        connect(&m_deployment, &Deployment::statusChanged, this, &ServeSession::statusChanged);
        connect(&m_deployment, &Deployment::requestServed, this,
                [](const QString &line) { print(stdout, line + u'\n'); });
        connect(&m_deployment, &Deployment::progress, this, [](qint64 done, qint64 total) {
            print(stderr, u"\rloading synthetic patients: %1 of %2"_s.arg(done).arg(total));
        });
        connect(&m_deployment, &Deployment::loadFinished, this, &ServeSession::seeded);
    }

    /// Begins; the exit code comes with QCoreApplication::exit().
    void begin(bool hasData)
    {
        if (m_invocation.seedPatients > 0 && !hasData) {
            print(stderr, u"loading %1 synthetic patients...\n"_s.arg(m_invocation.seedPatients));
            m_deployment.loadSynthetic(m_invocation.seedPatients);
            return;
        }
        if (m_invocation.seedPatients > 0)
            print(stderr, u"the store already holds data: not loading synthetic patients\n"_s);
        start();
    }

private:
    void seeded(bool ok, const QString &report)
    {
        print(stderr, u"\n"_s + report + u'\n');
        if (m_terminating) {
            QCoreApplication::exit(0); // nothing runs yet, and the store holds whole records
            return;
        }
        if (!ok) {
            print(stderr, u"fhir-portal serve: the synthetic patients did not load\n"_s);
            QCoreApplication::exit(1);
            return;
        }
        start();
    }

    void start()
    {
        if (m_deployment.settings().requireApiKey) {
            auto keys = m_deployment.apiKeys();
            if (!keys)
                return fail(keys.error());
            m_existingKeys = *keys;
            if (keys->isEmpty() || m_invocation.newKey) {
                auto made = m_deployment.createApiKey(
                    keys->isEmpty() ? u"serve"_s
                                    : u"serve "_s + utcMinute(QDateTime::currentDateTimeUtc()));
                if (!made)
                    return fail(made.error());
                m_newKey = made->secret;
            }
        }
        m_deployment.start();
    }

    void statusChanged(Deployment::Status status)
    {
        switch (status) {
        case Deployment::Status::Running:
            announce();
            if (m_terminating)
                m_deployment.stop();
            break;
        case Deployment::Status::Failed:
            fail(m_deployment.errorString());
            break;
        case Deployment::Status::Stopped:
            print(stderr, u"stopped\n"_s);
            QCoreApplication::exit(0);
            break;
        case Deployment::Status::Starting:
        case Deployment::Status::Stopping:
            break;
        }
    }

    void announce()
    {
        const QString url = m_deployment.baseUrl();
        QString text = u"FHIR R4 server: %1\nData folder: %2\n"_s.arg(
            url, QDir::toNativeSeparators(m_deployment.settings().dataFolder));
        if (m_invocation.noAuth)
            text += u"Authentication: none (--no-auth): every request is accepted\n"_s;
        if (m_invocation.oauth) {
            text += u"OAuth 2.0 / SMART: %1/.well-known/smart-configuration\n"
                    "  users and applications: fhir-portal auth add-user|add-client|list%2\n"_s.arg(
                        url,
                        m_invocation.dataFolder.isEmpty()
                            ? QString()
                            : u" --data "_s + m_deployment.settings().dataFolder);
        }
        if (!m_invocation.oidcIssuer.isEmpty())
            text += u"Access tokens of the OpenID provider %1 are taken too\n"_s.arg(
                m_invocation.oidcIssuer);
        if (m_invocation.oauthOnly)
            text += u"API keys: off (--oauth-only)\n"_s;
        if (!m_invocation.corsOrigins.isEmpty())
            text += u"Cross-origin requests allowed from: %1\n"_s.arg(
                m_invocation.corsOrigins.join(u", "_s));
        if (!m_existingKeys.isEmpty()) {
            text += u"API keys (their secrets were shown when they were made; --new-key makes "
                    "another):\n"_s;
            for (const ApiKeyInfo &key : std::as_const(m_existingKeys)) {
                text += u"  %1... \"%2\", created %3, %4\n"_s.arg(
                    key.hint, key.name, utcMinute(key.created),
                    key.lastUsed ? u"last used "_s + utcMinute(*key.lastUsed) : u"never used"_s);
            }
        }
        if (!m_newKey.isEmpty()) {
            text += u"API key (new, shown only this once): %1\n"
                    "Try: curl -H 'x-api-key: %1' %2/Patient\n"_s.arg(m_newKey, url);
            m_newKey.clear();
        }
        text += u"Stop with Ctrl+C.\n"_s;
        print(stdout, text);
    }

    void terminate()
    {
        if (m_terminating)
            return;
        m_terminating = true;
        // After a progress line (which ends in \r, not \n), start a line of our own.
        print(stderr, (m_deployment.isLoading() ? u"\n"_s : QString()) + u"stopping...\n"_s);
        if (m_deployment.isLoading())
            m_deployment.cancelLoad(); // seeded() exits
        else if (m_deployment.status() == Deployment::Status::Running)
            m_deployment.stop(); // statusChanged(Stopped) exits
        else if (m_deployment.status() != Deployment::Status::Starting)
            QCoreApplication::exit(0);
        // Starting: statusChanged(Running) stops it.
    }

    void fail(const QString &message)
    {
        print(stderr, u"fhir-portal serve: %1\n"_s.arg(message));
        QCoreApplication::exit(1);
    }

    const Invocation &m_invocation;
    TerminationSignals m_signals;
    Deployment m_deployment;
    QString m_newKey; // printed once, then forgotten
    QList<ApiKeyInfo> m_existingKeys;
    bool m_terminating = false;
};

/// The data folder the invocation names, made absolute.
QString folderOf(const Invocation &invocation)
{
    return QDir(invocation.dataFolder.isEmpty() ? defaultServeFolder() : invocation.dataFolder)
        .absolutePath();
}

} // namespace

QString defaultServeFolder()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
        + u"/deployments/serve"_s;
}

int runServe(const Invocation &invocation)
{
    const QString folder = folderOf(invocation);
    bool hasData = false;
    {
        auto store = Store::open(folder);
        if (!store) {
            print(stderr,
                  u"fhir-portal serve: cannot use the data folder %1: %2\n"_s.arg(folder,
                                                                                  store.error()));
            return 1;
        }
        server::HistoryQuery everything;
        everything.count = 0; // the total only
        auto history = (*store)->history(everything);
        if (!history) {
            print(stderr, u"fhir-portal serve: %1\n"_s.arg(history.error()));
            return 1;
        }
        hasData = history->total > 0;
    }
    auto model = schema::Model::loadDefault();
    if (!model) {
        print(stderr, u"fhir-portal serve: %1\n"_s.arg(model.error()));
        return 1;
    }
    // A closed standard output (`serve | head`) must not kill the server mid-write.
    std::signal(SIGPIPE, SIG_IGN);
    ServeSession session(*model, invocation, folder);
    QMetaObject::invokeMethod(
        &session, [&session, hasData] { session.begin(hasData); }, Qt::QueuedConnection);
    return QCoreApplication::exec();
}

namespace {

/// A server over the invocation's data folder for a local command of the owner (never on the
/// network, so without API keys), or null after printing why not.
std::unique_ptr<FhirServer> openLocalServer(const Invocation &invocation, const QString &command,
                                            bool oauth)
{
    auto model = schema::Model::loadDefault();
    if (!model) {
        print(stderr, u"fhir-portal %1: %2\n"_s.arg(command, model.error()));
        return nullptr;
    }
    const QString folder = folderOf(invocation);
    ServerOptions options;
    options.requireApiKey = false;
    options.oauth = oauth;
    auto server = FhirServer::open(*model, folder, options);
    if (!server) {
        print(stderr,
              u"fhir-portal %1: cannot use the data folder %2: %3\n"_s.arg(command, folder,
                                                                           server.error()));
        return nullptr;
    }
    return std::move(server).value();
}

/// One line of standard input, without its line break.
QString readLine()
{
    QByteArray line;
    int c;
    while ((c = std::fgetc(stdin)) != EOF && c != '\n')
        line.append(char(c));
    if (line.endsWith('\r'))
        line.chop(1);
    return QString::fromUtf8(line);
}

int listAuth(AuthorizationServer &as)
{
    auto users = as.users().list();
    auto clients = as.clients().list();
    if (!users || !clients) {
        print(stderr, u"fhir-portal auth: %1\n"_s.arg(!users ? users.error() : clients.error()));
        return 1;
    }
    QString text = u"Users:\n"_s;
    if (users->isEmpty())
        text += u"  (none: fhir-portal auth add-user NAME)\n"_s;
    for (const UserInfo &user : std::as_const(*users))
        text += u"  %1%2, created %3\n"_s.arg(
            user.username, user.fhirUser.isEmpty() ? QString() : u" ("_s + user.fhirUser + u')',
            utcMinute(user.created));
    text += u"Applications:\n"_s;
    if (clients->isEmpty())
        text += u"  (none: fhir-portal auth add-client NAME ...)\n"_s;
    for (const ClientInfo &client : std::as_const(*clients)) {
        text += u"  %1 \"%2\", %3, grants %4\n    scopes: %5\n"_s.arg(
            client.clientId, client.name, client.confidential ? u"confidential"_s : u"public"_s,
            client.grantTypes.join(u", "_s), client.scopes);
        for (const QString &uri : client.redirectUris)
            text += u"    redirect URI: %1\n"_s.arg(uri);
    }
    print(stdout, text);
    return 0;
}

} // namespace

int runAuth(const Invocation &invocation)
{
    auto server = openLocalServer(invocation, u"auth"_s, true);
    if (!server)
        return 1;
    AuthorizationServer &as = *server->authorizationServer();
    const QString &action = invocation.authAction;
    auto failed = [](const QString &why) {
        print(stderr, u"fhir-portal auth: %1\n"_s.arg(why));
        return 1;
    };
    if (action == u"list"_s)
        return listAuth(as);
    const QString name = invocation.arguments.value(0);
    if (action == u"add-user"_s) {
        // On a terminal the password is typed without echo; from a pipe it is the first line.
        const bool terminal = ::isatty(STDIN_FILENO);
        termios saved = {};
        if (terminal && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
            print(stderr, u"Password for %1: "_s.arg(name));
            termios quiet = saved;
            quiet.c_lflag &= ~tcflag_t(ECHO);
            ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        }
        const QString password = readLine();
        if (terminal) {
            ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
            print(stderr, u"\n"_s);
        }
        auto user = as.users().create(name, password, invocation.fhirUser);
        if (!user)
            return failed(user.error());
        print(stdout,
              u"Added user %1%2\n"_s.arg(
                  user->username,
                  user->fhirUser.isEmpty() ? QString() : u", who is "_s + user->fhirUser));
        return 0;
    }
    if (action == u"add-client"_s) {
        ClientInfo info;
        info.name = name;
        info.confidential = invocation.confidential;
        info.redirectUris = invocation.redirectUris;
        info.scopes = invocation.scopes;
        if (invocation.clientCredentials)
            info.grantTypes = invocation.redirectUris.isEmpty()
                ? QStringList{u"client_credentials"_s}
                : QStringList{u"authorization_code"_s, u"refresh_token"_s, u"client_credentials"_s};
        auto client = as.clients().create(info);
        if (!client)
            return failed(client.error());
        QString text = u"Registered %1 \"%2\" (%3)\nclient_id: %1\n"_s.arg(
            client->info.clientId, client->info.name,
            client->info.confidential ? u"confidential"_s : u"public: use PKCE"_s);
        if (!client->secret.isEmpty())
            text += u"client_secret (shown only this once): %1\n"_s.arg(client->secret);
        print(stdout, text);
        return 0;
    }
    if (action == u"remove-user"_s) {
        auto ok = as.users().remove(name);
        if (!ok)
            return failed(ok.error());
        if (!*ok)
            return failed(u"there is no user %1 (fhir-portal auth list shows them)"_s.arg(name));
        print(stdout, u"Removed user %1 and revoked their tokens\n"_s.arg(name));
        return 0;
    }
    auto ok = as.clients().remove(name);
    if (!ok)
        return failed(ok.error());
    if (!*ok)
        return failed(u"there is no application %1 (fhir-portal auth list shows them)"_s.arg(name));
    print(stdout, u"Removed application %1 and revoked its tokens\n"_s.arg(name));
    return 0;
}

int runImport(const Invocation &invocation)
{
    auto server = openLocalServer(invocation, u"import"_s, false);
    if (!server)
        return 1;
    bool all = true;
    for (const QString &path : invocation.arguments) {
        const FileImportReport report = importFile(*server, path);
        print(stdout, report.text() + u'\n');
        all = all && report.ok();
    }
    return all ? 0 : 1;
}

} // namespace fhir::app

#include "terminalcommands.moc"
