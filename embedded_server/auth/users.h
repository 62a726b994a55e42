#pragma once

#include "schemas/result.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <functional>
#include <optional>

namespace fhir::server {

class Store;

/// A person who can log in to the deployment's authorization server. Never the password.
struct UserInfo
{
    qint64 id = 0;
    QString username;
    QString displayName;
    /// The FHIR resource that is this user (SMART's fhirUser): "Patient/123",
    /// "Practitioner/abc"; empty when the user is none of them. A user linked to a Patient
    /// sees only that patient's compartment, whatever the scopes.
    QString fhirUser;
    QDateTime created; ///< UTC

    /// The patient id when fhirUser is a Patient, else empty.
    QString patientId() const;
};

/// The users of one deployment's authorization server (table `oauth_user`). Passwords are
/// kept as PBKDF2 hashes (passwords.h); usernames are unique regardless of case.
///
///     UserStore users(store);
///     users.create(u"alice"_s, password, u"Patient/p1"_s);
///     auto who = users.authenticate(u"alice"_s, typed); // a UserInfo, or nullopt
class UserStore
{
public:
    explicit UserStore(Store &store, std::function<qint64()> clock = {});

    static constexpr int kMinimumPasswordLength = 8;

    /// Why a username, password or fhirUser is refused, or an empty string.
    static QString checkUsername(const QString &username);
    static QString checkPassword(const QString &password);
    static QString checkFhirUser(const QString &fhirUser);

    Result<UserInfo> create(const QString &username, const QString &password,
                            const QString &fhirUser = {}, const QString &displayName = {});
    Result<QList<UserInfo>> list();
    Result<std::optional<UserInfo>> find(qint64 id);
    Result<std::optional<UserInfo>> find(const QString &username);
    /// Changes the name shown and the fhirUser link.
    Result<bool> update(const QString &username, const QString &displayName,
                        const QString &fhirUser);
    /// A new password; the user's grants (and so every token issued to them) are revoked.
    Result<bool> setPassword(const QString &username, const QString &password);
    /// Removes the user and revokes their grants: true when they existed.
    Result<bool> remove(const QString &username);
    /// The user when `password` is theirs; nullopt for a wrong password or an unknown user,
    /// which take the same time.
    Result<std::optional<UserInfo>> authenticate(const QString &username, const QString &password);

private:
    qint64 now() const;
    Result<std::optional<UserInfo>> findWhere(const QByteArray &condition, const QVariant &value);
    Result<bool> revokeGrants(qint64 userId);

    Store &m_store; // not owned
    std::function<qint64()> m_clock;
};

} // namespace fhir::server
