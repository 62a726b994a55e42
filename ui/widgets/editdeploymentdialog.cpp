#include "editdeploymentdialog.h"

#include "ui/widgets/newdeploymentdialog.h" // parseHeaderLines

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace fhir::ui {

EditDeploymentDialog::EditDeploymentDialog(const app::DeploymentEntry &entry, QWidget *parent)
    : QDialog(parent)
    , m_entry(entry)
    , m_name(new QLineEdit(entry.name))
    , m_error(new QLabel)
{
    setObjectName(u"editDeploymentDialog"_s);
    setWindowTitle(tr("Edit Deployment: %1").arg(entry.name));

    m_name->setObjectName(u"editName"_s);
    m_name->setAccessibleName(tr("Name"));
    auto *form = new QFormLayout;
    auto *nameLabel = new QLabel(tr("&Name:"));
    nameLabel->setBuddy(m_name);
    form->addRow(nameLabel, m_name);
    form->addRow(tr("Deployment id:"), new QLabel(entry.id));

    if (entry.isEmbedded()) {
        auto *note = new QLabel(tr("The id names its data folder and keychain entry, so it "
                                   "stays; so do its port and authentication."));
        note->setWordWrap(true);
        form->addRow(QString(), note);
    } else {
        m_baseUrl = new QLineEdit(entry.baseUrl.toString());
        m_baseUrl->setObjectName(u"editBaseUrl"_s);
        m_baseUrl->setAccessibleName(tr("Base URL"));
        auto *urlLabel = new QLabel(tr("&Base URL:"));
        urlLabel->setBuddy(m_baseUrl);
        form->addRow(urlLabel, m_baseUrl);

        QStringList lines;
        for (const auto &[name, value] : entry.headers)
            lines.append(QString::fromUtf8(name + ": " + value));
        m_headers = new QPlainTextEdit(lines.join(u'\n'));
        m_headers->setObjectName(u"editHeaders"_s);
        m_headers->setAccessibleName(tr("Extra headers"));
        m_headers->setTabChangesFocus(true);
        m_headers->setPlaceholderText(tr("One per line, e.g.\nPrefer: handling=strict"));
        m_headers->setMaximumHeight(fontMetrics().lineSpacing() * 6);
        auto *headersLabel = new QLabel(tr("Extra &headers:"));
        headersLabel->setBuddy(m_headers);
        form->addRow(headersLabel, m_headers);
        for (const QByteArray &name : entry.secretHeaders) {
            auto *keep
                = new QCheckBox(tr("Keep %1 (in your keychain)").arg(QString::fromLatin1(name)));
            keep->setObjectName(u"keepSecret_"_s + QString::fromLatin1(name));
            keep->setChecked(true);
            keep->setToolTip(tr("Untick to remove it from the keychain; type it above to "
                                "replace it"));
            m_keepSecret.insert(name, keep);
            form->addRow(QString(), keep);
        }
        auto *note = new QLabel(tr("Authorization, x-api-key and other credentials typed above "
                                   "go to your system keychain, not to the settings."));
        note->setWordWrap(true);
        form->addRow(QString(), note);
    }

    m_error->setObjectName(u"editError"_s);
    m_error->setWordWrap(true);
    m_error->hide();
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Save)->setObjectName(u"saveButton"_s);
    connect(buttons, &QDialogButtonBox::accepted, this, &EditDeploymentDialog::save);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_error);
    layout->addStretch(1);
    layout->addWidget(buttons);
    resize(520, sizeHint().height());
    m_name->selectAll();
}

EditDeploymentDialog::~EditDeploymentDialog() = default;

void EditDeploymentDialog::showError(const QString &message)
{
    m_error->setText(u"✗ "_s + message);
    m_error->show();
}

void EditDeploymentDialog::save()
{
    app::DeploymentEntry entry = m_entry;
    entry.name = m_name->text().trimmed();
    QList<QPair<QByteArray, QByteArray>> secrets;
    if (!entry.isEmbedded()) {
        entry.baseUrl = QUrl(m_baseUrl->text().trimmed());
        const auto headers = parseHeaderLines(m_headers->toPlainText());
        if (!headers)
            return showError(headers.error());
        entry.headers = headers->plain;
        secrets = headers->secret;
        entry.secretHeaders.clear();
        for (auto it = m_keepSecret.cbegin(); it != m_keepSecret.cend(); ++it) {
            if (it.value()->isChecked())
                entry.secretHeaders.append(it.key());
        }
    }
    Q_EMIT saveRequested(entry, secrets);
}

} // namespace fhir::ui
