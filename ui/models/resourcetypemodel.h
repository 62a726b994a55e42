#pragma once

#include "schemas/model.h"

#include <QAbstractItemModel>

#include <memory>
#include <vector>

namespace fhir::ui {

/// The resource types of a model, grouped as the spec files them: area (Foundation, Base,
/// Clinical, Financial, Specialized), then group (Individuals, Diagnostics...), then type.
/// Columns: name, one-line description.
class ResourceTypeModel : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Role { TypeNameRole = Qt::UserRole + 1, IsTypeRole };
    enum Column { NameColumn, DescriptionColumn, ColumnCount };

    explicit ResourceTypeModel(QObject *parent = nullptr);
    ~ResourceTypeModel() override;

    /// Fills the model from a FHIR model; `supported`, when not empty, limits the types shown
    /// (a deployment's CapabilityStatement).
    void setModel(std::shared_ptr<const schema::Model> model, const QStringList &supported = {});

    /// The index of a resource type's row, or an invalid index.
    QModelIndex indexOfType(const QString &typeName) const;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

private:
    struct Node
    {
        QString name;
        QString description;
        bool isType = false;
        Node *parent = nullptr;
        int row = 0;
        std::vector<std::unique_ptr<Node>> children;
    };
    Node *nodeAt(const QModelIndex &index) const;

    Node m_root;
};

} // namespace fhir::ui
