#include "bundleviewer.h"

#include "ui/models/bundleentrymodel.h"
#include "ui/widgets/filedialogs.h"
#include "ui/widgets/jsonhighlighter.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace fhir::ui {

BundleViewer::BundleViewer(QWidget *parent)
    : QWidget(parent)
    , m_model(new BundleEntryModel(this))
    , m_total(new QLabel)
    , m_first(new QPushButton(tr("« First")))
    , m_previous(new QPushButton(tr("◀ Previous")))
    , m_next(new QPushButton(tr("Next ▶")))
    , m_last(new QPushButton(tr("Last »")))
    , m_download(new QPushButton(tr("Download…")))
    , m_table(new QTableView)
    , m_entry(new QPlainTextEdit)
    , m_references(new QListWidget)
{
    m_total->setObjectName(u"bundleTotal"_s);
    const QList<std::pair<QPushButton *, QString>> pages = {{m_first, u"first"_s},
                                                            {m_previous, u"previous"_s},
                                                            {m_next, u"next"_s},
                                                            {m_last, u"last"_s}};
    auto *bar = new QHBoxLayout;
    bar->addWidget(m_total, 1);
    for (const auto &[button, relation] : pages) {
        button->setObjectName(u"bundlePage_"_s + relation);
        button->setAccessibleName(tr("%1 page").arg(relation));
        bar->addWidget(button);
        connect(button, &QPushButton::clicked, this, [this, relation] {
            const QString url = m_model->link(relation);
            if (!url.isEmpty())
                Q_EMIT pageRequested(url);
        });
    }
    m_download->setObjectName(u"bundleDownload"_s);
    bar->addWidget(m_download);
    connect(m_download, &QPushButton::clicked, this, &BundleViewer::download);

    m_table->setObjectName(u"bundleEntries"_s);
    m_table->setAccessibleName(tr("Bundle entries"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setSectionResizeMode(BundleEntryModel::SummaryColumn,
                                                      QHeaderView::Stretch);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->setColumnWidth(BundleEntryModel::TypeColumn, 90);
    m_table->setColumnWidth(BundleEntryModel::IdColumn, 80);
    m_table->setColumnWidth(BundleEntryModel::LastUpdatedColumn, 140);
    m_table->setColumnWidth(BundleEntryModel::ModeColumn, 55);
    m_table->horizontalHeader()->setMinimumSectionSize(40);

    m_entry->setObjectName(u"bundleEntryJson"_s);
    m_entry->setAccessibleName(tr("Entry JSON"));
    m_entry->setReadOnly(true);
    m_entry->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_entry->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    new JsonHighlighter(m_entry->document());
    m_references->setObjectName(u"bundleReferences"_s);
    m_references->setAccessibleName(tr("References in this entry"));
    m_references->setToolTip(tr("Double-click (or Enter) to open the referenced resource"));
    m_references->setMaximumHeight(72);

    auto *side = new QWidget;
    auto *sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    sideLayout->addWidget(m_entry, 1);
    sideLayout->addWidget(new QLabel(tr("References (open with a GET):")));
    sideLayout->addWidget(m_references);

    auto *split = new QSplitter;
    split->addWidget(m_table);
    split->addWidget(side);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 1);
    split->setSizes({640, 300});

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(split, 1);

    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) { showEntry(current.row()); });
    connect(m_references, &QListWidget::itemActivated, this,
            [this](QListWidgetItem *item) { Q_EMIT referenceRequested(item->text()); });
    setBundle({});
}

bool BundleViewer::setBundle(const QByteArray &json)
{
    const bool ok = !json.isEmpty() && m_model->setBundle(json).hasValue();
    m_bytes = ok ? json : QByteArray();
    if (!ok)
        m_model->clear();
    const auto total = m_model->total();
    m_total->setText(
        !ok         ? tr("No Bundle")
            : total ? tr("%1 · %n match(es) in all, %2 on this page", nullptr, int(*total))
                          .arg(m_model->bundleType())
                          .arg(m_model->rowCount())
                    : tr("%1 · %2 entries").arg(m_model->bundleType()).arg(m_model->rowCount()));
    m_first->setEnabled(!m_model->link(u"first"_s).isEmpty());
    m_previous->setEnabled(!m_model->link(u"previous"_s).isEmpty());
    m_next->setEnabled(!m_model->link(u"next"_s).isEmpty());
    m_last->setEnabled(!m_model->link(u"last"_s).isEmpty());
    m_download->setEnabled(ok);
    showEntry(-1);
    if (m_model->rowCount() > 0)
        selectEntry(0);
    return ok;
}

void BundleViewer::selectEntry(int row)
{
    m_table->setCurrentIndex(m_model->index(row, BundleEntryModel::SummaryColumn));
}

void BundleViewer::showEntry(int row)
{
    m_references->clear();
    if (row < 0) {
        m_entry->clear();
        return;
    }
    m_entry->setPlainText(QString::fromUtf8(m_model->entryJson(row)));
    m_references->addItems(m_model->references(row));
}

QString BundleViewer::saveTo(const QString &path) const
{
    return writeFile(path, m_bytes);
}

void BundleViewer::download()
{
    const QString path = askSaveFileName(this, tr("Download the Bundle"), u"bundle.json"_s,
                                         tr("FHIR JSON (*.json)"));
    if (path.isEmpty())
        return;
    if (const QString error = saveTo(path); !error.isEmpty())
        QMessageBox::warning(this, tr("Download the Bundle"),
                             tr("Could not save %1: %2").arg(path, error));
}

} // namespace fhir::ui
