#pragma once

// CONTRACT (session 2): the interface the app codes against. The implementation lands with the
// API-key work; signatures may grow, but what is here stays.

#include "embedded_server/auth/apikeys.h" // ApiKeyInfo, NewApiKey
#include "embedded_server/auth/clients.h"
#include "embedded_server/auth/externalprovider.h"
#include "embedded_server/auth/users.h"
#include "schemas/model.h"
#include "schemas/result.h"

#include <QDateTime>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

namespace fhir::server {

/// What a deployment is, as its owner configured it. Persisted by the owner (the app keeps a
/// list; `serve` builds one from its arguments).
struct DeploymentSettings
{
    QString id; ///< stable, [a-z0-9-]{1,64}; names the data folder and the keychain entry
    QString name; ///< shown to users
    QString dataFolder; ///< where fhir.sqlite lives; created when missing
    quint16 port = 0; ///< 0 picks a free port on each start
    bool requireApiKey = true; ///< false only when the owner explicitly chose no auth
    /// Web origins allowed cross-origin requests besides the server's own (HttpListener).
    QStringList corsOrigins = {};
    /// The integrated OAuth 2.0 / SMART authorization server, beside API keys (or alone).
    bool oauth = false;
    /// An external OpenID provider whose access tokens are taken too.
    std::optional<ExternalProviderSettings> externalProvider = {};
};

/// One embedded FHIR server the app owns: its store, its listener on 127.0.0.1, its API keys.
/// A running deployment has its own thread and event loop; every method here returns at once
/// and reports through signals, so the GUI thread never waits on the server.
///
///     auto deployment = new Deployment(model, settings, this);
///     connect(deployment, &Deployment::statusChanged, this, &Window::showStatus);
///     deployment->start(); // Running, with baseUrl() = http://127.0.0.1:PORT/fhir/r4
class Deployment : public QObject
{
    Q_OBJECT

public:
    enum class Status { Stopped, Starting, Running, Stopping, Failed };
    Q_ENUM(Status)

    Deployment(std::shared_ptr<const schema::Model> model, DeploymentSettings settings,
               QObject *parent = nullptr);
    ~Deployment() override; ///< stops and joins the thread; cancels and joins a load

    const DeploymentSettings &settings() const;
    Status status() const;
    QString baseUrl() const; ///< empty unless Running
    QString errorString() const; ///< why it is Failed
    bool isLoading() const; ///< a loadSynthetic() or importFiles() has not finished yet

    /// Stopped or Failed → Starting → Running (or Failed, with errorString()).
    void start();
    /// Running → Stopping → Stopped once the thread has closed the listener, checkpointed the
    /// WAL and closed the store. A load in progress goes on; cancel it separately.
    void stop();

    /// API keys live in the deployment's database; these work whether it runs or not, on a
    /// connection of the calling thread (they are single small statements).
    Result<NewApiKey> createApiKey(const QString &name);
    Result<QList<ApiKeyInfo>> apiKeys();
    Result<bool> revokeApiKey(const QString &keyId);

    /// The users and applications of the deployment's OAuth 2.0 authorization server, the
    /// same way: whether it runs or not, on a connection of the calling thread. A new user's
    /// password is hashed before it is stored (slow on purpose: PBKDF2); a new confidential
    /// application's secret is in the result, and nowhere after.
    Result<QList<UserInfo>> oauthUsers();
    Result<UserInfo> addOAuthUser(const QString &username, const QString &password,
                                  const QString &fhirUser = {});
    Result<bool> removeOAuthUser(const QString &username);
    Result<QList<ClientInfo>> oauthClients();
    Result<NewClient> addOAuthClient(const ClientInfo &client);
    Result<bool> updateOAuthClient(const ClientInfo &client);
    Result<bool> removeOAuthClient(const QString &clientId);

    /// Fills the store with a synthetic clinic off the GUI thread: progress() in patients,
    /// then loadFinished(). cancelLoad() stops between two transactions: whole records only.
    /// Works whether the deployment runs or not; one load at a time (another one asked for
    /// meanwhile finishes at once with ok = false).
    void loadSynthetic(int patients, quint64 seed = 1);
    /// Imports FHIR JSON files (Bundle, resource or NDJSON) off the GUI thread: progress() in
    /// bytes, then loadFinished() with a report naming each failed entry or line (see
    /// fileimporter.h); ok when every file loaded whole.
    void importFiles(const QStringList &paths);
    void cancelLoad();

    /// Deletes a stopped deployment's data: its database files, then the folder when nothing
    /// else is in it (a folder the user chose may hold other files; those stay).
    static Result<bool> removeData(const DeploymentSettings &settings);

Q_SIGNALS:
    void statusChanged(fhir::server::Deployment::Status status);
    void requestServed(const QString &logLine); ///< one line per request, never with secrets
    void progress(qint64 done, qint64 total);
    void loadFinished(bool ok, const QString &report);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace fhir::server
