#include "resourcetypemodel.h"

#include <map>

namespace fhir::ui {

namespace {

// The spec's own order of the areas (resourcelist.html).
int areaRank(const QString &area)
{
    static const QStringList order
        = {QStringLiteral("Foundation"), QStringLiteral("Base"), QStringLiteral("Clinical"),
           QStringLiteral("Financial"), QStringLiteral("Specialized")};
    const qsizetype rank = order.indexOf(area);
    return rank < 0 ? int(order.size()) : int(rank);
}

} // namespace

ResourceTypeModel::ResourceTypeModel(QObject *parent)
    : NodeTreeModel(parent)
{
}

ResourceTypeModel::~ResourceTypeModel() = default;

void ResourceTypeModel::setModel(std::shared_ptr<const schema::Model> model,
                                 const QStringList &supported)
{
    beginResetModel();
    m_root.children.clear();
    if (model) {
        // area -> group -> types, each level sorted.
        std::map<std::pair<int, QString>, std::map<QString, QList<const schema::TypeInfo *>>> tree;
        for (const QString &name : model->resourceTypes()) {
            if (!supported.isEmpty() && !supported.contains(name))
                continue;
            const auto info = model->type(name);
            if (!info)
                continue;
            const QString area = (*info)->category.area;
            tree[{areaRank(area), area}][(*info)->category.group].append(*info);
        }
        for (const auto &[areaKey, groups] : tree) {
            auto area = std::make_unique<Node>();
            area->name = areaKey.second;
            area->parent = &m_root;
            area->row = int(m_root.children.size());
            for (const auto &[groupName, types] : groups) {
                auto group = std::make_unique<Node>();
                group->name = groupName;
                group->parent = area.get();
                group->row = int(area->children.size());
                for (const schema::TypeInfo *t : types) {
                    auto leaf = std::make_unique<Node>();
                    leaf->name = t->name;
                    leaf->description = t->shortDescription;
                    leaf->isType = true;
                    leaf->parent = group.get();
                    leaf->row = int(group->children.size());
                    group->children.push_back(std::move(leaf));
                }
                area->children.push_back(std::move(group));
            }
            m_root.children.push_back(std::move(area));
        }
    }
    endResetModel();
}

QModelIndex ResourceTypeModel::indexOfType(const QString &typeName) const
{
    for (const auto &area : m_root.children) {
        for (const auto &group : area->children) {
            for (const auto &leaf : group->children) {
                if (leaf->name == typeName)
                    return createIndex(leaf->row, 0, leaf.get());
            }
        }
    }
    return {};
}

int ResourceTypeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant ResourceTypeModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const Node *node = nodeAt(index);
    switch (role) {
    case Qt::DisplayRole:
        return index.column() == NameColumn ? node->name : node->description;
    case Qt::ToolTipRole:
        return node->isType ? node->description : QVariant();
    case TypeNameRole:
        return node->isType ? node->name : QString();
    case IsTypeRole:
        return node->isType;
    default:
        return {};
    }
}

QVariant ResourceTypeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    return section == NameColumn ? tr("Resource type") : tr("Description");
}

Qt::ItemFlags ResourceTypeModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    // Areas and groups are headings: they expand, but are not a selection.
    return nodeAt(index)->isType ? Qt::ItemIsEnabled | Qt::ItemIsSelectable : Qt::ItemIsEnabled;
}

} // namespace fhir::ui
