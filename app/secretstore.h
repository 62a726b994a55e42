#pragma once

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QString>

#include <functional>

namespace fhir::app {

/// What a keychain operation came to.
struct SecretResult
{
    enum class Status {
        Ok, ///< done in the OS keychain
        NotFound, ///< read of a key the keychain does not hold (removing one is Ok)
        MemoryOnly, ///< no keychain: kept in memory for this run only (`error` says why)
        Failed, ///< the keychain refused; `error` says why
    };

    Status status = Status::Failed;
    QByteArray secret; ///< read only
    QString error; ///< for people; never contains the secret

    bool ok() const { return status == Status::Ok || status == Status::MemoryOnly; }
};

/// Secrets (API keys, tokens) in the OS keychain through QtKeychain, one entry per key under
/// one service name. Every call returns at once; the callback runs later on the calling
/// thread, and not at all once `context` is gone, so a closed dialog never hears back.
///
///     store->write(deploymentId, key, this, [this](const SecretResult &r) {
///         if (r.status == SecretResult::Status::MemoryOnly)
///             warn(r.error);
///     });
///
/// Where no keychain answers (no Secret Service, no KWallet), `write` keeps the secret in this
/// object's memory for the run and says so; it never falls back to a settings file.
class SecretStore : public QObject
{
    Q_OBJECT

public:
    using Callback = std::function<void(const SecretResult &)>;

    explicit SecretStore(const QString &service = QStringLiteral("FHIR Portal"),
                         QObject *parent = nullptr);
    ~SecretStore() override;

    QString service() const { return m_service; }

    void read(const QString &key, QObject *context, Callback done);
    void write(const QString &key, const QByteArray &secret, QObject *context, Callback done);
    void remove(const QString &key, QObject *context, Callback done);

    /// True once a write had to fall back to memory in this run.
    bool isMemoryOnly() const { return m_keychainUnavailable; }

private:
    QString m_service;
    QHash<QString, QByteArray> m_memory; // only when the keychain is unavailable
    bool m_keychainUnavailable = false;
};

} // namespace fhir::app
