#include "clients.h"

#include "crypto.h"

#include "embedded_server/serverlogging.h"
#include "embedded_server/store.h"

#include <QUrl>

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

/// An empty text as '' rather than NULL: the columns are NOT NULL.
QString nonNull(const QString &text)
{
    return text.isNull() ? QString(u""_s) : text;
}

constexpr QLatin1StringView kSecretPrefix = "fcs_"_L1;
constexpr int kMaximumRedirectUris = 10;

/// The URI with the port of a loopback IP literal taken out, or nothing when it has no such
/// host: "http://127.0.0.1:51234/cb" -> "http://127.0.0.1/cb".
std::optional<QString> withoutLoopbackPort(const QString &uri)
{
    for (const QString &host : {u"http://127.0.0.1"_s, u"http://[::1]"_s}) {
        if (!uri.startsWith(host))
            continue;
        qsizetype at = host.size();
        if (at < uri.size() && uri[at] == u':') {
            qsizetype end = at + 1;
            while (end < uri.size() && uri[end].isDigit())
                ++end;
            const qsizetype digits = end - at - 1;
            const int port = uri.mid(at + 1, digits).toInt();
            if (digits < 1 || digits > 5 || port < 1 || port > 65535)
                return std::nullopt;
            return host + uri.mid(end);
        }
        return uri;
    }
    return std::nullopt;
}

QString checkRedirectUri(const QString &uri)
{
    if (uri.size() > 2000)
        return u"a redirect URI has at most 2,000 characters"_s;
    const QUrl url(uri, QUrl::StrictMode);
    if (!url.isValid() || url.scheme().isEmpty() || url.hasFragment())
        return u"'%1' is not an absolute URI without a fragment"_s.arg(uri.left(200));
    const QString scheme = url.scheme();
    if (scheme == u"http"_s) {
        const QString host = url.host();
        if (host != u"127.0.0.1"_s && host != u"::1"_s && host != u"localhost"_s)
            return u"'%1': plain http is only for a loopback redirect (127.0.0.1, [::1]); "
                   "use https"_s.arg(uri.left(200));
        return {};
    }
    if (scheme == u"https"_s) {
        if (url.host().isEmpty())
            return u"'%1' has no host"_s.arg(uri.left(200));
        return {};
    }
    // RFC 8252 §7.1: a private-use scheme is a reverse domain name the app owns.
    if (!scheme.contains(u'.'))
        return u"'%1': a private-use scheme is a reverse domain name such as "
               "com.example.app"_s.arg(uri.left(200));
    return {};
}

ClientInfo clientOf(const QVariantList &row)
{
    ClientInfo info;
    info.clientId = row.at(0).toString();
    info.name = row.at(1).toString();
    info.confidential = !row.at(2).isNull();
    info.redirectUris = row.at(3).toString().split(u'\n', Qt::SkipEmptyParts);
    info.scopes = row.at(4).toString();
    info.grantTypes = row.at(5).toString().split(u' ', Qt::SkipEmptyParts);
    info.created = QDateTime::fromMSecsSinceEpoch(row.at(6).toLongLong(), Qt::UTC);
    return info;
}

Result<QByteArray> newSecret()
{
    auto token = crypto::randomToken(32);
    if (!token)
        return token;
    return QByteArray(QByteArray(kSecretPrefix.data(), kSecretPrefix.size()) + *token);
}

} // namespace

ClientStore::ClientStore(Store &store, std::function<qint64()> clock)
    : m_store(store)
    , m_clock(std::move(clock))
{
}

qint64 ClientStore::now() const
{
    return m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch();
}

const QStringList &ClientStore::knownGrantTypes()
{
    static const QStringList known
        = {u"authorization_code"_s, u"refresh_token"_s, u"client_credentials"_s};
    return known;
}

QString ClientStore::check(const ClientInfo &info)
{
    const QString name = info.name.trimmed();
    if (name.isEmpty() || name.size() > 200)
        return u"an application needs a name of 1 to 200 characters"_s;
    if (info.grantTypes.isEmpty())
        return u"an application needs at least one grant type"_s;
    for (const QString &grant : info.grantTypes) {
        if (!knownGrantTypes().contains(grant))
            return u"unknown grant type '%1': this server knows %2"_s.arg(
                grant.left(100), knownGrantTypes().join(u", "_s));
    }
    if (info.grantTypes.contains(u"client_credentials"_s) && !info.confidential)
        return u"client_credentials needs a confidential application: a public one has no "
               "secret to authenticate with"_s;
    if (info.grantTypes.contains(u"authorization_code"_s) && info.redirectUris.isEmpty())
        return u"the authorization code flow needs at least one redirect URI"_s;
    if (info.redirectUris.size() > kMaximumRedirectUris)
        return u"an application has at most %1 redirect URIs"_s.arg(kMaximumRedirectUris);
    for (const QString &uri : info.redirectUris) {
        if (const QString problem = checkRedirectUri(uri); !problem.isEmpty())
            return problem;
    }
    if (info.scopes.size() > 4000)
        return u"the allowed scopes are longer than 4,000 characters"_s;
    return {};
}

bool ClientStore::redirectUriMatches(const QString &registered, const QString &presented)
{
    if (registered == presented)
        return true;
    const auto a = withoutLoopbackPort(registered);
    const auto b = withoutLoopbackPort(presented);
    return a && b && *a == *b;
}

Result<NewClient> ClientStore::create(ClientInfo info)
{
    info.name = info.name.trimmed();
    info.scopes = info.scopes.simplified();
    info.grantTypes.removeDuplicates();
    info.redirectUris.removeDuplicates();
    if (const QString problem = check(info); !problem.isEmpty())
        return Error{problem};
    auto id = crypto::randomBytes(8);
    if (!id)
        return Error{id.error()};
    info.clientId = u"fpc_"_s + QString::fromLatin1(id->toHex());
    info.created = QDateTime::fromMSecsSinceEpoch(now(), Qt::UTC);
    NewClient made{info, {}};
    QVariant secretHash;
    if (info.confidential) {
        auto secret = newSecret();
        if (!secret)
            return Error{secret.error()};
        made.secret = QString::fromLatin1(*secret);
        secretHash = crypto::sha256(*secret);
    }
    auto inserted = m_store.query(
        "INSERT INTO oauth_client (client_id, name, secret_hash, redirect_uris, scopes,"
        " grant_types, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        {info.clientId, info.name, secretHash, nonNull(info.redirectUris.join(u'\n')), info.scopes,
         nonNull(info.grantTypes.join(u' ')), info.created.toMSecsSinceEpoch()});
    if (!inserted)
        return Error{u"cannot store the application: %1"_s.arg(inserted.error())};
    qCInfo(lcServer).noquote() << "OAuth client" << info.clientId << "registered";
    return made;
}

Result<QList<ClientInfo>> ClientStore::list()
{
    auto rows
        = m_store.query("SELECT client_id, name, secret_hash, redirect_uris, scopes,"
                        " grant_types, created FROM oauth_client ORDER BY created, client_id");
    if (!rows)
        return Error{rows.error()};
    QList<ClientInfo> clients;
    for (const QVariantList &row : std::as_const(*rows))
        clients.append(clientOf(row));
    return clients;
}

Result<std::optional<ClientInfo>> ClientStore::find(const QString &clientId)
{
    auto rows = m_store.query("SELECT client_id, name, secret_hash, redirect_uris, scopes,"
                              " grant_types, created FROM oauth_client WHERE client_id = ?1",
                              {clientId});
    if (!rows)
        return Error{rows.error()};
    if (rows->isEmpty())
        return std::optional<ClientInfo>();
    return std::optional<ClientInfo>(clientOf(rows->first()));
}

Result<bool> ClientStore::update(const ClientInfo &changed)
{
    auto existing = find(changed.clientId);
    if (!existing)
        return Error{existing.error()};
    if (!*existing)
        return false;
    ClientInfo info = **existing;
    info.name = changed.name.trimmed();
    info.redirectUris = changed.redirectUris;
    info.redirectUris.removeDuplicates();
    info.scopes = changed.scopes.simplified();
    info.grantTypes = changed.grantTypes;
    info.grantTypes.removeDuplicates();
    if (const QString problem = check(info); !problem.isEmpty())
        return Error{problem};
    auto updated = m_store.query("UPDATE oauth_client SET name = ?2, redirect_uris = ?3,"
                                 " scopes = ?4, grant_types = ?5 WHERE client_id = ?1",
                                 {info.clientId, info.name, nonNull(info.redirectUris.join(u'\n')),
                                  info.scopes, nonNull(info.grantTypes.join(u' '))});
    if (!updated)
        return Error{updated.error()};
    return true;
}

Result<NewClient> ClientStore::resetSecret(const QString &clientId)
{
    auto existing = find(clientId);
    if (!existing)
        return Error{existing.error()};
    if (!*existing)
        return Error{u"there is no application %1"_s.arg(clientId.left(100))};
    if (!(*existing)->confidential)
        return Error{u"a public application has no secret"_s};
    auto secret = newSecret();
    if (!secret)
        return Error{secret.error()};
    auto updated = m_store.query("UPDATE oauth_client SET secret_hash = ?2 WHERE client_id = ?1",
                                 {clientId, crypto::sha256(*secret)});
    if (!updated)
        return Error{updated.error()};
    return NewClient{**existing, QString::fromLatin1(*secret)};
}

Result<bool> ClientStore::remove(const QString &clientId)
{
    auto revoked = m_store.query(
        "UPDATE oauth_grant SET revoked = ?2 WHERE client_id = ?1 AND revoked IS NULL",
        {clientId, now()});
    if (!revoked)
        return Error{revoked.error()};
    auto deleted = m_store.query("DELETE FROM oauth_client WHERE client_id = ?1", {clientId});
    if (!deleted)
        return Error{deleted.error()};
    const bool existed = m_store.changes() > 0;
    if (existed)
        qCInfo(lcServer).noquote() << "OAuth client" << clientId << "removed";
    return existed;
}

Result<bool> ClientStore::authenticate(const QString &clientId, QByteArrayView secret)
{
    auto rows
        = m_store.query("SELECT secret_hash FROM oauth_client WHERE client_id = ?1", {clientId});
    if (!rows)
        return Error{rows.error()};
    if (rows->isEmpty() || rows->first().at(0).isNull() || secret.isEmpty())
        return false;
    return crypto::equalConstantTime(rows->first().at(0).toByteArray(), crypto::sha256(secret));
}

} // namespace fhir::server
