#pragma once

#include "schemas/model.h"
#include "ui/models/nodetreemodel.h"

#include <memory>
#include <vector>

namespace fhir::ui {

/// An element as ElementTreeModel shows it.
struct ElementTreeNode : TreeNode<ElementTreeNode>
{
    schema::ElementNode element;
    bool fetched = false;
};

/// The element tree of one resource or data type, as the spec's tables show it: name, flags,
/// cardinality, type, short description. Children are fetched on demand (canFetchMore /
/// fetchMore), so data types expand as deep as the user opens them and never eagerly.
class ElementTreeModel : public NodeTreeModel<ElementTreeNode>
{
    Q_OBJECT

public:
    enum Role { PathRole = Qt::UserRole + 1 };
    enum Column {
        NameColumn,
        FlagsColumn,
        CardinalityColumn,
        TypeColumn,
        DescriptionColumn,
        ColumnCount
    };

    explicit ElementTreeModel(QObject *parent = nullptr);
    ~ElementTreeModel() override;

    /// Shows the elements of `typeName` (its root's children at the top level). Returns the
    /// model's error for an unknown type, and leaves the tree empty.
    Result<bool> setType(std::shared_ptr<const schema::Model> model, const QString &typeName);
    QString typeName() const { return m_typeName; }

    /// The element behind an index, or nullptr.
    const schema::ElementNode *element(const QModelIndex &index) const;

    int columnCount(const QModelIndex &parent = {}) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    using Node = ElementTreeNode;
    void appendChildren(Node *node, const QList<schema::ElementNode> &children);

    std::shared_ptr<const schema::Model> m_model;
    QString m_typeName;
    bool m_resetting = false;
};

} // namespace fhir::ui
