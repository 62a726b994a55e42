#include "secretstore.h"

#include "applogging.h"

#include <qt6keychain/keychain.h>

#include <QPointer>

namespace fhir::app {

namespace {

QString keychainError(const QKeychain::Job &job)
{
    switch (job.error()) {
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        return SecretStore::tr("No OS keychain is available (Secret Service, KWallet): %1")
            .arg(job.errorString());
    case QKeychain::AccessDeniedByUser:
        return SecretStore::tr("Access to the keychain was denied.");
    default:
        return SecretStore::tr("The keychain failed: %1").arg(job.errorString());
    }
}

} // namespace

SecretStore::SecretStore(const QString &service, QObject *parent)
    : QObject(parent)
    , m_service(service)
{
}

SecretStore::~SecretStore() = default;

void SecretStore::read(const QString &key, QObject *context, Callback done)
{
    if (!context)
        context = this;
    // Every answer comes from a job, even for a key kept in memory: QtKeychain runs jobs one
    // after another, so a read sees the outcome of every write and remove asked before it.
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setInsecureFallback(false); // never a plain-text file
    job->setKey(key);
    QPointer<SecretStore> self(this);
    connect(job, &QKeychain::Job::finished, context, [self, key, done = std::move(done)](auto *j) {
        auto *read = static_cast<QKeychain::ReadPasswordJob *>(j);
        if (self) {
            if (const auto it = self->m_memory.constFind(key); it != self->m_memory.cend()) {
                return done({SecretResult::Status::MemoryOnly, *it,
                             tr("Kept in memory for this run only: no keychain is available.")});
            }
        }
        if (read->error() == QKeychain::NoError)
            return done({SecretResult::Status::Ok, read->binaryData(), {}});
        if (read->error() == QKeychain::EntryNotFound)
            return done(
                {SecretResult::Status::NotFound, {}, tr("No secret stored for %1.").arg(key)});
        qCInfo(lcApp) << "keychain read of" << key << "failed:" << read->errorString();
        done({SecretResult::Status::Failed, {}, keychainError(*read)});
    });
    job->start();
}

void SecretStore::write(const QString &key, const QByteArray &secret, QObject *context,
                        Callback done)
{
    if (!context)
        context = this;
    auto *job = new QKeychain::WritePasswordJob(m_service, this);
    job->setInsecureFallback(false);
    job->setKey(key);
    job->setBinaryData(secret);
    QPointer<SecretStore> self(this);
    connect(job, &QKeychain::Job::finished, context,
            [self, key, secret, done = std::move(done)](QKeychain::Job *j) {
                if (j->error() == QKeychain::NoError) {
                    if (self)
                        self->m_memory.remove(key); // the keychain holds the newest now
                    return done({SecretResult::Status::Ok, {}, {}});
                }
                const QString why = keychainError(*j);
                qCWarning(lcApp) << "keychain write of" << key
                                 << "failed, keeping it in memory:" << j->errorString();
                if (!self)
                    return done({SecretResult::Status::Failed, {}, why});
                self->m_memory.insert(key, secret);
                self->m_keychainUnavailable = true;
                done({SecretResult::Status::MemoryOnly,
                      {},
                      tr("%1\nThe secret is kept in memory for this run only; you will have to "
                         "enter it again after a restart.")
                          .arg(why)});
            });
    job->start();
}

void SecretStore::remove(const QString &key, QObject *context, Callback done)
{
    if (!context)
        context = this;
    auto *job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setInsecureFallback(false);
    job->setKey(key);
    QPointer<SecretStore> self(this);
    connect(job, &QKeychain::Job::finished, context,
            [self, key, done = std::move(done)](QKeychain::Job *j) {
                // Forgotten in memory only now, after any write asked before this remove.
                const bool wasInMemory = self && self->m_memory.remove(key) > 0;
                if (j->error() == QKeychain::NoError || wasInMemory)
                    return done({SecretResult::Status::Ok, {}, {}});
                if (j->error() == QKeychain::EntryNotFound)
                    return done({SecretResult::Status::NotFound, {}, {}});
                done({SecretResult::Status::Failed, {}, keychainError(*j)});
            });
    job->start();
}

} // namespace fhir::app
