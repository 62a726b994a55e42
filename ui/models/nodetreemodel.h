#pragma once

#include <QAbstractItemModel>

#include <memory>
#include <vector>

namespace fhir::ui {

/// What every node of a NodeTreeModel has: its place in the tree.
template<typename Node> struct TreeNode
{
    Node *parent = nullptr;
    int row = 0;
    std::vector<std::unique_ptr<Node>> children;

    /// Appends a child made by the caller, setting its parent and row.
    Node *adopt(std::unique_ptr<Node> child)
    {
        child->parent = static_cast<Node *>(this);
        child->row = int(children.size());
        children.push_back(std::move(child));
        return children.back().get();
    }
};

/// The index arithmetic of a tree model whose nodes own their children (Node derives from
/// TreeNode<Node>); an index's internal pointer is its node, the root is m_root.
template<typename Node> class NodeTreeModel : public QAbstractItemModel
{
public:
    using QAbstractItemModel::QAbstractItemModel;

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override
    {
        if (!this->hasIndex(row, column, parent))
            return {};
        return this->createIndex(row, column, nodeAt(parent)->children.at(size_t(row)).get());
    }

    QModelIndex parent(const QModelIndex &child) const override
    {
        if (!child.isValid())
            return {};
        Node *parent = nodeAt(child)->parent;
        if (parent == nullptr || parent == &m_root)
            return {};
        return this->createIndex(parent->row, 0, parent);
    }

    int rowCount(const QModelIndex &parent = {}) const override
    {
        if (parent.column() > 0)
            return 0;
        return int(nodeAt(parent)->children.size());
    }

protected:
    Node *nodeAt(const QModelIndex &index) const
    {
        return index.isValid() ? static_cast<Node *>(index.internalPointer())
                               : const_cast<Node *>(&m_root);
    }
    QModelIndex indexOf(Node *node) const { return this->createIndex(node->row, 0, node); }

    Node m_root;
};

} // namespace fhir::ui
