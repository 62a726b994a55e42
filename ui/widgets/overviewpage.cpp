#include "overviewpage.h"

#include "app/deploymentmanager.h"
#include "app/remoteprobe.h"
#include "ui/models/apikeylistmodel.h"

#include <QClipboard>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using State = fhir::app::DeploymentManager::State;

namespace fhir::ui {

namespace {

// Single quotes for the shell: nothing inside is expanded.
QString shellQuote(const QString &text)
{
    QString quoted = text;
    quoted.replace(u"'"_s, u"'\\''"_s);
    return u'\'' + quoted + u'\'';
}

QString envName(const QByteArray &header)
{
    QString name = u"FHIR_"_s + QString::fromLatin1(header).toUpper();
    for (QChar &c : name) {
        if (!c.isLetterOrNumber())
            c = u'_';
    }
    return name;
}

QString stateText(State state)
{
    switch (state) {
    case State::Stopped:
        return OverviewPage::tr("Stopped");
    case State::Starting:
        return OverviewPage::tr("Starting…");
    case State::Running:
        return OverviewPage::tr("Running");
    case State::Stopping:
        return OverviewPage::tr("Stopping…");
    case State::Failed:
        return OverviewPage::tr("Failed");
    case State::Remote:
        return OverviewPage::tr("Remote server");
    }
    return {};
}

QPushButton *copyButton(const std::function<QString()> &text, QWidget *parent)
{
    auto *button
        = new QPushButton(QIcon::fromTheme(u"edit-copy"_s), OverviewPage::tr("Copy"), parent);
    QObject::connect(button, &QPushButton::clicked, button,
                     [text] { QGuiApplication::clipboard()->setText(text()); });
    return button;
}

} // namespace

OverviewPage::OverviewPage(app::DeploymentManager *manager, QWidget *parent)
    : QWidget(parent)
    , m_manager(manager)
    , m_title(new QLabel)
    , m_idLabel(new QLabel)
    , m_status(new QLabel)
    , m_edit(new QPushButton(QIcon::fromTheme(u"document-edit"_s), tr("&Edit…")))
    , m_remove(new QPushButton(QIcon::fromTheme(u"edit-delete"_s), tr("Re&move…")))
    , m_startStop(new QPushButton)
    , m_loadBar(new QProgressBar)
    , m_cancelLoad(new QPushButton(tr("Cancel Loading")))
    , m_import(new QPushButton(QIcon::fromTheme(u"document-import"_s), tr("&Import Files…")))
    , m_baseUrl(new QLineEdit)
    , m_auth(new QLabel)
    , m_authorize(new QPushButton(tr("&Authorize…")))
    , m_oauthPage(new QPushButton(tr("&OAuth 2.0…")))
    , m_check(new QPushButton(tr("C&heck Connection")))
    , m_checkResult(new QLabel)
    , m_probe(new app::RemoteProbe(nullptr, this))
    , m_samples(new QPlainTextEdit)
    , m_keysBox(new QGroupBox(tr("API keys")))
    , m_keys(new ApiKeyListModel(this))
    , m_keyView(new QTreeView)
    , m_newKeyName(new QLineEdit)
    , m_createKey(new QPushButton(tr("&Create Key")))
    , m_revokeKey(new QPushButton(tr("&Revoke")))
    , m_keyError(new QLabel)
{
    setObjectName(u"overviewPage"_s);
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.4);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setObjectName(u"overviewTitle"_s);
    m_idLabel->setObjectName(u"deploymentIdLabel"_s);
    m_idLabel->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_status->setObjectName(u"statusLabel"_s);
    m_status->setWordWrap(true);
    m_startStop->setObjectName(u"startStopButton"_s);
    m_edit->setObjectName(u"overviewEditButton"_s);
    m_edit->setToolTip(tr("Rename this deployment; change a remote one's URL and headers"));
    m_remove->setObjectName(u"overviewRemoveButton"_s);
    m_remove->setToolTip(tr("Forget this deployment (asks first)"));
    m_import->setObjectName(u"overviewImportButton"_s);
    m_import->setToolTip(tr("Import your own FHIR JSON into this deployment: Bundles "
                            "(transaction, batch, collection), single resources, or NDJSON with "
                            "one resource a line"));
    m_loadBar->setObjectName(u"overviewLoadProgress"_s);
    m_loadBar->setAccessibleName(tr("Loading synthetic data"));
    m_cancelLoad->setObjectName(u"overviewCancelLoad"_s);
    m_baseUrl->setObjectName(u"baseUrlField"_s);
    m_baseUrl->setReadOnly(true);
    m_baseUrl->setAccessibleName(tr("Base URL"));
    m_auth->setObjectName(u"authLabel"_s);
    m_auth->setWordWrap(true);
    m_auth->setTextFormat(Qt::RichText);
    m_authorize->setObjectName(u"overviewAuthorizeButton"_s);
    m_oauthPage->setObjectName(u"overviewOAuthButton"_s);
    m_oauthPage->setToolTip(tr("The deployment's authorization server: on or off, its users and "
                               "applications"));
    m_samples->setObjectName(u"sampleCurl"_s);
    m_samples->setReadOnly(true);
    m_samples->setAccessibleName(tr("Sample cURL commands"));
    m_samples->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_samples->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_samples->setTabChangesFocus(true);

    auto *statusRow = new QHBoxLayout;
    statusRow->addWidget(m_status, 1);
    statusRow->addWidget(m_loadBar);
    statusRow->addWidget(m_cancelLoad);
    statusRow->addWidget(m_startStop);
    auto *urlRow = new QHBoxLayout;
    urlRow->addWidget(m_baseUrl, 1);
    urlRow->addWidget(copyButton([this] { return m_baseUrl->text(); }, this));
    // The button beside its label and the explanation under both, across the page: a long
    // word-wrapped label beside a button gets cut off in a narrow dock.
    auto *authRow = new QHBoxLayout;
    authRow->addWidget(m_authorize);
    authRow->addWidget(m_oauthPage);
    authRow->addStretch(1);

    m_check->setObjectName(u"checkConnectionButton"_s);
    m_check->setToolTip(tr("GET [base]/metadata with this deployment's headers and key"));
    m_checkResult->setObjectName(u"checkResult"_s);
    m_checkResult->setWordWrap(true);
    m_checkResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *checkRow = new QHBoxLayout;
    checkRow->addWidget(m_checkResult, 1);
    checkRow->addWidget(m_check);

    auto *importRow = new QHBoxLayout;
    importRow->addWidget(m_import);
    importRow->addStretch(1);

    auto *form = new QFormLayout;
    // In a narrow dock a long field goes under its label instead of being cut off.
    form->setRowWrapPolicy(QFormLayout::WrapLongRows);
    form->addRow(tr("Deployment id:"), m_idLabel);
    form->addRow(tr("Status:"), statusRow);
    auto *urlLabel = new QLabel(tr("&Base URL:"));
    urlLabel->setBuddy(m_baseUrl);
    form->addRow(urlLabel, urlRow);
    form->addRow(tr("Authentication:"), authRow);
    form->addRow(m_auth);
    m_checkRowLabel = new QLabel(tr("Connection:"));
    form->addRow(m_checkRowLabel, checkRow);
    m_importRowLabel = new QLabel(tr("Data:"));
    form->addRow(m_importRowLabel, importRow);

    auto *samplesBox = new QGroupBox(tr("Try it from a terminal"));
    auto *samplesLayout = new QVBoxLayout(samplesBox);
    samplesLayout->addWidget(m_samples);
    auto *copySamples = copyButton([this] { return m_samples->toPlainText(); }, this);
    copySamples->setObjectName(u"copySamplesButton"_s);
    samplesLayout->addWidget(copySamples, 0, Qt::AlignRight);

    m_keyView->setObjectName(u"apiKeyView"_s);
    m_keyView->setAccessibleName(tr("API keys"));
    m_keyView->setRootIsDecorated(false);
    m_keyView->setAllColumnsShowFocus(true);
    m_keyView->setModel(m_keys);
    m_keyView->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_newKeyName->setObjectName(u"newKeyName"_s);
    m_newKeyName->setPlaceholderText(tr("Name of a new key, e.g. CI pipeline"));
    m_newKeyName->setAccessibleName(tr("Name of a new key"));
    m_createKey->setObjectName(u"createKeyButton"_s);
    m_revokeKey->setObjectName(u"revokeKeyButton"_s);
    m_keyError->setObjectName(u"keyError"_s);
    m_keyError->setWordWrap(true);
    auto *keyRow = new QHBoxLayout;
    keyRow->addWidget(m_newKeyName, 1);
    keyRow->addWidget(m_createKey);
    keyRow->addWidget(m_revokeKey);
    auto *keysLayout = new QVBoxLayout(m_keysBox);
    keysLayout->addWidget(m_keyView);
    keysLayout->addLayout(keyRow);
    keysLayout->addWidget(m_keyError);

    auto *titleRow = new QHBoxLayout;
    titleRow->addWidget(m_title, 1);
    titleRow->addWidget(m_edit);
    titleRow->addWidget(m_remove);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(titleRow);
    layout->addLayout(form);
    layout->addWidget(samplesBox, 1);
    layout->addWidget(m_keysBox, 1);

    connect(m_startStop, &QPushButton::clicked, this, [this] {
        const State state = m_manager->state(m_id);
        if (state == State::Running || state == State::Starting)
            m_manager->stop(m_id);
        else
            m_manager->start(m_id);
    });
    connect(m_cancelLoad, &QPushButton::clicked, this, [this] { m_manager->cancelLoad(m_id); });
    connect(m_authorize, &QPushButton::clicked, this, &OverviewPage::authorizeRequested);
    connect(m_oauthPage, &QPushButton::clicked, this, &OverviewPage::oauthPageRequested);
    connect(m_import, &QPushButton::clicked, this, &OverviewPage::importRequested);
    connect(m_edit, &QPushButton::clicked, this, &OverviewPage::editRequested);
    connect(m_remove, &QPushButton::clicked, this, &OverviewPage::removeRequested);
    connect(manager->registry(), &QAbstractItemModel::dataChanged, this, [this] { refresh(); });
    connect(m_check, &QPushButton::clicked, this, &OverviewPage::checkConnection);
    connect(m_createKey, &QPushButton::clicked, this, &OverviewPage::createKey);
    connect(m_newKeyName, &QLineEdit::returnPressed, this, &OverviewPage::createKey);
    connect(m_revokeKey, &QPushButton::clicked, this, &OverviewPage::revokeSelectedKey);
    connect(m_keyView->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this] { m_revokeKey->setEnabled(m_keyView->currentIndex().isValid()); });
    connect(m_keys, &QAbstractItemModel::modelReset, this,
            [this] { m_revokeKey->setEnabled(m_keyView->currentIndex().isValid()); });

    connect(manager, &app::DeploymentManager::stateChanged, this, [this](const QString &id) {
        if (id == m_id)
            refresh();
    });
    connect(manager, &app::DeploymentManager::currentEndpointChanged, this, [this] { refresh(); });
    connect(manager, &app::DeploymentManager::apiKeysChanged, this, [this](const QString &id) {
        if (id == m_id)
            refreshKeys();
    });
    connect(manager, &app::DeploymentManager::loadProgress, this,
            [this](const QString &id, qint64 done, qint64 total) {
                if (id != m_id || total <= 0)
                    return;
                m_loadBar->setVisible(true);
                m_cancelLoad->setVisible(true);
                m_loadBar->setRange(0, 1000);
                m_loadBar->setValue(int(qBound(qint64(0), done * 1000 / total, qint64(1000))));
                if (m_manager->loadKind(id) == app::DeploymentManager::LoadKind::Import) {
                    const QLocale locale;
                    m_loadBar->setFormat(
                        tr("Importing: %1 of %2")
                            .arg(locale.formattedDataSize(done), locale.formattedDataSize(total)));
                } else {
                    m_loadBar->setFormat(tr("%1 of %2 patients").arg(done).arg(total));
                }
            });
    connect(manager, &app::DeploymentManager::loadStarted, this, [this](const QString &id) {
        if (id != m_id)
            return;
        m_loadBar->setRange(0, 0); // busy until the first figures come
        refresh();
    });
    connect(manager, &app::DeploymentManager::loadFinished, this, [this](const QString &id) {
        if (id == m_id)
            refresh();
    });
    setDeploymentId({});
}

OverviewPage::~OverviewPage() = default;

void OverviewPage::setDeploymentId(const QString &id)
{
    m_id = id;
    m_keyError->clear();
    m_checkResult->clear();
    m_loadBar->setRange(0, 0); // busy until a load of this deployment reports figures
    refresh();
    refreshKeys();
}

QString OverviewPage::sampleCurl(const QString &baseUrl, bool apiKey,
                                 const QList<QPair<QByteArray, QByteArray>> &headers,
                                 const QList<QByteArray> &secretHeaders)
{
    QString common = u" \\\n  -H 'Accept: application/fhir+json'"_s;
    if (apiKey)
        common += u" \\\n  -H \"x-api-key: $FHIR_API_KEY\""_s;
    for (const auto &[name, value] : headers)
        common += u" \\\n  -H "_s + shellQuote(QString::fromUtf8(name + ": " + value));
    for (const QByteArray &name : secretHeaders)
        common += u" \\\n  -H \"%1: $%2\""_s.arg(QString::fromLatin1(name), envName(name));

    QString text;
    if (apiKey) {
        text += tr("# Your API key: create one below (it is shown once) and keep it out of "
                   "files you share.")
            + u"\nexport FHIR_API_KEY='…'\n\n"_s;
    }
    for (const QByteArray &name : secretHeaders)
        text += u"export %1='…'\n"_s.arg(envName(name));
    if (!secretHeaders.isEmpty())
        text += u'\n';
    text += tr("# What the server supports (its CapabilityStatement)") + u"\ncurl -sS "_s
        + shellQuote(baseUrl + u"/metadata"_s) + common + u"\n\n"_s;
    text += tr("# Ten patients, as a searchset Bundle") + u"\ncurl -sS "_s
        + shellQuote(baseUrl + u"/Patient?_count=10"_s) + common + u"\n\n"_s;
    text += tr("# Create a patient") + u"\ncurl -sS -X POST "_s
        + shellQuote(baseUrl + u"/Patient"_s) + common
        + u" \\\n  -H 'Content-Type: application/fhir+json'"_s
        + u" \\\n  --data '{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Example\",\"given\":[\"Pat\"]}]}'\n"_s;
    return text;
}

void OverviewPage::refresh()
{
    const auto entry = m_manager->registry()->entry(m_id);
    if (!entry) {
        m_title->setText(tr("No deployment selected"));
        for (QWidget *w : std::initializer_list<QWidget *>{
                 m_startStop, m_loadBar, m_cancelLoad, m_authorize, m_oauthPage, m_keysBox, m_check,
                 m_edit, m_remove, m_importRowLabel, m_import, m_checkRowLabel, m_checkResult})
            w->setVisible(false);
        m_idLabel->clear();
        m_status->clear();
        m_baseUrl->clear();
        m_auth->clear();
        m_samples->clear();
        return;
    }
    const State state = m_manager->state(m_id);
    const QString baseUrl = m_manager->baseUrl(m_id);
    m_title->setText(entry->name);
    m_idLabel->setText(entry->id);
    QString status = stateText(state);
    if (state == State::Failed)
        status += u": "_s + m_manager->errorString(m_id);
    m_status->setText(status);
    m_startStop->setVisible(entry->isEmbedded());
    m_startStop->setText(state == State::Running || state == State::Starting ? tr("S&top")
                                                                             : tr("&Start"));
    m_startStop->setEnabled(state != State::Stopping);
    const bool loading = m_manager->isLoading(m_id);
    m_loadBar->setVisible(loading);
    m_cancelLoad->setVisible(loading);
    m_edit->setVisible(true);
    m_remove->setVisible(true);
    m_importRowLabel->setVisible(entry->isEmbedded());
    m_import->setVisible(entry->isEmbedded());
    m_import->setEnabled(!loading);
    m_remove->setEnabled(!loading);

    m_baseUrl->setText(baseUrl);
    m_baseUrl->setPlaceholderText(entry->isEmbedded() ? tr("Start the server to get its URL")
                                                      : QString());
    const app::Endpoint &endpoint = m_manager->currentEndpoint();
    const bool current = endpoint.deploymentId == m_id;
    const bool authorized = current && !endpoint.apiKey.isEmpty();
    QString auth;
    if (entry->isEmbedded() && !entry->requireApiKey) {
        auth = tr("None: this server accepts every request from this computer.");
    } else if (entry->isEmbedded()) {
        auth = tr("API key in the <code>x-api-key</code> header.");
    } else {
        auth = tr("An API key in <code>x-api-key</code> when you authorize");
        if (!entry->secretHeaders.isEmpty()) {
            QStringList names;
            for (const QByteArray &name : entry->secretHeaders)
                names.append(u"<code>"_s + QString::fromLatin1(name).toHtmlEscaped()
                             + u"</code>"_s);
            auth += tr("; %1 from your keychain").arg(names.join(u", "_s));
        }
        auth += u'.';
    }
    if (current && (entry->requireApiKey || !entry->isEmbedded()))
        auth += u' '
            + (authorized ? tr("FHIR Portal sends its key.") : tr("FHIR Portal has no key yet."));
    m_auth->setText(auth);
    m_authorize->setVisible(current);
    m_oauthPage->setVisible(entry->isEmbedded());
    // An embedded server's state says it all; a remote one is checked on demand.
    m_check->setVisible(!entry->isEmbedded());
    m_checkRowLabel->setVisible(!entry->isEmbedded());
    m_checkResult->setVisible(!entry->isEmbedded());
    m_check->setEnabled(current);
    const bool sendsKey = entry->isEmbedded() ? entry->requireApiKey : authorized;
    m_samples->setPlainText(
        sampleCurl(baseUrl.isEmpty() ? u"http://127.0.0.1:PORT/fhir/r4"_s : baseUrl, sendsKey,
                   entry->headers, entry->secretHeaders));
    m_keysBox->setVisible(entry->isEmbedded());
}

void OverviewPage::refreshKeys()
{
    const auto entry = m_manager->registry()->entry(m_id);
    if (!entry || !entry->isEmbedded()) {
        m_keys->setKeys({});
        return;
    }
    const auto keys = m_manager->apiKeys(m_id);
    if (!keys) {
        m_keys->setKeys({});
        m_keyError->setText(keys.error());
        return;
    }
    m_keys->setKeys(*keys);
}

void OverviewPage::createKey()
{
    const QString name = m_newKeyName->text().trimmed().isEmpty() ? tr("Unnamed key")
                                                                  : m_newKeyName->text().trimmed();
    const auto key = m_manager->createApiKey(m_id, name);
    if (!key) {
        m_keyError->setText(key.error());
        return;
    }
    m_keyError->clear();
    m_newKeyName->clear();
    showNewKey(key->secret, name);
}

void OverviewPage::showNewKey(const QByteArray &secret, const QString &name)
{
    auto *dialog = new QDialog(this);
    dialog->setObjectName(u"newApiKeyDialog"_s);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("New API Key: %1").arg(name));
    auto *note = new QLabel(tr("Copy the key now: this is the only time it is shown. The server "
                               "keeps only a hash of it."));
    note->setWordWrap(true);
    auto *field = new QLineEdit(QString::fromUtf8(secret));
    field->setObjectName(u"newApiKeyField"_s);
    field->setReadOnly(true);
    field->setAccessibleName(tr("The new API key"));
    field->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    field->selectAll();
    auto *copy = copyButton([field] { return field->text(); }, dialog);
    copy->setObjectName(u"copyNewKeyButton"_s);
    auto *use = new QPushButton(tr("&Use in FHIR Portal"));
    use->setObjectName(u"useNewKeyButton"_s);
    use->setToolTip(tr("Send this key with the requests you make here (kept in your keychain)"));
    const QString id = m_id;
    connect(use, &QPushButton::clicked, dialog, [this, dialog, id, secret] {
        m_manager->setApiKey(id, secret);
        dialog->accept();
    });
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->addButton(copy, QDialogButtonBox::ActionRole);
    buttons->addButton(use, QDialogButtonBox::ActionRole);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    auto *layout = new QVBoxLayout(dialog);
    layout->addWidget(note);
    layout->addWidget(field);
    layout->addWidget(buttons);
    dialog->open();
    field->setFocus();
}

void OverviewPage::checkConnection()
{
    const app::Endpoint &endpoint = m_manager->currentEndpoint();
    if (endpoint.deploymentId != m_id || !endpoint.isValid())
        return;
    auto headers = endpoint.headers;
    if (!endpoint.apiKey.isEmpty())
        headers.append({"x-api-key", endpoint.apiKey});
    m_check->setEnabled(false);
    m_checkResult->setText(tr("Asking %1/metadata…").arg(endpoint.baseUrl.toDisplayString()));
    const QString id = m_id;
    m_probe->probe(endpoint.baseUrl, headers, this, [this, id](const app::ProbeResult &r) {
        m_check->setEnabled(true);
        if (id == m_id)
            m_checkResult->setText((r.ok() ? tr("✓ ") : tr("✗ ")) + r.message);
    });
}

void OverviewPage::revokeSelectedKey()
{
    const QModelIndex index = m_keyView->currentIndex();
    if (!index.isValid())
        return;
    const QString keyId = index.data(ApiKeyListModel::KeyIdRole).toString();
    const QString name = m_keys->index(index.row(), ApiKeyListModel::NameColumn).data().toString();
    auto *box = new QMessageBox(QMessageBox::Question, tr("Revoke API Key"),
                                tr("Revoke the key \"%1\"? Every program using it loses access "
                                   "at once.")
                                    .arg(name),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(u"revokeConfirmation"_s);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    const QString id = m_id;
    connect(box, &QMessageBox::finished, this, [this, id, keyId](int result) {
        if (result != QMessageBox::Yes)
            return;
        if (const auto revoked = m_manager->revokeApiKey(id, keyId); !revoked)
            m_keyError->setText(revoked.error());
    });
    box->open();
}

} // namespace fhir::ui
