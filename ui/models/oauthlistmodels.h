#pragma once

#include "embedded_server/auth/clients.h"
#include "embedded_server/auth/users.h"

#include <QAbstractTableModel>

namespace fhir::ui {

/// The users of an embedded deployment's authorization server, for its OAuth 2.0 page:
/// username, the FHIR resource they are, when they were added. Never a password: the store
/// has only hashes.
class OAuthUserListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { UsernameColumn, FhirUserColumn, CreatedColumn, ColumnCount };
    enum Role { UsernameRole = Qt::UserRole + 1 };

    explicit OAuthUserListModel(QObject *parent = nullptr);

    void setUsers(const QList<server::UserInfo> &users);
    const QList<server::UserInfo> &users() const { return m_users; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QList<server::UserInfo> m_users;
};

/// The applications registered with an embedded deployment's authorization server: name,
/// client id, public or confidential, redirect URIs, the scopes it may be granted. Never a
/// secret: the store has only its hash.
class OAuthClientListModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        NameColumn,
        ClientIdColumn,
        TypeColumn,
        RedirectUrisColumn,
        ScopesColumn,
        ColumnCount
    };
    enum Role { ClientIdRole = Qt::UserRole + 1 };

    explicit OAuthClientListModel(QObject *parent = nullptr);

    void setClients(const QList<server::ClientInfo> &clients);
    const QList<server::ClientInfo> &clients() const { return m_clients; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QList<server::ClientInfo> m_clients;
};

} // namespace fhir::ui
