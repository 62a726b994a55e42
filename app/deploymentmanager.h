#pragma once

#include "app/apikey.h"
#include "app/deploymentregistry.h"
#include "app/endpoint.h"
#include "schemas/model.h"
#include "schemas/result.h"

#include <QHash>
#include <QObject>
#include <QSet>

#include <memory>

namespace fhir::server {
class Deployment;
}

namespace fhir::app {

class SecretStore;

/// Owns the embedded servers of the registry's embedded entries, keeps the current
/// deployment, and tells the window where requests go (currentEndpointChanged) with the API
/// key read from the keychain. Widgets see deployments only through this class.
///
///     DeploymentManager manager(model, &registry, &secrets);
///     connect(&manager, &DeploymentManager::currentEndpointChanged, window,
///     &MainWindow::setEndpoint); manager.initialize(); // first start: "Local", started,
///     authorized, 100 patients
class DeploymentManager : public QObject
{
    Q_OBJECT

public:
    /// An embedded deployment's server state; remote entries are always Remote.
    enum class State { Stopped, Starting, Running, Stopping, Failed, Remote };
    Q_ENUM(State)
    /// What an embedded deployment is loading: loadProgress counts patients for Synthetic,
    /// bytes for Import.
    enum class LoadKind { None, Synthetic, Import };
    Q_ENUM(LoadKind)

    static constexpr int firstStartPatients = 100;
    /// The name of the key the app makes for itself in an embedded deployment.
    static QString appKeyName() { return QStringLiteral("FHIR Portal app"); }

    DeploymentManager(std::shared_ptr<const schema::Model> model, DeploymentRegistry *registry,
                      SecretStore *secrets, QObject *parent = nullptr);
    ~DeploymentManager() override; ///< stops every embedded server

    DeploymentRegistry *registry() const { return m_registry; }
    SecretStore *secrets() const { return m_secrets; }

    /// Call once when the window is up. An empty registry gets an embedded "Local" deployment:
    /// created, started, given an API key of the app's own (in the keychain) and `patients`
    /// synthetic patients. Otherwise the deployment used last is selected (and started when
    /// embedded).
    void initialize(int patients = firstStartPatients);

    /// A new embedded deployment: registry entry, its API key for the app (when it requires
    /// keys), `patients` synthetic patients (loadProgress, loadFinished), then started and
    /// made current.
    Result<DeploymentEntry> createEmbedded(DeploymentEntry entry, int patients);
    /// A new remote endpoint, made current; `secretHeaders` (e.g. Authorization) go to the
    /// keychain, their names to the registry.
    Result<DeploymentEntry> addRemote(DeploymentEntry entry,
                                      const QList<QPair<QByteArray, QByteArray>> &secretHeaders);
    /// Stops and forgets a deployment and its secrets (API key, secret header values);
    /// `deleteData` also removes an embedded deployment's database. The current deployment
    /// moves to the first one left (none when the list is empty).
    Result<bool> removeDeployment(const QString &id, bool deleteData);
    /// Changes a deployment: its name; for a remote one also its base URL and plain headers.
    /// `entry.secretHeaders` names the secret headers to keep (others leave the keychain);
    /// `newSecretHeaders` go to the keychain, replacing a kept value of the same name. The id,
    /// kind and an embedded deployment's port and key setting stay as they were.
    Result<bool> editDeployment(DeploymentEntry entry,
                                const QList<QPair<QByteArray, QByteArray>> &newSecretHeaders = {});

    QString currentId() const { return m_currentId; }
    /// Selects a deployment (starting it when embedded and stopped); the endpoint follows.
    void setCurrent(const QString &id);
    /// The endpoint last announced by currentEndpointChanged.
    const Endpoint &currentEndpoint() const { return m_endpoint; }

    State state(const QString &id) const;
    QString baseUrl(const QString &id) const; ///< empty unless a Running embedded or a remote
    QString errorString(const QString &id) const; ///< why it is Failed
    bool isLoading(const QString &id) const;
    void start(const QString &id);
    void stop(const QString &id);
    LoadKind loadKind(const QString &id) const; ///< None unless isLoading()
    void loadSynthetic(const QString &id, int patients);
    /// Imports FHIR JSON files (Bundle, single resource, NDJSON) into an embedded deployment
    /// off the GUI thread: loadStarted, loadProgress in bytes, then loadFinished with a report
    /// naming each entry or line not loaded and why. Refused for a remote endpoint, for no
    /// files, and while another load of the deployment runs.
    Result<bool> importFiles(const QString &id, const QStringList &paths);
    void cancelLoad(const QString &id);

    Result<CreatedApiKey> createApiKey(const QString &id, const QString &name);
    Result<QList<ApiKey>> apiKeys(const QString &id);
    Result<bool> revokeApiKey(const QString &id, const QString &keyId);

    /// Turns the integrated OAuth 2.0 / SMART authorization server of embedded `id` on or off;
    /// a running deployment restarts with it (on its own port when it has a fixed one).
    /// Refused while a load runs.
    Result<bool> setOAuthEnabled(const QString &id, bool enabled);
    /// The embedded deployment `id`, for its OAuth 2.0 page (users and applications); null for
    /// a remote or unknown one.
    server::Deployment *embeddedDeployment(const QString &id);

    /// The Authorize dialog: the key this app sends as x-api-key to `id`, into the keychain.
    void setApiKey(const QString &id, const QByteArray &key);
    /// Forgets the key of `id` (keychain and memory).
    void logout(const QString &id);

Q_SIGNALS:
    void currentChanged(const QString &id);
    void currentEndpointChanged(const fhir::app::Endpoint &endpoint);
    void stateChanged(const QString &id, fhir::app::DeploymentManager::State state);
    void loadStarted(const QString &id, fhir::app::DeploymentManager::LoadKind kind);
    void loadProgress(const QString &id, qint64 done, qint64 total);
    void loadFinished(const QString &id, bool ok, const QString &report);
    void apiKeysChanged(const QString &id);
    /// Something the user should read: a key kept in memory only, a server that failed.
    void notice(const QString &message);
    void requestServed(const QString &id, const QString &logLine);

private:
    server::Deployment *deploymentFor(const DeploymentEntry &entry);
    server::Deployment *deployment(const QString &id) const;
    void storeAppKey(const QString &id, const QByteArray &secret);
    void beginLoad(const QString &id, LoadKind kind);
    void makeSessionKey(const QString &id);
    void refreshEndpoint();

    std::shared_ptr<const schema::Model> m_model;
    DeploymentRegistry *m_registry; // not owned
    SecretStore *m_secrets; // not owned
    QHash<QString, server::Deployment *> m_deployments; // owned by this (QObject children)
    QHash<QString, LoadKind> m_loads; // embedded ids with a load running
    QSet<QString> m_sessionKeyMade; // embedded ids given an in-memory key in this run
    // Keys on their way into the keychain, used meanwhile: a first start must not wait for a
    // keyring prompt the user has not answered yet.
    QHash<QString, QByteArray> m_keysBeingStored;
    QString m_currentId;
    Endpoint m_endpoint;
    quint64 m_endpointGeneration = 0; // drops keychain answers for an older selection
};

} // namespace fhir::app
