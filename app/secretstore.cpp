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

// Runs `done` on the event loop of `context`'s thread, never inside the caller's stack frame,
// so every answer arrives the same way whether a keychain job ran or not.
void deliverLater(QObject *context, SecretStore::Callback done, SecretResult result)
{
    QMetaObject::invokeMethod(
        context, [done = std::move(done), result = std::move(result)] { done(result); },
        Qt::QueuedConnection);
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
    if (const auto it = m_memory.constFind(key); it != m_memory.cend()) {
        deliverLater(context, std::move(done),
                     {SecretResult::Status::MemoryOnly, *it,
                      tr("Kept in memory for this run only: no keychain is available.")});
        return;
    }
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setInsecureFallback(false); // never a plain-text file
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, context, [key, done = std::move(done)](auto *j) {
        auto *read = static_cast<QKeychain::ReadPasswordJob *>(j);
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
    const bool wasInMemory = m_memory.remove(key) > 0;
    auto *job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setInsecureFallback(false);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, context,
            [key, wasInMemory, done = std::move(done)](QKeychain::Job *j) {
                if (j->error() == QKeychain::NoError)
                    return done({SecretResult::Status::Ok, {}, {}});
                if (j->error() == QKeychain::EntryNotFound)
                    return done(
                        {wasInMemory ? SecretResult::Status::Ok : SecretResult::Status::NotFound,
                         {},
                         {}});
                if (wasInMemory) // it only ever lived here, and it is gone
                    return done({SecretResult::Status::Ok, {}, {}});
                done({SecretResult::Status::Failed, {}, keychainError(*j)});
            });
    job->start();
}

} // namespace fhir::app
