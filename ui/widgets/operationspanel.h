#pragma once

#include "ui/models/operationsmodel.h"

#include <QStyledItemDelegate>
#include <QWidget>

class QLabel;
class QListView;

namespace fhir::ui {

/// Paints an operation as Swagger does: a coloured method badge, the path, the summary.
class OperationDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

/// The operations of the selected resource type and of the system level, in one list.
class OperationsPanel : public QWidget
{
    Q_OBJECT

public:
    explicit OperationsPanel(QWidget *parent = nullptr);

    OperationsModel *model() const { return m_model; }
    void setResourceType(const QString &type);
    /// Selects the operation with this method and path template; false when it is not listed.
    bool selectOperation(const QByteArray &method, const QString &pathTemplate);
    /// The selected operation, or nullptr.
    const Operation *currentOperation() const;

Q_SIGNALS:
    void operationSelected(const fhir::ui::Operation &operation);

private:
    void updateNote();

    OperationsModel *m_model; // owned (QObject child)
    QLabel *m_note;
    QListView *m_list;
};

} // namespace fhir::ui
