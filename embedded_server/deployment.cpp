#include "deployment.h"

#include "fhirserver.h"
#include "fileimporter.h"
#include "httplistener.h"
#include "serverlogging.h"
#include "store.h"
#include "syntheticloader.h"

#include <QDir>
#include <QFileInfo>
#include <QThread>

#include <atomic>
#include <utility>

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

/// The thread of a running deployment: its FhirServer and HttpListener are made, serve and
/// are destroyed inside run(), so they never leave this thread. quit() stops it.
class ServerThread : public QThread
{
    Q_OBJECT

public:
    ServerThread(std::shared_ptr<const schema::Model> model, DeploymentSettings settings)
        : m_model(std::move(model))
        , m_settings(std::move(settings))
    {
    }

Q_SIGNALS:
    void listening(const QString &baseUrl);
    void failed(const QString &message);
    void requestServed(const QString &logLine);

protected:
    void run() override
    {
        ServerOptions options;
        options.requireApiKey = m_settings.requireApiKey;
        options.oauth = m_settings.oauth;
        options.externalProvider = m_settings.externalProvider;
        auto server = FhirServer::open(m_model, m_settings.dataFolder, options);
        if (!server) {
            Q_EMIT failed(server.error());
            return;
        }
        {
            HttpListener listener(server->get());
            listener.setAllowedOrigins(m_settings.corsOrigins);
            connect(&listener, &HttpListener::requestServed, this, &ServerThread::requestServed,
                    Qt::DirectConnection);
            auto port = listener.start(m_settings.port);
            if (!port) {
                Q_EMIT failed(port.error());
                return;
            }
            Q_EMIT listening(listener.baseUrl());
            exec();
        } // the listener closes its connections here, before the store goes
        if (auto ok = (*server)->store().query("PRAGMA wal_checkpoint(TRUNCATE)"); !ok)
            qCWarning(lcServer).noquote() << "checkpoint on stop failed:" << ok.error();
    }

private:
    std::shared_ptr<const schema::Model> m_model;
    DeploymentSettings m_settings;
};

/// How a load ended, for loadFinished().
struct LoadOutcome
{
    bool ok = false;
    QString report;
};

using ProgressFn = std::function<void(qint64, qint64)>;
using LoadJob = std::function<LoadOutcome(const std::atomic_bool &cancel, const ProgressFn &)>;

/// A server for a load job: its own connection to the deployment's store, never on the
/// network, so it needs no API key.
Result<std::unique_ptr<FhirServer>> openForLoad(std::shared_ptr<const schema::Model> model,
                                                const QString &folder)
{
    ServerOptions options;
    options.requireApiKey = false;
    return FhirServer::open(std::move(model), folder, options);
}

LoadOutcome loadSyntheticJob(std::shared_ptr<const schema::Model> model, const QString &folder,
                             int patients, quint64 seed, const std::atomic_bool &cancel,
                             const ProgressFn &progress)
{
    if (patients < 0)
        return {false, u"the number of patients cannot be negative"_s};
    auto server = openForLoad(std::move(model), folder);
    if (!server)
        return {false, server.error()};
    const synthetic::Generator generator({.seed = seed, .patients = patients});
    // Small transactions: progress moves often, and a cancel waits for little.
    constexpr int patientsPerTransaction = 5;
    auto report = loadSynthetic(
        **server, generator, [&](int done, int total) { progress(done, total); }, &cancel,
        patientsPerTransaction);
    if (!report)
        return {false, report.error()};
    if (report->cancelled) {
        return {false,
                u"cancelled after %1 of %2 patients (%3 resources); every record loaded is "
                "whole"_s.arg(report->patientsLoaded)
                    .arg(patients)
                    .arg(report->resourcesLoaded)};
    }
    return {true,
            u"loaded %1 synthetic patients (%2 resources)"_s.arg(report->patientsLoaded)
                .arg(report->resourcesLoaded)};
}

LoadOutcome importJob(std::shared_ptr<const schema::Model> model, const QString &folder,
                      const QStringList &paths, const std::atomic_bool &cancel,
                      const ProgressFn &progress)
{
    auto server = openForLoad(std::move(model), folder);
    if (!server)
        return {false, server.error()};
    qint64 total = 0;
    for (const QString &path : paths)
        total += QFileInfo(path).size();
    qint64 before = 0;
    LoadOutcome outcome{true, {}};
    QStringList lines;
    for (const QString &path : paths) {
        if (cancel.load()) {
            lines.append(QFileInfo(path).fileName() + u": not loaded: cancelled"_s);
            outcome.ok = false;
            continue;
        }
        const FileImportReport report = importFile(
            **server, path, [&](qint64 done, qint64) { progress(before + done, total); }, &cancel);
        before += QFileInfo(path).size();
        lines.append(report.text());
        outcome.ok = outcome.ok && report.ok();
    }
    outcome.report = lines.join(u'\n');
    return outcome;
}

} // namespace

struct Deployment::Private
{
    std::shared_ptr<const schema::Model> model;
    DeploymentSettings settings;
    Status status = Status::Stopped;
    QString baseUrl;
    QString error;
    ServerThread *server = nullptr; // owned; null when Stopped or Failed
    QThread *load = nullptr; // owned; null when no load runs
    std::atomic_bool cancel = false;
    LoadOutcome outcome; // written by the load thread, read once it has finished

    /// Runs `job` on a thread of its own; reports through `q`'s signals.
    void runLoad(Deployment *q, LoadJob job);

    Result<std::unique_ptr<Store>> openStore() const
    {
        if (settings.dataFolder.isEmpty())
            return Error{u"the deployment has no data folder"_s};
        return Store::open(settings.dataFolder);
    }
};

Deployment::Deployment(std::shared_ptr<const schema::Model> model, DeploymentSettings settings,
                       QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{
    d->model = std::move(model);
    d->settings = std::move(settings);
}

Deployment::~Deployment()
{
    if (d->server) {
        d->server->quit();
        d->server->wait();
        delete d->server;
    }
    if (d->load) {
        d->cancel = true;
        d->load->wait();
        delete d->load;
    }
}

const DeploymentSettings &Deployment::settings() const
{
    return d->settings;
}

Deployment::Status Deployment::status() const
{
    return d->status;
}

QString Deployment::baseUrl() const
{
    return d->status == Status::Running ? d->baseUrl : QString();
}

QString Deployment::errorString() const
{
    return d->error;
}

bool Deployment::isLoading() const
{
    return d->load != nullptr;
}

void Deployment::start()
{
    if (d->server)
        return; // Starting, Running or Stopping
    if (!d->model) {
        d->error = u"no FHIR model"_s;
        d->status = Status::Failed;
        Q_EMIT statusChanged(d->status);
        return;
    }
    d->error.clear();
    d->baseUrl.clear();
    auto *thread = new ServerThread(d->model, d->settings);
    d->server = thread;
    auto setStatus = [this](Status status) {
        d->status = status;
        Q_EMIT statusChanged(status);
    };
    // Signals of the thread come from run(), so they are queued to this (GUI) thread, in order.
    connect(thread, &ServerThread::listening, this, [this, setStatus](const QString &url) {
        if (d->status != Status::Starting)
            return; // stop() came first
        d->baseUrl = url;
        setStatus(Status::Running);
    });
    connect(thread, &ServerThread::failed, this, [this](const QString &message) {
        d->error = message;
        qCWarning(lcServer).noquote() << "deployment" << d->settings.id << "failed:" << message;
    });
    connect(thread, &ServerThread::requestServed, this, &Deployment::requestServed);
    connect(thread, &QThread::finished, this, [this, thread, setStatus] {
        thread->wait();
        delete thread;
        d->server = nullptr;
        d->baseUrl.clear();
        setStatus(d->error.isEmpty() ? Status::Stopped : Status::Failed);
    });
    setStatus(Status::Starting);
    thread->start();
}

void Deployment::stop()
{
    if (!d->server || d->status == Status::Stopping)
        return;
    d->status = Status::Stopping;
    Q_EMIT statusChanged(d->status);
    d->server->quit();
}

Result<NewApiKey> Deployment::createApiKey(const QString &name)
{
    auto store = d->openStore();
    if (!store)
        return Error{store.error()};
    return ApiKeyStore(**store).create(name);
}

Result<QList<ApiKeyInfo>> Deployment::apiKeys()
{
    auto store = d->openStore();
    if (!store)
        return Error{store.error()};
    return ApiKeyStore(**store).list();
}

Result<bool> Deployment::revokeApiKey(const QString &keyId)
{
    auto store = d->openStore();
    if (!store)
        return Error{store.error()};
    return ApiKeyStore(**store).revoke(keyId);
}

Result<QList<UserInfo>> Deployment::oauthUsers()
{
    auto store = d->openStore();
    if (!store)
        return Error{store.error()};
    return UserStore(**store).list();
}

Result<UserInfo> Deployment::addOAuthUser(const QString &username, const QString &password,
                                          const QString &fhirUser)
{
    auto store = d->openStore();
    if (!store)
        return Error{store.error()};
    return UserStore(**store).create(username, password, fhirUser);
}

Result<bool> Deployment::removeOAuthUser(const QString &username)
{
    auto store = d->openStore();
    if (!store)
        return Error{store.error()};
    return UserStore(**store).remove(username);
}

Result<QList<ClientInfo>> Deployment::oauthClients()
{
    auto store = d->openStore();
    if (!store)
        return Error{store.error()};
    return ClientStore(**store).list();
}

Result<NewClient> Deployment::addOAuthClient(const ClientInfo &client)
{
    auto store = d->openStore();
    if (!store)
        return Error{store.error()};
    return ClientStore(**store).create(client);
}

Result<bool> Deployment::updateOAuthClient(const ClientInfo &client)
{
    auto store = d->openStore();
    if (!store)
        return Error{store.error()};
    return ClientStore(**store).update(client);
}

Result<bool> Deployment::removeOAuthClient(const QString &clientId)
{
    auto store = d->openStore();
    if (!store)
        return Error{store.error()};
    return ClientStore(**store).remove(clientId);
}

void Deployment::loadSynthetic(int patients, quint64 seed)
{
    d->runLoad(this,
               [model = d->model, folder = d->settings.dataFolder, patients,
                seed](const std::atomic_bool &cancel, const ProgressFn &progress) {
                   return loadSyntheticJob(model, folder, patients, seed, cancel, progress);
               });
}

void Deployment::importFiles(const QStringList &paths)
{
    d->runLoad(this,
               [model = d->model, folder = d->settings.dataFolder,
                paths](const std::atomic_bool &cancel, const ProgressFn &progress) {
                   return importJob(model, folder, paths, cancel, progress);
               });
}

void Deployment::Private::runLoad(Deployment *q, LoadJob job)
{
    auto finishAtOnce = [q](const QString &why) {
        QMetaObject::invokeMethod(
            q, [q, why] { Q_EMIT q->loadFinished(false, why); }, Qt::QueuedConnection);
    };
    if (load)
        return finishAtOnce(u"another load is still running"_s);
    if (!model || settings.dataFolder.isEmpty())
        return finishAtOnce(u"the deployment has no FHIR model or no data folder"_s);
    cancel = false;
    load = QThread::create([this, q, job = std::move(job)] {
        outcome = job(cancel, [q](qint64 done, qint64 total) {
            QMetaObject::invokeMethod(
                q, [q, done, total] { Q_EMIT q->progress(done, total); }, Qt::QueuedConnection);
        });
    });
    QObject::connect(load, &QThread::finished, q, [this, q] {
        load->wait();
        delete std::exchange(load, nullptr);
        Q_EMIT q->loadFinished(outcome.ok, outcome.report);
    });
    load->start();
}

void Deployment::cancelLoad()
{
    d->cancel = true;
}

Result<bool> Deployment::removeData(const DeploymentSettings &settings)
{
    if (settings.dataFolder.isEmpty())
        return Error{u"the deployment has no data folder"_s};
    QDir folder(settings.dataFolder);
    if (!folder.exists())
        return true;
    const QString database = Store::fileName();
    for (const QString &name : QStringList{database, database + u"-wal"_s, database + u"-shm"_s,
                                           database + u"-journal"_s}) {
        if (folder.exists(name) && !folder.remove(name))
            return Error{u"cannot delete %1"_s.arg(folder.filePath(name))};
    }
    if (folder.isEmpty())
        folder.rmdir(folder.absolutePath());
    return true;
}

} // namespace fhir::server

#include "deployment.moc"
