#pragma once

#include "app/wirerequest.h" // isSecretHeader

#include "schemas/result.h"

#include <QAbstractListModel>
#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

#include <optional>

class QSettings;

namespace fhir::app {

/// One deployment the user can pick: an embedded server this app runs, or a remote FHIR
/// endpoint. Holds nothing secret: API keys and secret header values live in the SecretStore
/// under secretKey() / headerSecretKey().
struct DeploymentEntry
{
    enum class Kind { Embedded, Remote };

    Kind kind = Kind::Embedded;
    QString id; ///< [a-z0-9-]{1,64}; stable; names the data folder and the keychain entries
    QString name; ///< shown to users

    // Embedded
    quint16 port = 0; ///< 0 picks a free port on each start
    bool requireApiKey = true;
    /// The integrated OAuth 2.0 / SMART authorization server, beside or instead of API keys.
    bool oauth = false;

    // Remote
    QUrl baseUrl; ///< without a trailing slash
    QList<QPair<QByteArray, QByteArray>> headers; ///< extra non-secret headers, sent as given
    QList<QByteArray> secretHeaders; ///< names of headers whose values are in the keychain

    bool isEmbedded() const { return kind == Kind::Embedded; }
    bool operator==(const DeploymentEntry &) const = default;
};

/// The SecretStore key of a deployment's API key (sent as x-api-key).
QString secretKey(const QString &deploymentId);
/// The SecretStore key of one secret header's value of a remote deployment.
QString headerSecretKey(const QString &deploymentId, const QByteArray &headerName);

/// The deployments the user has, in the order they were added, persisted in QSettings under
/// "deployments" (no secrets), with the one last selected. Also the list model of the
/// selector: Qt::DisplayRole is the name, the roles below give the rest.
///
///     DeploymentRegistry registry; // QSettings() and AppDataLocation/deployments
///     if (registry.rowCount() == 0)
///         registry.add({.kind = DeploymentEntry::Kind::Embedded, .name = u"Local"_s, ...});
class DeploymentRegistry : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Role {
        IdRole = Qt::UserRole + 1, ///< QString
        KindRole, ///< int, DeploymentEntry::Kind
        DescriptionRole, ///< QString: "Embedded, port 8080" or the base URL
    };
    Q_ENUM(Role)

    /// `settings` null: the application's QSettings(). `dataRoot` empty:
    /// QStandardPaths::AppDataLocation + "/deployments".
    explicit DeploymentRegistry(QSettings *settings = nullptr, const QString &dataRoot = {},
                                QObject *parent = nullptr);
    ~DeploymentRegistry() override;

    const QList<DeploymentEntry> &entries() const { return m_entries; }
    std::optional<DeploymentEntry> entry(const QString &id) const;
    int indexOf(const QString &id) const;

    /// Adds an entry; an empty id is made from the name. Refuses an invalid or duplicate id, a
    /// remote entry without an http(s) URL, and secret headers among the plain ones.
    Result<DeploymentEntry> add(DeploymentEntry entry);
    /// Replaces the entry with the same id (same checks as add).
    Result<bool> update(const DeploymentEntry &entry);
    /// Forgets an entry (its data folder and secrets are the caller's to remove).
    bool remove(const QString &id);

    /// Where an embedded deployment keeps its database.
    QString dataFolder(const QString &id) const;

    /// The entry selected last time; empty when none.
    QString currentId() const { return m_currentId; }
    void setCurrentId(const QString &id);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

private:
    Result<DeploymentEntry> validated(DeploymentEntry entry) const;
    QString uniqueIdFor(const QString &name) const;
    void load();
    void save();

    QSettings *m_settings; // owned by this when it made it
    QString m_dataRoot;
    QList<DeploymentEntry> m_entries;
    QString m_currentId;
};

} // namespace fhir::app
