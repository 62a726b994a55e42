#include "importdialog.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFontDatabase>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace fhir::ui {

ImportDialog::ImportDialog(const QString &deploymentId, const QString &deploymentName,
                           const QStringList &paths, QWidget *parent)
    : QDialog(parent)
    , m_id(deploymentId)
    , m_headline(new QLabel)
    , m_progress(new QProgressBar)
    , m_report(new QPlainTextEdit)
    , m_cancel(new QPushButton(tr("&Cancel Import")))
    , m_close(new QPushButton(tr("C&lose")))
{
    setObjectName(u"importDialog"_s);
    setWindowTitle(tr("Import into %1").arg(deploymentName));

    QStringList names;
    for (const QString &path : paths)
        names.append(QFileInfo(path).fileName());
    m_headline->setObjectName(u"importHeadline"_s);
    m_headline->setWordWrap(true);
    m_headline->setText(tr("Importing %n file(s) into %1: %2", nullptr, int(paths.size()))
                            .arg(deploymentName, QLocale().createSeparatedList(names)));

    m_progress->setObjectName(u"importProgress"_s);
    m_progress->setAccessibleName(tr("Import progress"));
    m_progress->setRange(0, 0); // busy until the first figures come

    m_report->setObjectName(u"importReport"_s);
    m_report->setAccessibleName(tr("Import report"));
    m_report->setReadOnly(true);
    m_report->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_report->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_report->setTabChangesFocus(true);
    m_report->setPlaceholderText(tr("What was loaded, and each entry or line that was not, "
                                    "appears here when the import ends."));

    m_cancel->setObjectName(u"cancelImportButton"_s);
    m_cancel->setToolTip(tr("Stop between two batches: what is loaded stays, whole"));
    m_close->setObjectName(u"closeImportButton"_s);
    m_close->setEnabled(false);
    auto *buttons = new QDialogButtonBox;
    buttons->addButton(m_cancel, QDialogButtonBox::RejectRole);
    buttons->addButton(m_close, QDialogButtonBox::AcceptRole);
    connect(m_cancel, &QPushButton::clicked, this, &ImportDialog::reject);
    connect(m_close, &QPushButton::clicked, this, &QDialog::accept);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_headline);
    layout->addWidget(m_progress);
    layout->addWidget(m_report, 1);
    layout->addWidget(buttons);
    resize(640, 360);
}

ImportDialog::~ImportDialog() = default;

void ImportDialog::setProgress(const QString &deploymentId, qint64 done, qint64 total)
{
    if (deploymentId != m_id || m_finished || total <= 0)
        return;
    m_progress->setRange(0, 1000);
    m_progress->setValue(int(qBound(qint64(0), done * 1000 / total, qint64(1000))));
    const QLocale locale;
    m_progress->setFormat(
        tr("%1 of %2").arg(locale.formattedDataSize(done), locale.formattedDataSize(total)));
}

void ImportDialog::setFinished(const QString &deploymentId, bool ok, const QString &report)
{
    if (deploymentId != m_id || m_finished)
        return;
    m_finished = true;
    m_progress->setRange(0, 1000);
    m_progress->setValue(1000);
    m_progress->setFormat(m_cancelled ? tr("Cancelled") : tr("Done"));
    if (ok)
        m_headline->setText(tr("✓ Everything was imported."));
    else if (m_cancelled)
        m_headline->setText(tr("Import cancelled. What was loaded before stays, whole records "
                               "only; the report says how far it got."));
    else
        m_headline->setText(tr("✗ Not everything was imported. Each file, entry or line that "
                               "was not loaded is listed with why; the rest is in."));
    m_report->setPlainText(report);
    m_cancel->setEnabled(false);
    m_close->setEnabled(true);
    m_close->setDefault(true);
    m_close->setFocus();
}

void ImportDialog::setRefused(const QString &why)
{
    m_finished = true;
    m_progress->hide();
    m_headline->setText(tr("✗ The import did not start: %1").arg(why));
    m_cancel->setEnabled(false);
    m_close->setEnabled(true);
    m_close->setDefault(true);
}

void ImportDialog::reject()
{
    if (m_finished)
        return QDialog::reject();
    if (!m_cancelled) {
        m_cancelled = true;
        m_cancel->setEnabled(false);
        m_headline->setText(tr("Cancelling after the current batch…"));
        Q_EMIT cancelRequested(m_id);
    }
}

} // namespace fhir::ui
