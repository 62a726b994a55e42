#pragma once

#include "tokenset.h"

#include "app/secretstore.h"

#include <functional>
#include <optional>

namespace fhir::app {

/// A deployment's OAuth tokens in the OS keychain (SecretStore), one entry per deployment:
/// the access, refresh and ID tokens with their scope, patient and expiry, so a login
/// survives a restart and nothing of it reaches settings, logs or history. A confidential
/// client's secret has an entry of its own.
///
///     TokenVault vault(secrets);
///     vault.save(deploymentId, tokens, this, [](const SecretResult &r) { ... });
///     vault.load(deploymentId, this, [](std::optional<TokenSet> tokens, const SecretResult &r) {
///     ... });
class TokenVault
{
public:
    using Loaded = std::function<void(std::optional<TokenSet>, const SecretResult &)>;

    explicit TokenVault(SecretStore &secrets);

    void save(const QString &deploymentId, const TokenSet &tokens, QObject *context,
              SecretStore::Callback done);
    /// Nothing (and NotFound) when no login is kept; a malformed entry is nothing too.
    void load(const QString &deploymentId, QObject *context, Loaded done);
    void forget(const QString &deploymentId, QObject *context, SecretStore::Callback done);

    /// The keychain entries' names.
    static QString tokensKey(const QString &deploymentId);
    static QString clientSecretKey(const QString &deploymentId);

    static QByteArray serialize(const TokenSet &tokens);
    static std::optional<TokenSet> deserialize(const QByteArray &bytes);

private:
    SecretStore &m_secrets; // not owned
};

} // namespace fhir::app
