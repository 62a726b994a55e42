#include "deploymentmanager.h"

#include "applogging.h"
#include "secretstore.h"

#include "embedded_server/deployment.h"

using namespace Qt::StringLiterals;

namespace fhir::app {

namespace {

DeploymentManager::State toState(server::Deployment::Status status)
{
    switch (status) {
    case server::Deployment::Status::Stopped:
        return DeploymentManager::State::Stopped;
    case server::Deployment::Status::Starting:
        return DeploymentManager::State::Starting;
    case server::Deployment::Status::Running:
        return DeploymentManager::State::Running;
    case server::Deployment::Status::Stopping:
        return DeploymentManager::State::Stopping;
    case server::Deployment::Status::Failed:
        return DeploymentManager::State::Failed;
    }
    return DeploymentManager::State::Failed;
}

ApiKey toApiKey(const server::ApiKeyInfo &info)
{
    return {info.id, info.name, info.hint, info.created, info.lastUsed};
}

} // namespace

DeploymentManager::DeploymentManager(std::shared_ptr<const schema::Model> model,
                                     DeploymentRegistry *registry, SecretStore *secrets,
                                     QObject *parent)
    : QObject(parent)
    , m_model(std::move(model))
    , m_registry(registry)
    , m_secrets(secrets)
{
}

DeploymentManager::~DeploymentManager()
{
    // Each Deployment stops and joins its thread in its destructor; do it before the
    // registry or the secret store (not owned) can go.
    const auto deployments = m_deployments;
    m_deployments.clear();
    for (server::Deployment *d : deployments) {
        d->disconnect(this);
        delete d;
    }
}

void DeploymentManager::initialize(int patients)
{
    if (m_registry->rowCount() == 0) {
        DeploymentEntry local;
        local.kind = DeploymentEntry::Kind::Embedded;
        local.name = tr("Local");
        local.requireApiKey = true;
        const auto created = createEmbedded(local, patients);
        if (!created)
            Q_EMIT notice(
                tr("The local FHIR server could not be created: %1").arg(created.error()));
        return;
    }
    QString id = m_registry->currentId();
    if (m_registry->indexOf(id) < 0)
        id = m_registry->entries().constFirst().id;
    setCurrent(id);
}

Result<DeploymentEntry> DeploymentManager::createEmbedded(DeploymentEntry entry, int patients)
{
    entry.kind = DeploymentEntry::Kind::Embedded;
    auto added = m_registry->add(std::move(entry));
    if (!added)
        return added;
    server::Deployment *d = deploymentFor(*added);
    if (added->requireApiKey) {
        // The key exists in the deployment's database before the server answers anyone.
        const auto key = d->createApiKey(appKeyName());
        if (!key) {
            Q_EMIT notice(tr("No API key could be made for %1: %2").arg(added->name, key.error()));
        } else {
            storeAppKey(added->id, key->secret.toUtf8());
            Q_EMIT apiKeysChanged(added->id);
        }
    }
    if (patients > 0)
        loadSynthetic(added->id, patients);
    setCurrent(added->id); // starts it
    return added;
}

Result<DeploymentEntry>
DeploymentManager::addRemote(DeploymentEntry entry,
                             const QList<QPair<QByteArray, QByteArray>> &secretHeaders)
{
    entry.kind = DeploymentEntry::Kind::Remote;
    entry.secretHeaders.clear();
    for (const auto &header : secretHeaders)
        entry.secretHeaders.append(header.first);
    auto added = m_registry->add(std::move(entry));
    if (!added)
        return added;
    if (secretHeaders.isEmpty()) {
        setCurrent(added->id);
        return added;
    }
    // Select it once the keychain has every value, so the first endpoint already carries them.
    auto pending = std::make_shared<qsizetype>(secretHeaders.size());
    const QString id = added->id;
    for (const auto &[name, value] : secretHeaders) {
        m_secrets->write(headerSecretKey(id, name), value, this,
                         [this, id, pending](const SecretResult &r) {
                             if (r.status == SecretResult::Status::MemoryOnly)
                                 Q_EMIT notice(r.error);
                             else if (!r.ok())
                                 Q_EMIT notice(r.error);
                             if (--*pending == 0)
                                 setCurrent(id);
                         });
    }
    return added;
}

Result<bool> DeploymentManager::removeDeployment(const QString &id, bool deleteData)
{
    const auto entry = m_registry->entry(id);
    if (!entry)
        return Error{tr("There is no deployment with the id %1.").arg(id)};
    if (server::Deployment *d = m_deployments.take(id)) {
        d->disconnect(this);
        delete d; // cancels a load, stops and joins its threads
    }
    m_loads.remove(id);
    if (entry->isEmbedded() && deleteData) {
        // Also a deployment this run never started: its folder is named by its id.
        server::DeploymentSettings settings;
        settings.id = id;
        settings.name = entry->name;
        settings.dataFolder = m_registry->dataFolder(id);
        if (const auto removed = server::Deployment::removeData(settings); !removed) {
            if (m_currentId == id)
                setCurrent(id); // it stays: running again, as it was
            return Error{removed.error()};
        }
    }
    m_secrets->remove(secretKey(id), this, [](const SecretResult &) {});
    for (const QByteArray &name : entry->secretHeaders)
        m_secrets->remove(headerSecretKey(id, name), this, [](const SecretResult &) {});
    m_sessionKeyMade.remove(id);
    m_keysBeingStored.remove(id);
    m_registry->remove(id);
    if (m_currentId == id) // announced even when none is left: nothing may point at it
        setCurrent(m_registry->rowCount() ? m_registry->entries().constFirst().id : QString());
    return true;
}

Result<bool>
DeploymentManager::editDeployment(DeploymentEntry entry,
                                  const QList<QPair<QByteArray, QByteArray>> &newSecretHeaders)
{
    const auto old = m_registry->entry(entry.id);
    if (!old)
        return Error{tr("There is no deployment with the id %1.").arg(entry.id)};
    DeploymentEntry changed = *old;
    changed.name = entry.name.trimmed();
    if (changed.name.isEmpty())
        return Error{tr("A deployment needs a name.")};
    QList<QByteArray> dropped;
    if (!old->isEmbedded()) {
        changed.baseUrl = entry.baseUrl;
        changed.headers = entry.headers;
        changed.secretHeaders.clear();
        for (const QByteArray &name : old->secretHeaders) {
            if (entry.secretHeaders.contains(name))
                changed.secretHeaders.append(name);
            else
                dropped.append(name);
        }
        for (const auto &header : newSecretHeaders) {
            if (!changed.secretHeaders.contains(header.first))
                changed.secretHeaders.append(header.first);
            dropped.removeAll(header.first);
        }
    }
    if (auto updated = m_registry->update(changed); !updated)
        return updated;

    const QString id = changed.id;
    for (const QByteArray &name : dropped)
        m_secrets->remove(headerSecretKey(id, name), this, [](const SecretResult &) {});
    if (newSecretHeaders.isEmpty()) {
        if (id == m_currentId)
            refreshEndpoint();
        return true;
    }
    // The endpoint changes once the keychain holds every new value.
    auto pending = std::make_shared<qsizetype>(newSecretHeaders.size());
    for (const auto &[name, value] : newSecretHeaders) {
        m_secrets->write(headerSecretKey(id, name), value, this,
                         [this, id, pending](const SecretResult &r) {
                             if (r.status == SecretResult::Status::MemoryOnly || !r.ok())
                                 Q_EMIT notice(r.error);
                             if (--*pending == 0 && id == m_currentId)
                                 refreshEndpoint();
                         });
    }
    return true;
}

void DeploymentManager::setCurrent(const QString &id)
{
    const auto entry = m_registry->entry(id);
    const QString newId = entry ? id : QString();
    if (entry && entry->isEmbedded()) {
        server::Deployment *d = deploymentFor(*entry);
        const auto status = d->status();
        if (status == server::Deployment::Status::Stopped
            || status == server::Deployment::Status::Failed)
            d->start();
    }
    if (newId != m_currentId) {
        m_currentId = newId;
        m_registry->setCurrentId(newId);
        Q_EMIT currentChanged(newId);
    }
    refreshEndpoint();
}

DeploymentManager::State DeploymentManager::state(const QString &id) const
{
    const auto entry = m_registry->entry(id);
    if (entry && !entry->isEmbedded())
        return State::Remote;
    const server::Deployment *d = deployment(id);
    return d ? toState(d->status()) : State::Stopped;
}

QString DeploymentManager::baseUrl(const QString &id) const
{
    const auto entry = m_registry->entry(id);
    if (!entry)
        return {};
    if (!entry->isEmbedded())
        return entry->baseUrl.toString();
    const server::Deployment *d = deployment(id);
    return d ? d->baseUrl() : QString();
}

QString DeploymentManager::errorString(const QString &id) const
{
    const server::Deployment *d = deployment(id);
    return d ? d->errorString() : QString();
}

bool DeploymentManager::isLoading(const QString &id) const
{
    const server::Deployment *d = deployment(id);
    return m_loads.contains(id) || (d && d->isLoading());
}

void DeploymentManager::start(const QString &id)
{
    if (const auto entry = m_registry->entry(id); entry && entry->isEmbedded())
        deploymentFor(*entry)->start();
}

Result<bool> DeploymentManager::setOAuthEnabled(const QString &id, bool enabled)
{
    auto entry = m_registry->entry(id);
    if (!entry || !entry->isEmbedded())
        return Error{tr("OAuth 2.0 is served by embedded deployments only.")};
    if (isLoading(id))
        return Error{tr("Wait for the load to finish, then change OAuth 2.0.")};
    if (entry->oauth == enabled)
        return true;
    entry->oauth = enabled;
    if (auto updated = m_registry->update(*entry); !updated)
        return updated;
    // A Deployment's settings are fixed: the next one made for it has the new ones.
    if (server::Deployment *d = m_deployments.take(id)) {
        const bool running = d->status() == server::Deployment::Status::Running
            || d->status() == server::Deployment::Status::Starting;
        d->disconnect(this);
        delete d; // stops and joins its thread
        Q_EMIT stateChanged(id, State::Stopped);
        if (running)
            start(id);
    }
    return true;
}

server::Deployment *DeploymentManager::embeddedDeployment(const QString &id)
{
    const auto entry = m_registry->entry(id);
    return entry && entry->isEmbedded() ? deploymentFor(*entry) : nullptr;
}

void DeploymentManager::stop(const QString &id)
{
    if (server::Deployment *d = deployment(id))
        d->stop();
}

DeploymentManager::LoadKind DeploymentManager::loadKind(const QString &id) const
{
    return m_loads.value(id, LoadKind::None);
}

void DeploymentManager::loadSynthetic(const QString &id, int patients)
{
    const auto entry = m_registry->entry(id);
    if (!entry || !entry->isEmbedded() || isLoading(id))
        return;
    deploymentFor(*entry)->loadSynthetic(patients);
    beginLoad(id, LoadKind::Synthetic);
}

Result<bool> DeploymentManager::importFiles(const QString &id, const QStringList &paths)
{
    const auto entry = m_registry->entry(id);
    if (!entry)
        return Error{tr("There is no deployment with the id %1.").arg(id)};
    if (!entry->isEmbedded())
        return Error{tr("Files are imported into embedded deployments only; a remote server "
                        "takes data through its own API.")};
    if (paths.isEmpty())
        return Error{tr("No files were chosen.")};
    if (isLoading(id))
        return Error{
            tr("%1 is still loading data; wait for it or cancel it first.").arg(entry->name)};
    deploymentFor(*entry)->importFiles(paths);
    beginLoad(id, LoadKind::Import);
    return true;
}

// Once the deployment's load has begun, so isLoading() says so to whoever hears this.
void DeploymentManager::beginLoad(const QString &id, LoadKind kind)
{
    m_loads.insert(id, kind);
    Q_EMIT loadStarted(id, kind);
}

void DeploymentManager::cancelLoad(const QString &id)
{
    if (server::Deployment *d = deployment(id))
        d->cancelLoad();
}

Result<CreatedApiKey> DeploymentManager::createApiKey(const QString &id, const QString &name)
{
    const auto entry = m_registry->entry(id);
    if (!entry || !entry->isEmbedded())
        return Error{tr("API keys are made by embedded deployments only.")};
    const auto key = deploymentFor(*entry)->createApiKey(name);
    if (!key)
        return Error{key.error()};
    Q_EMIT apiKeysChanged(id);
    return CreatedApiKey{toApiKey(key->info), key->secret.toUtf8()};
}

Result<QList<ApiKey>> DeploymentManager::apiKeys(const QString &id)
{
    const auto entry = m_registry->entry(id);
    if (!entry || !entry->isEmbedded())
        return Error{tr("API keys are made by embedded deployments only.")};
    const auto keys = deploymentFor(*entry)->apiKeys();
    if (!keys)
        return Error{keys.error()};
    QList<ApiKey> list;
    for (const server::ApiKeyInfo &info : *keys)
        list.append(toApiKey(info));
    return list;
}

Result<bool> DeploymentManager::revokeApiKey(const QString &id, const QString &keyId)
{
    const auto entry = m_registry->entry(id);
    if (!entry || !entry->isEmbedded())
        return Error{tr("API keys are made by embedded deployments only.")};
    auto revoked = deploymentFor(*entry)->revokeApiKey(keyId);
    if (revoked)
        Q_EMIT apiKeysChanged(id);
    return revoked;
}

void DeploymentManager::setApiKey(const QString &id, const QByteArray &key)
{
    m_keysBeingStored.insert(id, key);
    m_secrets->write(secretKey(id), key, this, [this, id](const SecretResult &r) {
        m_keysBeingStored.remove(id);
        if (!r.ok())
            Q_EMIT notice(r.error);
        else if (r.status == SecretResult::Status::MemoryOnly)
            Q_EMIT notice(r.error);
        if (id == m_currentId)
            refreshEndpoint();
    });
}

void DeploymentManager::logout(const QString &id)
{
    m_sessionKeyMade.insert(id); // the user chose no key: do not make one behind their back
    m_keysBeingStored.remove(id);
    m_secrets->remove(secretKey(id), this, [this, id](const SecretResult &r) {
        if (!r.ok())
            Q_EMIT notice(r.error);
        if (id == m_currentId)
            refreshEndpoint();
    });
}

server::Deployment *DeploymentManager::deploymentFor(const DeploymentEntry &entry)
{
    if (server::Deployment *d = m_deployments.value(entry.id))
        return d;
    server::DeploymentSettings settings;
    settings.id = entry.id;
    settings.name = entry.name;
    settings.dataFolder = m_registry->dataFolder(entry.id);
    settings.port = entry.port;
    settings.requireApiKey = entry.requireApiKey;
    settings.oauth = entry.oauth;
    auto *d = new server::Deployment(m_model, settings, this);
    const QString id = entry.id;
    connect(d, &server::Deployment::statusChanged, this, [this, id, d](auto status) {
        if (status == server::Deployment::Status::Failed) {
            const auto current = m_registry->entry(id); // the name may have been edited
            Q_EMIT notice(tr("The FHIR server %1 failed: %2")
                              .arg(current ? current->name : id, d->errorString()));
        }
        Q_EMIT stateChanged(id, toState(status));
        if (id == m_currentId)
            refreshEndpoint(); // its base URL came or went
    });
    connect(d, &server::Deployment::progress, this,
            [this, id](qint64 done, qint64 total) { Q_EMIT loadProgress(id, done, total); });
    connect(d, &server::Deployment::loadFinished, this, [this, id](bool ok, const QString &report) {
        m_loads.remove(id);
        Q_EMIT loadFinished(id, ok, report);
    });
    connect(d, &server::Deployment::requestServed, this,
            [this, id](const QString &line) { Q_EMIT requestServed(id, line); });
    m_deployments.insert(id, d);
    return d;
}

server::Deployment *DeploymentManager::deployment(const QString &id) const
{
    return m_deployments.value(id);
}

void DeploymentManager::storeAppKey(const QString &id, const QByteArray &secret)
{
    m_keysBeingStored.insert(id, secret);
    m_secrets->write(secretKey(id), secret, this, [this, id](const SecretResult &r) {
        m_keysBeingStored.remove(id);
        if (r.status == SecretResult::Status::MemoryOnly || !r.ok())
            Q_EMIT notice(r.error);
        if (id == m_currentId)
            refreshEndpoint();
    });
}

// No keychain answers in this run, so the key of an earlier run is out of reach: make a key
// for this run only, and revoke the app's earlier ones, which nobody can use any more.
void DeploymentManager::makeSessionKey(const QString &id)
{
    m_sessionKeyMade.insert(id);
    server::Deployment *d = deployment(id);
    if (!d)
        return;
    const auto key = d->createApiKey(appKeyName());
    if (!key) {
        Q_EMIT notice(tr("No API key could be made: %1").arg(key.error()));
        return;
    }
    if (const auto keys = d->apiKeys(); keys) {
        for (const server::ApiKeyInfo &info : *keys) {
            if (info.name == appKeyName() && info.id != key->info.id)
                (void)d->revokeApiKey(info.id);
        }
    }
    Q_EMIT apiKeysChanged(id);
    storeAppKey(id, key->secret.toUtf8());
}

void DeploymentManager::refreshEndpoint()
{
    const quint64 generation = ++m_endpointGeneration;
    const auto entry = m_registry->entry(m_currentId);
    if (!entry) {
        m_endpoint = {};
        Q_EMIT currentEndpointChanged(m_endpoint);
        return;
    }
    auto endpoint = std::make_shared<Endpoint>();
    endpoint->deploymentId = entry->id;
    endpoint->name = entry->name;
    endpoint->isEmbedded = entry->isEmbedded();
    endpoint->baseUrl = QUrl(baseUrl(entry->id));
    if (!entry->isEmbedded())
        endpoint->headers = entry->headers;

    // The API key, then each secret header, from the keychain; announced when all are in.
    auto pending = std::make_shared<qsizetype>(1 + entry->secretHeaders.size());
    auto finishOne = [this, generation, endpoint, pending] {
        if (--*pending > 0 || generation != m_endpointGeneration)
            return;
        m_endpoint = *endpoint;
        Q_EMIT currentEndpointChanged(m_endpoint);
    };
    const QString id = entry->id;
    const bool needsKey = entry->isEmbedded() && entry->requireApiKey;
    if (const auto storing = m_keysBeingStored.constFind(id); storing != m_keysBeingStored.cend()) {
        endpoint->apiKey = *storing;
        finishOne();
    } else {
        m_secrets->read(secretKey(id), this,
                        [this, id, needsKey, endpoint, finishOne](const SecretResult &r) {
                            if (r.ok()) {
                                endpoint->apiKey = r.secret;
                            } else if (needsKey && r.status == SecretResult::Status::Failed
                                       && !m_sessionKeyMade.contains(id)) {
                                Q_EMIT notice(r.error);
                                makeSessionKey(id); // announces again once stored
                            }
                            finishOne();
                        });
    }
    for (const QByteArray &name : entry->secretHeaders) {
        m_secrets->read(headerSecretKey(id, name), this,
                        [this, name, endpoint, finishOne](const SecretResult &r) {
                            if (r.ok())
                                endpoint->headers.append({name, r.secret});
                            else if (r.status != SecretResult::Status::NotFound)
                                Q_EMIT notice(r.error);
                            finishOne();
                        });
    }
}

} // namespace fhir::app
