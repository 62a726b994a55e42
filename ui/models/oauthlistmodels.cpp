#include "oauthlistmodels.h"

#include <QLocale>

using namespace Qt::StringLiterals;

namespace fhir::ui {

OAuthUserListModel::OAuthUserListModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void OAuthUserListModel::setUsers(const QList<server::UserInfo> &users)
{
    beginResetModel();
    m_users = users;
    endResetModel();
}

int OAuthUserListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_users.size());
}

int OAuthUserListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant OAuthUserListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const server::UserInfo &user = m_users.at(index.row());
    if (role == UsernameRole)
        return user.username;
    if (role == Qt::ToolTipRole && index.column() == FhirUserColumn)
        return user.fhirUser.startsWith(u"Patient/"_s)
            ? tr("Logs in as this patient: sees only this patient's records")
            : QVariant();
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case UsernameColumn:
        return user.username;
    case FhirUserColumn:
        return user.fhirUser.isEmpty() ? tr("none") : user.fhirUser;
    case CreatedColumn:
        return QLocale().toString(user.created.toLocalTime(), QLocale::ShortFormat);
    }
    return {};
}

QVariant OAuthUserListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case UsernameColumn:
        return tr("Username");
    case FhirUserColumn:
        return tr("FHIR user");
    case CreatedColumn:
        return tr("Added");
    }
    return {};
}

OAuthClientListModel::OAuthClientListModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

void OAuthClientListModel::setClients(const QList<server::ClientInfo> &clients)
{
    beginResetModel();
    m_clients = clients;
    endResetModel();
}

int OAuthClientListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_clients.size());
}

int OAuthClientListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant OAuthClientListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const server::ClientInfo &client = m_clients.at(index.row());
    if (role == ClientIdRole)
        return client.clientId;
    if (role == Qt::ToolTipRole && index.column() == TypeColumn)
        return client.confidential ? tr("Authenticates with its secret; may use client credentials")
                                   : tr("A native or browser app: no secret, PKCE required");
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case NameColumn:
        return client.name;
    case ClientIdColumn:
        return client.clientId;
    case TypeColumn:
        if (client.grantTypes == QStringList{u"client_credentials"_s})
            return tr("Backend service");
        return client.confidential ? tr("Confidential") : tr("Public");
    case RedirectUrisColumn:
        return client.redirectUris.join(u", "_s);
    case ScopesColumn:
        return client.scopes;
    }
    return {};
}

QVariant OAuthClientListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Application");
    case ClientIdColumn:
        return tr("Client id");
    case TypeColumn:
        return tr("Type");
    case RedirectUrisColumn:
        return tr("Redirect URIs");
    case ScopesColumn:
        return tr("Allowed scopes");
    }
    return {};
}

} // namespace fhir::ui
