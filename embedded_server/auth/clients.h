#pragma once

#include "schemas/result.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace fhir::server {

class Store;

/// An application registered with the authorization server. Never its secret.
struct ClientInfo
{
    QString clientId; ///< made by the store: "fpc_" and 16 hex digits
    QString name;
    /// Confidential clients authenticate with a secret (HTTP Basic or client_secret_post);
    /// public ones (native and browser apps) cannot keep one and must use PKCE.
    bool confidential = false;
    /// Compared as exact strings, but for the port of a loopback IP literal (RFC 8252 §7.3).
    QStringList redirectUris;
    QString scopes; ///< the scopes it may be granted, space-separated (scopes.h)
    /// authorization_code, refresh_token, client_credentials (confidential only).
    QStringList grantTypes
        = {QStringLiteral("authorization_code"), QStringLiteral("refresh_token")};
    QDateTime created; ///< UTC
};

/// A client just registered (or given a new secret): the only moment its secret exists here.
struct NewClient
{
    ClientInfo info;
    QString secret; ///< empty for a public client
};

/// The registered applications of one deployment (table `oauth_client`). A confidential
/// client's secret is 32 bytes from OpenSSL's CSPRNG ("fcs_" and base64url), kept only as its
/// SHA-256, compared in constant time.
///
///     ClientStore clients(store);
///     auto made = clients.create(info); // show made->secret once
///     clients.authenticate(id, secret);  // true or false
class ClientStore
{
public:
    explicit ClientStore(Store &store, std::function<qint64()> clock = {});

    static const QStringList &knownGrantTypes();
    /// Why a client's registration is refused, or an empty string: a name, at least one
    /// redirect URI for the code flow (absolute, no fragment; http only on a loopback host),
    /// known grant types, client_credentials only for a confidential client.
    static QString check(const ClientInfo &info);
    /// RFC 6749 §3.1.2 with RFC 8252 §7.3: `presented` matches `registered` as an exact
    /// string, except that a registered http://127.0.0.1 or http://[::1] URI matches any port.
    static bool redirectUriMatches(const QString &registered, const QString &presented);

    Result<NewClient> create(ClientInfo info);
    Result<QList<ClientInfo>> list();
    Result<std::optional<ClientInfo>> find(const QString &clientId);
    /// Name, redirect URIs, scopes and grant types; not the kind or the secret.
    Result<bool> update(const ClientInfo &info);
    /// A new secret for a confidential client; the old one stops working at once.
    Result<NewClient> resetSecret(const QString &clientId);
    /// Removes the client and revokes every grant made to it: true when it existed.
    Result<bool> remove(const QString &clientId);
    /// Whether `secret` is the confidential client's.
    Result<bool> authenticate(const QString &clientId, QByteArrayView secret);

private:
    qint64 now() const;

    Store &m_store; // not owned
    std::function<qint64()> m_clock;
};

} // namespace fhir::server
