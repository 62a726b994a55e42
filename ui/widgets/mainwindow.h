#pragma once

#include "app/examplelibrary.h"
#include "schemas/model.h"

#include <QMainWindow>

#include <memory>

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTabWidget;
class QTextBrowser;
class QTreeView;

namespace fhir::ui {

class ElementTreeModel;
class ExamplePanel;
class ResourceTypeModel;

/// The portal's main window: resource types on the left; on the right the chosen type's
/// schema (element tree and the selected element's details) and its examples.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    /// `model` may be null when it could not be loaded; `loadError` then says why.
    explicit MainWindow(std::shared_ptr<const schema::Model> model, const QString &loadError = {},
                        QWidget *parent = nullptr);
    ~MainWindow() override;

    /// Shows a resource type's schema, as if the user had picked it.
    void showType(const QString &typeName);

private:
    void onTypeSelected();
    void onElementSelected();
    void expandFetched(const QModelIndex &parent);
    QString detailsHtml(const schema::ElementNode &node) const;

    std::shared_ptr<const schema::Model> m_model;
    app::ExampleLibrary m_examples;
    ResourceTypeModel *m_typeModel; // owned by this (QObject parent)
    QSortFilterProxyModel *m_typeFilter; // owned by this
    ElementTreeModel *m_elementModel; // owned by this
    QSortFilterProxyModel *m_elementFilter; // owned by this
    QLineEdit *m_elementFilterEdit; // owned by the widget tree
    QLineEdit *m_filterEdit; // owned by the widget tree
    QTreeView *m_typeView;
    QLabel *m_typeTitle;
    QTreeView *m_elementView;
    QTextBrowser *m_details;
    QTabWidget *m_tabs;
    ExamplePanel *m_examplePanel;
};

} // namespace fhir::ui
