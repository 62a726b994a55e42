#include "newdeploymentdialog.h"

#include "app/remoteprobe.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QStyle>
#include <QVBoxLayout>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace fhir::ui {

Result<TypedHeaders> parseHeaderLines(const QString &text)
{
    TypedHeaders headers;
    const QStringList lines = text.split(u'\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString line = lines.at(i).trimmed();
        if (line.isEmpty())
            continue;
        const qsizetype colon = line.indexOf(u':');
        if (colon <= 0) {
            return Error{NewDeploymentDialog::tr("Line %1 is not \"Name: value\".").arg(i + 1)};
        }
        const QByteArray name = line.left(colon).trimmed().toUtf8();
        const QByteArray value = line.mid(colon + 1).trimmed().toUtf8();
        (app::isSecretHeader(name) ? headers.secret : headers.plain).append({name, value});
    }
    return headers;
}

NewDeploymentDialog::NewDeploymentDialog(QWidget *parent)
    : QDialog(parent)
    , m_embeddedChoice(new QRadioButton(tr("&Embedded server on this computer")))
    , m_remoteChoice(new QRadioButton(tr("&Remote FHIR server")))
    , m_forms(new QStackedWidget)
    , m_pages(new QStackedWidget)
    , m_error(new QLabel)
    , m_probe(new app::RemoteProbe(nullptr, this))
{
    setObjectName(u"newDeploymentDialog"_s);
    setWindowTitle(tr("New Deployment"));

    m_embeddedChoice->setObjectName(u"embeddedChoice"_s);
    m_remoteChoice->setObjectName(u"remoteChoice"_s);
    m_embeddedChoice->setChecked(true);
    auto *choice = new QButtonGroup(this);
    choice->addButton(m_embeddedChoice, 0);
    choice->addButton(m_remoteChoice, 1);
    connect(choice, &QButtonGroup::idToggled, m_forms, [this](int id, bool checked) {
        if (checked)
            m_forms->setCurrentIndex(id);
    });

    m_forms->addWidget(embeddedForm());
    m_forms->addWidget(remoteForm());

    m_error->setObjectName(u"errorLabel"_s);
    m_error->setWordWrap(true);
    m_error->hide();

    m_create = new QPushButton(tr("&Create"));
    m_create->setObjectName(u"createButton"_s);
    m_create->setDefault(true);
    auto *buttons = new QDialogButtonBox;
    buttons->addButton(m_create, QDialogButtonBox::AcceptRole);
    buttons->addButton(QDialogButtonBox::Cancel);
    connect(m_create, &QPushButton::clicked, this, &NewDeploymentDialog::create);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *formPage = new QWidget;
    auto *formLayout = new QVBoxLayout(formPage);
    formLayout->setContentsMargins(0, 0, 0, 0);
    formLayout->addWidget(m_embeddedChoice);
    formLayout->addWidget(m_remoteChoice);
    formLayout->addWidget(m_forms);
    formLayout->addWidget(m_error);
    formLayout->addStretch();
    formLayout->addWidget(buttons);

    m_pages->addWidget(formPage);
    m_pages->addWidget(progressPage());
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_pages);

    setTabOrder(m_embeddedChoice, m_remoteChoice);
    setTabOrder(m_remoteChoice, m_embeddedName);
    setTabOrder(m_embeddedName, m_port);
    setTabOrder(m_port, m_requireKey);
    setTabOrder(m_requireKey, m_preload);
    setTabOrder(m_remoteName, m_baseUrl);
    setTabOrder(m_baseUrl, m_headers);
    setTabOrder(m_headers, m_check);
    m_embeddedName->setFocus();
}

NewDeploymentDialog::~NewDeploymentDialog() = default;

QWidget *NewDeploymentDialog::embeddedForm()
{
    auto *page = new QWidget;
    m_embeddedName = new QLineEdit(tr("Local"));
    m_embeddedName->setObjectName(u"embeddedName"_s);
    m_port = new QSpinBox;
    m_port->setObjectName(u"portSpin"_s);
    m_port->setRange(0, 65535);
    m_port->setSpecialValueText(tr("Any free port"));
    m_port->setAccessibleName(tr("Port"));
    m_requireKey = new QCheckBox(tr("Require an API key (x-api-key)"));
    m_requireKey->setObjectName(u"requireApiKey"_s);
    m_requireKey->setChecked(true);
    m_noAuthWarning = new QLabel(tr("Without an API key, every program on this computer can "
                                    "read and change this server's data."));
    m_noAuthWarning->setObjectName(u"noAuthWarning"_s);
    m_noAuthWarning->setWordWrap(true);
    m_noAuthWarning->setVisible(false);
    connect(m_requireKey, &QCheckBox::toggled, m_noAuthWarning,
            [this](bool on) { m_noAuthWarning->setVisible(!on); });
    m_preload = new QComboBox;
    m_preload->setObjectName(u"preloadCombo"_s);
    const QLocale locale;
    m_preload->addItem(tr("No data"), 0);
    for (const int n : {100, 1000, 10000})
        m_preload->addItem(tr("%1 synthetic patients").arg(locale.toString(n)), n);
    m_preload->setCurrentIndex(1);

    auto *form = new QFormLayout(page);
    form->addRow(tr("&Name:"), m_embeddedName);
    form->addRow(tr("&Port:"), m_port);
    form->addRow(tr("Auth:"), m_requireKey);
    form->addRow(QString(), m_noAuthWarning);
    form->addRow(tr("&Preload:"), m_preload);
    return page;
}

QWidget *NewDeploymentDialog::remoteForm()
{
    auto *page = new QWidget;
    m_remoteName = new QLineEdit;
    m_remoteName->setObjectName(u"remoteName"_s);
    m_baseUrl = new QLineEdit;
    m_baseUrl->setObjectName(u"baseUrlEdit"_s);
    m_baseUrl->setPlaceholderText(u"https://hapi.fhir.org/baseR4"_s);
    m_headers = new QPlainTextEdit;
    m_headers->setObjectName(u"headersEdit"_s);
    m_headers->setTabChangesFocus(true);
    m_headers->setAccessibleName(tr("Extra headers"));
    m_headers->setPlaceholderText(tr("One per line, e.g.\nAuthorization: Bearer …"));
    m_headers->setMaximumHeight(fontMetrics().lineSpacing() * 6);
    auto *note = new QLabel(tr("Authorization, x-api-key and other credentials are kept in your "
                               "system keychain, not with the settings."));
    note->setWordWrap(true);
    m_check = new QPushButton(tr("C&heck"));
    m_check->setObjectName(u"checkButton"_s);
    m_probeResult = new QLabel;
    m_probeResult->setObjectName(u"probeResult"_s);
    m_probeResult->setWordWrap(true);
    m_probeResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    connect(m_check, &QPushButton::clicked, this, &NewDeploymentDialog::checkRemote);

    auto *form = new QFormLayout(page);
    form->addRow(tr("&Name:"), m_remoteName);
    form->addRow(tr("&Base URL:"), m_baseUrl);
    form->addRow(tr("Extra &headers:"), m_headers);
    form->addRow(QString(), note);
    form->addRow(m_check, m_probeResult);
    return page;
}

QWidget *NewDeploymentDialog::progressPage()
{
    auto *page = new QWidget;
    m_progressLabel = new QLabel;
    m_progressLabel->setObjectName(u"progressLabel"_s);
    m_progressLabel->setWordWrap(true);
    m_progress = new QProgressBar;
    m_progress->setObjectName(u"loadProgress"_s);
    m_progress->setAccessibleName(tr("Loading progress"));
    m_cancelLoad = new QPushButton(tr("&Cancel Loading"));
    m_cancelLoad->setObjectName(u"cancelLoadButton"_s);
    m_closeAfterLoad = new QPushButton(tr("&Close"));
    m_closeAfterLoad->setObjectName(u"closeButton"_s);
    m_closeAfterLoad->setEnabled(false);
    connect(m_cancelLoad, &QPushButton::clicked, this, [this] {
        m_cancelLoad->setEnabled(false);
        m_progressLabel->setText(tr("Cancelling after the current patient…"));
        Q_EMIT cancelLoadRequested(m_loadingId);
    });
    connect(m_closeAfterLoad, &QPushButton::clicked, this, &QDialog::accept);

    auto *buttons = new QDialogButtonBox;
    buttons->addButton(m_cancelLoad, QDialogButtonBox::RejectRole);
    buttons->addButton(m_closeAfterLoad, QDialogButtonBox::AcceptRole);
    auto *layout = new QVBoxLayout(page);
    layout->addWidget(m_progressLabel);
    layout->addWidget(m_progress);
    layout->addStretch();
    layout->addWidget(buttons);
    return page;
}

void NewDeploymentDialog::showError(const QString &message)
{
    m_pages->setCurrentIndex(0);
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
    m_create->setEnabled(true);
}

void NewDeploymentDialog::showLoading(const QString &id, int patients)
{
    m_loadingId = id;
    m_progressLabel->setText(tr("Loading %1 synthetic patients into %2…")
                                 .arg(QLocale().toString(patients), m_embeddedName->text()));
    m_progress->setRange(0, 0); // busy until the first progress report
    m_pages->setCurrentIndex(1);
    m_cancelLoad->setEnabled(true);
    m_cancelLoad->setFocus();
}

void NewDeploymentDialog::setProgress(const QString &id, qint64 done, qint64 total)
{
    if (id != m_loadingId || total <= 0)
        return;
    // QProgressBar takes ints; a permille scale fits any total.
    m_progress->setRange(0, 1000);
    m_progress->setValue(int(std::clamp<qint64>(done * 1000 / total, 0, 1000)));
    m_progress->setFormat(QLocale().toString(done) + u" / "_s + QLocale().toString(total));
}

void NewDeploymentDialog::setLoadFinished(const QString &id, bool ok, const QString &report)
{
    if (id != m_loadingId)
        return;
    m_progress->setRange(0, 1000);
    if (ok)
        m_progress->setValue(1000);
    m_progressLabel->setText(ok ? tr("Done. %1").arg(report)
                                : tr("The load stopped: %1").arg(report));
    m_cancelLoad->setEnabled(false);
    m_closeAfterLoad->setEnabled(true);
    m_closeAfterLoad->setDefault(true);
    m_closeAfterLoad->setFocus();
}

void NewDeploymentDialog::create()
{
    showError({});
    app::DeploymentEntry entry;
    if (m_embeddedChoice->isChecked()) {
        entry.kind = app::DeploymentEntry::Kind::Embedded;
        entry.name = m_embeddedName->text().trimmed();
        entry.port = quint16(m_port->value());
        entry.requireApiKey = m_requireKey->isChecked();
        if (entry.name.isEmpty())
            return showError(tr("Give the deployment a name."));
        Q_EMIT createEmbeddedRequested(entry, m_preload->currentData().toInt());
        return;
    }
    entry.kind = app::DeploymentEntry::Kind::Remote;
    entry.name = m_remoteName->text().trimmed();
    entry.baseUrl = QUrl::fromUserInput(m_baseUrl->text().trimmed());
    if (entry.name.isEmpty())
        entry.name = entry.baseUrl.host();
    if (m_baseUrl->text().trimmed().isEmpty())
        return showError(tr("Enter the server's base URL."));
    const auto headers = parseHeaderLines(m_headers->toPlainText());
    if (!headers)
        return showError(headers.error());
    entry.headers = headers->plain;
    Q_EMIT addRemoteRequested(entry, headers->secret);
}

void NewDeploymentDialog::checkRemote()
{
    const auto headers = parseHeaderLines(m_headers->toPlainText());
    if (!headers) {
        m_probeResult->setText(headers.error());
        return;
    }
    m_check->setEnabled(false);
    m_probeResult->setText(tr("Asking %1/metadata…").arg(m_baseUrl->text().trimmed()));
    m_probe->probe(QUrl::fromUserInput(m_baseUrl->text().trimmed()),
                   headers->plain + headers->secret, this, [this](const app::ProbeResult &r) {
                       m_check->setEnabled(true);
                       m_probeResult->setText((r.ok() ? tr("✓ ") : tr("✗ ")) + r.message);
                   });
}

} // namespace fhir::ui
