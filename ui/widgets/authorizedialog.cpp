#include "authorizedialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace fhir::ui {

AuthorizeDialog::AuthorizeDialog(const QString &deploymentName, bool authorized, QWidget *parent)
    : QDialog(parent)
    , m_keyEdit(new QLineEdit)
    , m_authorize(new QPushButton(tr("&Authorize")))
    , m_logout(new QPushButton(tr("&Logout")))
{
    setWindowTitle(tr("Authorize: %1").arg(deploymentName));
    setObjectName(u"authorizeDialog"_s);

    auto *intro = new QLabel(
        authorized ? tr("Requests to <b>%1</b> carry an API key in the <code>x-api-key</code> "
                        "header. Paste another key to replace it, or log out to send none.")
                         .arg(deploymentName.toHtmlEscaped())
                   : tr("Paste an API key for <b>%1</b>. It is kept in your system keychain and "
                        "sent in the <code>x-api-key</code> header of every request.")
                         .arg(deploymentName.toHtmlEscaped()));
    intro->setWordWrap(true);
    intro->setTextFormat(Qt::RichText);

    m_keyEdit->setObjectName(u"apiKeyEdit"_s);
    m_keyEdit->setEchoMode(QLineEdit::Password);
    m_keyEdit->setAccessibleName(tr("API key"));
    m_keyEdit->setPlaceholderText(tr("API key"));
    m_keyEdit->setClearButtonEnabled(true);
    QAction *reveal
        = m_keyEdit->addAction(QIcon::fromTheme(u"view-visible"_s), QLineEdit::TrailingPosition);
    reveal->setCheckable(true);
    reveal->setText(tr("Show the key"));
    reveal->setToolTip(tr("Show the key"));
    connect(reveal, &QAction::toggled, m_keyEdit, [this](bool shown) {
        m_keyEdit->setEchoMode(shown ? QLineEdit::Normal : QLineEdit::Password);
    });

    auto *form = new QFormLayout;
    auto *label = new QLabel(tr("API &key:"));
    label->setBuddy(m_keyEdit);
    form->addRow(label, m_keyEdit);

    m_authorize->setObjectName(u"authorizeButton"_s);
    m_authorize->setDefault(true);
    m_logout->setObjectName(u"logoutButton"_s);
    m_logout->setEnabled(authorized);
    auto *buttons = new QDialogButtonBox;
    buttons->addButton(m_authorize, QDialogButtonBox::AcceptRole);
    buttons->addButton(m_logout, QDialogButtonBox::DestructiveRole);
    buttons->addButton(QDialogButtonBox::Close);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(buttons);

    connect(m_keyEdit, &QLineEdit::textChanged, this, &AuthorizeDialog::updateButtons);
    connect(m_authorize, &QPushButton::clicked, this, [this] {
        if (apiKey().isEmpty())
            return;
        Q_EMIT authorizeRequested(apiKey());
        accept();
    });
    connect(m_logout, &QPushButton::clicked, this, [this] {
        Q_EMIT logoutRequested();
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    updateButtons();
    m_keyEdit->setFocus();
}

QByteArray AuthorizeDialog::apiKey() const
{
    // Pasted keys often bring a newline or spaces along; no key has them.
    return m_keyEdit->text().trimmed().toUtf8();
}

void AuthorizeDialog::updateButtons()
{
    m_authorize->setEnabled(!apiKey().isEmpty());
}

} // namespace fhir::ui
