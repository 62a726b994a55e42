#include "oauthpagedialog.h"

#include "ui/models/oauthlistmodels.h"

#include "app/deploymentmanager.h"
#include "embedded_server/deployment.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace fhir::ui {

namespace {

QTableView *tableFor(QAbstractItemModel *model, const QString &name)
{
    auto *view = new QTableView;
    view->setObjectName(name);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->verticalHeader()->hide();
    view->horizontalHeader()->setStretchLastSection(true);
    view->setMinimumHeight(120);
    return view;
}

} // namespace

OAuthPageDialog::OAuthPageDialog(app::DeploymentManager *manager, const QString &deploymentId,
                                 QWidget *parent)
    : QDialog(parent)
    , m_manager(manager)
    , m_id(deploymentId)
    , m_users(new OAuthUserListModel(this))
    , m_clients(new OAuthClientListModel(this))
    , m_enabled(new QCheckBox(tr("&Integrated authorization server (OAuth 2.0 / SMART App "
                                 "Launch)")))
    , m_discovery(new QLabel)
    , m_error(new QLabel)
    , m_userView(tableFor(m_users, u"oauthUsers"_s))
    , m_username(new QLineEdit)
    , m_password(new QLineEdit)
    , m_fhirUser(new QLineEdit)
    , m_addUser(new QPushButton(tr("Add &user")))
    , m_removeUser(new QPushButton(tr("Remove")))
    , m_clientView(tableFor(m_clients, u"oauthClients"_s))
    , m_clientName(new QLineEdit)
    , m_clientType(new QComboBox)
    , m_redirectUris(new QPlainTextEdit)
    , m_scopes(new QLineEdit)
    , m_addClient(new QPushButton(tr("Add &application")))
    , m_removeClient(new QPushButton(tr("Remove")))
{
    const auto entry = manager->registry()->entry(deploymentId);
    setWindowTitle(tr("OAuth 2.0: %1").arg(entry ? entry->name : deploymentId));
    setObjectName(u"oauthPageDialog"_s);
    m_enabled->setObjectName(u"oauthEnabled"_s);
    m_enabled->setChecked(entry && entry->oauth);
    m_discovery->setObjectName(u"oauthDiscovery"_s);
    m_discovery->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_discovery->setWordWrap(true);
    m_error->setObjectName(u"oauthError"_s);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(u"color: palette(highlight)"_s);
    m_error->hide();

    m_username->setObjectName(u"newUsername"_s);
    m_username->setPlaceholderText(tr("username"));
    m_password->setObjectName(u"newPassword"_s);
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setPlaceholderText(tr("password (8 characters or more)"));
    m_fhirUser->setObjectName(u"newFhirUser"_s);
    m_fhirUser->setPlaceholderText(tr("Patient/123 or Practitioner/abc (optional)"));
    m_fhirUser->setToolTip(tr("A user who is a Patient sees only that patient's records; "
                              "without one, the patient is picked at login"));
    m_addUser->setObjectName(u"addUserButton"_s);
    m_removeUser->setObjectName(u"removeUserButton"_s);
    auto *userForm = new QHBoxLayout;
    userForm->addWidget(m_username);
    userForm->addWidget(m_password);
    userForm->addWidget(m_fhirUser);
    userForm->addWidget(m_addUser);
    auto *usersBox = new QGroupBox(tr("Users"));
    auto *usersLayout = new QVBoxLayout(usersBox);
    usersLayout->addWidget(m_userView);
    usersLayout->addLayout(userForm);
    usersLayout->addWidget(m_removeUser, 0, Qt::AlignRight);

    m_clientName->setObjectName(u"newClientName"_s);
    m_clientName->setPlaceholderText(tr("application name"));
    m_clientType->setObjectName(u"newClientType"_s);
    m_clientType->addItem(tr("Public (native or browser app, PKCE)"), u"public"_s);
    m_clientType->addItem(tr("Confidential (has a secret)"), u"confidential"_s);
    m_clientType->addItem(tr("Backend service (client credentials)"), u"backend"_s);
    m_redirectUris->setObjectName(u"newRedirectUris"_s);
    m_redirectUris->setPlaceholderText(tr("redirect URIs, one a line: http://127.0.0.1/callback "
                                          "takes any port"));
    m_redirectUris->setMaximumHeight(60);
    m_scopes->setObjectName(u"newScopes"_s);
    m_scopes->setText(u"patient/*.rs user/*.rs openid fhirUser launch/patient offline_access"_s);
    m_addClient->setObjectName(u"addClientButton"_s);
    m_removeClient->setObjectName(u"removeClientButton"_s);
    auto *clientForm = new QFormLayout;
    clientForm->addRow(tr("Name:"), m_clientName);
    clientForm->addRow(tr("Type:"), m_clientType);
    clientForm->addRow(tr("Redirect URIs:"), m_redirectUris);
    clientForm->addRow(tr("Allowed scopes:"), m_scopes);
    auto *clientButtons = new QHBoxLayout;
    clientButtons->addStretch();
    clientButtons->addWidget(m_addClient);
    clientButtons->addWidget(m_removeClient);
    auto *clientsBox = new QGroupBox(tr("Applications"));
    auto *clientsLayout = new QVBoxLayout(clientsBox);
    clientsLayout->addWidget(m_clientView);
    clientsLayout->addLayout(clientForm);
    clientsLayout->addLayout(clientButtons);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_enabled);
    layout->addWidget(m_discovery);
    layout->addWidget(m_error);
    layout->addWidget(usersBox);
    layout->addWidget(clientsBox);
    layout->addWidget(buttons);
    resize(900, 720);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_enabled, &QCheckBox::toggled, this, [this](bool on) {
        if (auto ok = m_manager->setOAuthEnabled(m_id, on); !ok)
            showError(ok.error());
        reload();
    });
    connect(m_addUser, &QPushButton::clicked, this, &OAuthPageDialog::addUser);
    connect(m_password, &QLineEdit::returnPressed, this, &OAuthPageDialog::addUser);
    connect(m_removeUser, &QPushButton::clicked, this, &OAuthPageDialog::removeUser);
    connect(m_addClient, &QPushButton::clicked, this, &OAuthPageDialog::addClient);
    connect(m_removeClient, &QPushButton::clicked, this, &OAuthPageDialog::removeClient);
    connect(m_manager, &app::DeploymentManager::stateChanged, this, [this](const QString &id) {
        if (id == m_id)
            reload();
    });
    reload();
}

void OAuthPageDialog::showError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void OAuthPageDialog::reload()
{
    server::Deployment *d = m_manager->embeddedDeployment(m_id);
    if (!d)
        return showError(tr("OAuth 2.0 is served by embedded deployments only."));
    const bool on = d->settings().oauth;
    const QString base = d->baseUrl();
    if (!on)
        m_discovery->setText(tr("Off: the server takes API keys only. Users and applications "
                                "below are kept for when it is on."));
    else if (base.isEmpty())
        m_discovery->setText(tr("On; the discovery URL appears when the deployment runs."));
    else
        m_discovery->setText(
            tr("On. Apps discover it at %1/.well-known/smart-configuration").arg(base));
    auto users = d->oauthUsers();
    auto clients = d->oauthClients();
    if (!users || !clients)
        return showError(!users ? users.error() : clients.error());
    m_users->setUsers(*users);
    m_clients->setClients(*clients);
    m_userView->resizeColumnsToContents();
    m_clientView->resizeColumnsToContents();
}

void OAuthPageDialog::addUser()
{
    server::Deployment *d = m_manager->embeddedDeployment(m_id);
    if (!d)
        return;
    auto made = d->addOAuthUser(m_username->text().trimmed(), m_password->text(),
                                m_fhirUser->text().trimmed());
    m_password->clear();
    if (!made)
        return showError(made.error());
    showError({});
    m_username->clear();
    m_fhirUser->clear();
    reload();
}

void OAuthPageDialog::removeUser()
{
    const QModelIndex index = m_userView->currentIndex();
    server::Deployment *d = m_manager->embeddedDeployment(m_id);
    if (!index.isValid() || !d)
        return;
    if (auto removed = d->removeOAuthUser(index.data(OAuthUserListModel::UsernameRole).toString());
        !removed)
        showError(removed.error());
    reload();
}

void OAuthPageDialog::addClient()
{
    server::Deployment *d = m_manager->embeddedDeployment(m_id);
    if (!d)
        return;
    const QString type = m_clientType->currentData().toString();
    server::ClientInfo info;
    info.name = m_clientName->text().trimmed();
    info.confidential = type != u"public"_s;
    info.redirectUris = m_redirectUris->toPlainText().split(u'\n', Qt::SkipEmptyParts);
    for (QString &uri : info.redirectUris)
        uri = uri.trimmed();
    info.scopes = m_scopes->text().simplified();
    if (type == u"backend"_s)
        info.grantTypes = {u"client_credentials"_s};
    auto made = d->addOAuthClient(info);
    if (!made)
        return showError(made.error());
    showError({});
    m_clientName->clear();
    m_redirectUris->clear();
    reload();
    if (!made->secret.isEmpty()) {
        Q_EMIT secretShown(made->info.clientId, made->secret);
        auto *box = new QMessageBox(QMessageBox::Information, tr("Client secret"),
                                    tr("The secret of %1 (client id %2), shown only this once. "
                                       "Copy it now; only its hash is kept.")
                                        .arg(made->info.name.toHtmlEscaped(), made->info.clientId),
                                    QMessageBox::Ok, this);
        box->setObjectName(u"clientSecretBox"_s);
        box->setInformativeText(made->secret);
        box->setTextInteractionFlags(Qt::TextSelectableByMouse);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    }
}

void OAuthPageDialog::removeClient()
{
    const QModelIndex index = m_clientView->currentIndex();
    server::Deployment *d = m_manager->embeddedDeployment(m_id);
    if (!index.isValid() || !d)
        return;
    if (auto removed
        = d->removeOAuthClient(index.data(OAuthClientListModel::ClientIdRole).toString());
        !removed)
        showError(removed.error());
    reload();
}

} // namespace fhir::ui
