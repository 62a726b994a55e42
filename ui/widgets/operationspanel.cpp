#include "operationspanel.h"

#include "ui/widgets/jsonhighlighter.h"

#include <QApplication>
#include <QLabel>
#include <QListView>
#include <QPainter>
#include <QVBoxLayout>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace fhir::ui {

namespace {
constexpr int kBadgeWidth = 64;
constexpr int kPadding = 6;
} // namespace

void OperationDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                              const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    QStyle *style = opt.widget ? opt.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);

    const QByteArray method = index.data(OperationsModel::MethodRole).toByteArray();
    const QString path = index.data(OperationsModel::PathRole).toString();
    const QString summary = index.data(OperationsModel::SummaryRole).toString();
    const QRect r = opt.rect.adjusted(kPadding, 4, -kPadding, -4);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QFontMetrics fm(opt.font);
    const QRect badge(r.left(), r.top(), kBadgeWidth, fm.height() + 6);
    painter->setPen(Qt::NoPen);
    painter->setBrush(methodColor(method));
    painter->drawRoundedRect(badge, 3, 3);
    QFont bold = opt.font;
    bold.setBold(true);
    painter->setFont(bold);
    // Dark text on the light badges, white on red: readable whatever the theme.
    painter->setPen(method == "DELETE" ? QColor(Qt::white) : QColor(0x1b, 0x1b, 0x1b));
    painter->drawText(badge, Qt::AlignCenter, QString::fromLatin1(method));

    const bool selected = opt.state & QStyle::State_Selected;
    const QPalette::ColorRole textRole = selected ? QPalette::HighlightedText : QPalette::Text;
    QFont mono = opt.font;
    mono.setFamilies({u"monospace"_s});
    mono.setStyleHint(QFont::Monospace);
    mono.setBold(true);
    painter->setFont(mono);
    painter->setPen(opt.palette.color(textRole));
    const QRect pathRect(badge.right() + kPadding, r.top(), r.width() - kBadgeWidth - kPadding,
                         badge.height());
    // A long path ("/Patient/{id}/_history/{vid}") in a narrow list: shrink the font a little
    // before eliding what still does not fit (the tooltip has it whole).
    const auto fits = [&] {
        return QFontMetrics(mono).elidedText(path, Qt::ElideMiddle, pathRect.width()) == path;
    };
    for (int step = 0; step < 2 && !fits(); ++step) {
        if (mono.pointSizeF() > 0)
            mono.setPointSizeF(mono.pointSizeF() * 0.9);
        else
            mono.setPixelSize(std::max(1, mono.pixelSize() * 9 / 10));
    }
    painter->setFont(mono);
    painter->drawText(pathRect, Qt::AlignVCenter | Qt::AlignLeft,
                      QFontMetrics(mono).elidedText(path, Qt::ElideMiddle, pathRect.width()));
    painter->setFont(opt.font);
    QColor dim = opt.palette.color(textRole);
    dim.setAlphaF(0.7f);
    painter->setPen(dim);
    const QRect summaryRect(r.left(), badge.bottom() + 2, r.width(), fm.height());
    painter->drawText(summaryRect, Qt::AlignVCenter | Qt::AlignLeft,
                      fm.elidedText(summary, Qt::ElideRight, summaryRect.width()));
    painter->restore();
}

QSize OperationDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const
{
    const QFontMetrics fm(option.font);
    return {kBadgeWidth + 220, fm.height() * 2 + 18};
}

OperationsPanel::OperationsPanel(QWidget *parent)
    : QWidget(parent)
    , m_model(new OperationsModel(this))
    , m_note(new QLabel)
    , m_list(new QListView)
{
    m_note->setObjectName(u"operationsNote"_s);
    m_note->setWordWrap(true);
    m_list->setObjectName(u"operationsList"_s);
    m_list->setAccessibleName(tr("Operations"));
    m_list->setModel(m_model);
    m_list->setItemDelegate(new OperationDelegate(m_list));
    m_list->setUniformItemSizes(true);
    m_list->setAlternatingRowColors(true);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_note);
    layout->addWidget(m_list, 1);

    connect(m_list->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex &current) {
                if (current.isValid())
                    Q_EMIT operationSelected(m_model->operation(current.row()));
            });
    connect(m_model, &QAbstractItemModel::modelReset, this, &OperationsPanel::updateNote);
    updateNote();
}

void OperationsPanel::setResourceType(const QString &type)
{
    m_model->setResourceType(type);
}

void OperationsPanel::updateNote()
{
    const QString type = m_model->resourceType();
    if (!m_model->hasCapabilities())
        m_note->setText(tr("What FHIR R4 defines. Select an endpoint to see what its server "
                           "offers."));
    else if (!type.isEmpty() && !m_model->declaredTypes().contains(type))
        m_note->setText(tr("This server does not offer %1; only its system-level operations "
                           "are listed.")
                            .arg(type));
    else
        m_note->setText(tr("As the server's CapabilityStatement declares."));
}

bool OperationsPanel::selectOperation(const QByteArray &method, const QString &pathTemplate)
{
    const int row = m_model->rowOf(method, pathTemplate);
    if (row < 0)
        return false;
    m_list->setCurrentIndex(m_model->index(row));
    return true;
}

const Operation *OperationsPanel::currentOperation() const
{
    const QModelIndex current = m_list->currentIndex();
    return current.isValid() ? &m_model->operation(current.row()) : nullptr;
}

} // namespace fhir::ui
