#pragma once

#include "schemas/model.h"
#include "ui/models/nodetreemodel.h"

#include <memory>
#include <vector>

namespace fhir::ui {

/// An area, a group or a resource type in ResourceTypeModel.
struct ResourceTypeNode : TreeNode<ResourceTypeNode>
{
    QString name;
    QString description;
    bool isType = false;
};

/// The resource types of a model, grouped as the spec files them: area (Foundation, Base,
/// Clinical, Financial, Specialized), then group (Individuals, Diagnostics...), then type.
/// Columns: name, one-line description.
class ResourceTypeModel : public NodeTreeModel<ResourceTypeNode>
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

    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

private:
    using Node = ResourceTypeNode;
};

} // namespace fhir::ui
