#include "elementtreemodel.h"

#include "app/schemadescription.h"

namespace fhir::ui {

ElementTreeModel::ElementTreeModel(QObject *parent)
    : NodeTreeModel(parent)
{
}

ElementTreeModel::~ElementTreeModel() = default;

Result<bool> ElementTreeModel::setType(std::shared_ptr<const schema::Model> model,
                                       const QString &typeName)
{
    // Views and testers may ask for more rows while the reset is announced; rows are only
    // fetched once it is over.
    m_resetting = true;
    beginResetModel();
    m_root.children.clear();
    m_root.fetched = false;
    m_model = std::move(model);
    m_typeName.clear();
    Result<bool> result = true;
    if (!m_model) {
        result = Error{tr("No FHIR model is loaded")};
    } else if (Result<schema::ElementNode> root = m_model->element(typeName); !root) {
        result = Error{root.error()};
    } else {
        m_typeName = typeName;
        m_root.element = *root;
        if (Result<QList<schema::ElementNode>> children = m_model->children(typeName); children)
            appendChildren(&m_root, *children);
    }
    endResetModel();
    m_resetting = false;
    return result;
}

void ElementTreeModel::appendChildren(Node *node, const QList<schema::ElementNode> &children)
{
    node->fetched = true;
    for (const schema::ElementNode &child : children) {
        auto n = std::make_unique<Node>();
        n->element = child;
        node->adopt(std::move(n));
    }
}

const schema::ElementNode *ElementTreeModel::element(const QModelIndex &index) const
{
    return index.isValid() ? &nodeAt(index)->element : nullptr;
}

int ElementTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

bool ElementTreeModel::hasChildren(const QModelIndex &parent) const
{
    if (parent.column() > 0)
        return false;
    const Node *node = nodeAt(parent);
    if (!parent.isValid())
        return !node->children.empty();
    return node->fetched ? !node->children.empty() : node->element.hasChildren;
}

bool ElementTreeModel::canFetchMore(const QModelIndex &parent) const
{
    if (m_resetting || !parent.isValid() || parent.column() > 0)
        return false;
    const Node *node = nodeAt(parent);
    return !node->fetched && node->element.hasChildren;
}

void ElementTreeModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    Node *node = nodeAt(parent);
    Result<QList<schema::ElementNode>> children = m_model->children(node->element.path);
    const int count = children ? int(children->size()) : 0;
    if (count == 0) {
        node->fetched = true;
        return;
    }
    beginInsertRows(parent, 0, count - 1);
    appendChildren(node, *children);
    endInsertRows();
}

QVariant ElementTreeModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const schema::ElementNode &e = nodeAt(index)->element;
    const schema::ElementDefinition &def = *e.definition;
    if (role == PathRole)
        return e.path;
    if (role == Qt::ToolTipRole)
        return def.definition;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case NameColumn:
        return e.path.mid(e.path.lastIndexOf(QLatin1Char('.')) + 1);
    case FlagsColumn:
        return app::elementFlags(def);
    case CardinalityColumn:
        return def.cardinality();
    case TypeColumn:
        return e.choiceType.isEmpty() ? def.typeSummary() : e.choiceType;
    case DescriptionColumn:
        return def.shortText;
    default:
        return {};
    }
}

QVariant ElementTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case FlagsColumn:
        return tr("Flags");
    case CardinalityColumn:
        return tr("Card.");
    case TypeColumn:
        return tr("Type");
    case DescriptionColumn:
        return tr("Description");
    default:
        return {};
    }
}

} // namespace fhir::ui
