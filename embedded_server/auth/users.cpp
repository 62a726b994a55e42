#include "users.h"

#include "passwords.h"

#include "embedded_server/serverlogging.h"
#include "embedded_server/store.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

UserInfo userOf(const QVariantList &row)
{
    UserInfo user;
    user.id = row.at(0).toLongLong();
    user.username = row.at(1).toString();
    user.displayName = row.at(2).toString();
    user.fhirUser = row.at(3).toString();
    user.created = QDateTime::fromMSecsSinceEpoch(row.at(4).toLongLong(), Qt::UTC);
    return user;
}

constexpr const char *kColumns = "id, username, display_name, fhir_user, created";

} // namespace

QString UserInfo::patientId() const
{
    return fhirUser.startsWith(u"Patient/"_s) ? fhirUser.mid(8) : QString();
}

UserStore::UserStore(Store &store, std::function<qint64()> clock)
    : m_store(store)
    , m_clock(std::move(clock))
{
}

qint64 UserStore::now() const
{
    return m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch();
}

QString UserStore::checkUsername(const QString &username)
{
    static const QRegularExpression shape(u"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"_s);
    if (!shape.match(username).hasMatch())
        return u"a username has 1 to 64 letters, digits or . _ @ -, and starts with a letter "
               "or digit"_s;
    return {};
}

QString UserStore::checkPassword(const QString &password)
{
    if (password.size() < kMinimumPasswordLength)
        return u"a password needs at least %1 characters"_s.arg(kMinimumPasswordLength);
    if (password.size() > 1024)
        return u"a password has at most 1,024 characters"_s;
    return {};
}

QString UserStore::checkFhirUser(const QString &fhirUser)
{
    // SMART App Launch: fhirUser is a Patient, Practitioner, PractitionerRole, RelatedPerson
    // or Person.
    static const QRegularExpression shape(
        u"^(Patient|Practitioner|PractitionerRole|RelatedPerson|Person)/[A-Za-z0-9\\-.]{1,64}$"_s);
    if (!fhirUser.isEmpty() && !shape.match(fhirUser).hasMatch())
        return u"fhirUser is a reference such as Patient/123 or Practitioner/abc (a Patient, "
               "Practitioner, PractitionerRole, RelatedPerson or Person)"_s;
    return {};
}

Result<UserInfo> UserStore::create(const QString &username, const QString &password,
                                   const QString &fhirUser, const QString &displayName)
{
    for (const QString &problem :
         {checkUsername(username), checkPassword(password), checkFhirUser(fhirUser)}) {
        if (!problem.isEmpty())
            return Error{problem};
    }
    auto existing = find(username);
    if (!existing)
        return Error{existing.error()};
    if (*existing)
        return Error{u"there is already a user called %1"_s.arg(username)};
    auto hashed = passwords::hash(password);
    if (!hashed)
        return Error{hashed.error()};
    auto inserted = m_store.query(
        "INSERT INTO oauth_user (username, display_name, password_hash,"
        " fhir_user, created) VALUES (?1, ?2, ?3, ?4, ?5)",
        {username, displayName.trimmed().isEmpty() ? username : displayName.trimmed(), *hashed,
         fhirUser.isEmpty() ? QVariant() : QVariant(fhirUser), now()});
    if (!inserted)
        return Error{u"cannot store the user: %1"_s.arg(inserted.error())};
    auto made = find(username);
    if (!made || !*made)
        return Error{u"cannot read the new user back"_s};
    qCInfo(lcServer).noquote() << "OAuth user" << username << "created";
    return **made;
}

Result<QList<UserInfo>> UserStore::list()
{
    auto rows = m_store.query("SELECT " + QByteArray(kColumns)
                              + " FROM oauth_user ORDER BY username COLLATE NOCASE");
    if (!rows)
        return Error{rows.error()};
    QList<UserInfo> users;
    for (const QVariantList &row : std::as_const(*rows))
        users.append(userOf(row));
    return users;
}

Result<std::optional<UserInfo>> UserStore::findWhere(const QByteArray &condition,
                                                     const QVariant &value)
{
    auto rows = m_store.query(
        "SELECT " + QByteArray(kColumns) + " FROM oauth_user WHERE " + condition, {value});
    if (!rows)
        return Error{rows.error()};
    if (rows->isEmpty())
        return std::optional<UserInfo>();
    return std::optional<UserInfo>(userOf(rows->first()));
}

Result<std::optional<UserInfo>> UserStore::find(qint64 id)
{
    return findWhere("id = ?1", id);
}

Result<std::optional<UserInfo>> UserStore::find(const QString &username)
{
    return findWhere("username = ?1", username);
}

Result<bool> UserStore::update(const QString &username, const QString &displayName,
                               const QString &fhirUser)
{
    if (const QString problem = checkFhirUser(fhirUser); !problem.isEmpty())
        return Error{problem};
    auto user = find(username);
    if (!user)
        return Error{user.error()};
    if (!*user)
        return false;
    auto updated = m_store.query(
        "UPDATE oauth_user SET display_name = ?2, fhir_user = ?3 WHERE id = ?1",
        {(*user)->id, displayName.trimmed().isEmpty() ? (*user)->username : displayName.trimmed(),
         fhirUser.isEmpty() ? QVariant() : QVariant(fhirUser)});
    if (!updated)
        return Error{updated.error()};
    // Tokens carry the old fhirUser and patient: they must not outlive the change.
    if ((*user)->fhirUser != fhirUser)
        return revokeGrants((*user)->id);
    return true;
}

Result<bool> UserStore::setPassword(const QString &username, const QString &password)
{
    if (const QString problem = checkPassword(password); !problem.isEmpty())
        return Error{problem};
    auto user = find(username);
    if (!user)
        return Error{user.error()};
    if (!*user)
        return false;
    auto hashed = passwords::hash(password);
    if (!hashed)
        return Error{hashed.error()};
    auto updated = m_store.query("UPDATE oauth_user SET password_hash = ?2 WHERE id = ?1",
                                 {(*user)->id, *hashed});
    if (!updated)
        return Error{updated.error()};
    return revokeGrants((*user)->id);
}

Result<bool> UserStore::remove(const QString &username)
{
    auto user = find(username);
    if (!user)
        return Error{user.error()};
    if (!*user)
        return false;
    if (auto revoked = revokeGrants((*user)->id); !revoked)
        return revoked;
    auto deleted = m_store.query("DELETE FROM oauth_user WHERE id = ?1", {(*user)->id});
    if (!deleted)
        return Error{deleted.error()};
    qCInfo(lcServer).noquote() << "OAuth user" << username << "removed";
    return true;
}

Result<bool> UserStore::revokeGrants(qint64 userId)
{
    auto revoked = m_store.query(
        "UPDATE oauth_grant SET revoked = ?2 WHERE user_id = ?1 AND revoked IS NULL",
        {userId, now()});
    if (!revoked)
        return Error{revoked.error()};
    return true;
}

Result<std::optional<UserInfo>> UserStore::authenticate(const QString &username,
                                                        const QString &password)
{
    // An unknown user costs one hash too, so timing does not tell which usernames exist.
    static const QString unknownUserHash = [] {
        auto made = passwords::hash(u"no such user"_s);
        return made ? *made : QString();
    }();
    auto rows = m_store.query("SELECT " + QByteArray(kColumns)
                                  + ", password_hash FROM oauth_user WHERE username = ?1",
                              {username});
    if (!rows)
        return Error{rows.error()};
    if (rows->isEmpty() || password.size() > 1024) {
        passwords::verify(password.left(1024), unknownUserHash);
        return std::optional<UserInfo>();
    }
    if (!passwords::verify(password, rows->first().at(5).toString()))
        return std::optional<UserInfo>();
    return std::optional<UserInfo>(userOf(rows->first()));
}

} // namespace fhir::server
