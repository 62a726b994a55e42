#include "examplepanel.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace fhir::ui {

ExamplePanel::ExamplePanel(QWidget *parent)
    : QWidget(parent)
    , m_chooser(new QComboBox)
    , m_note(new QLabel)
    , m_view(new QPlainTextEdit)
{
    m_chooser->setObjectName(QStringLiteral("exampleChooser"));
    m_note->setObjectName(QStringLiteral("exampleNote"));
    m_note->setWordWrap(true);
    m_view->setObjectName(QStringLiteral("exampleView"));
    m_view->setReadOnly(true);
    m_view->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_chooser);
    layout->addWidget(m_note);
    layout->addWidget(m_view, 1);

    connect(m_chooser, &QComboBox::currentIndexChanged, this, &ExamplePanel::showExample);
}

void ExamplePanel::setExamples(const QList<app::Example> &examples)
{
    m_examples = examples;
    const QSignalBlocker blocker(m_chooser);
    m_chooser->clear();
    for (const app::Example &e : examples)
        m_chooser->addItem(e.description);
    m_chooser->setCurrentIndex(examples.isEmpty() ? -1 : 0);
    showExample(m_chooser->currentIndex());
}

QByteArray ExamplePanel::currentJson() const
{
    const int index = m_chooser->currentIndex();
    return index >= 0 && index < m_examples.size() ? m_examples.at(index).json : QByteArray();
}

void ExamplePanel::showExample(int index)
{
    if (index < 0 || index >= m_examples.size()) {
        m_note->clear();
        m_view->clear();
        return;
    }
    const app::Example &e = m_examples.at(index);
    m_note->setText(e.curated ? tr("A curated example, ready to POST.")
                              : tr("Generated from the R4 definitions: every required element "
                                   "and the simple summary elements, with placeholder values."));
    m_view->setPlainText(QString::fromUtf8(e.json));
}

} // namespace fhir::ui
