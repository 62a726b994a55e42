#include "jsontreemodel.h"

using namespace Qt::StringLiterals;
using Json = nlohmann::ordered_json;

namespace fhir::ui {

JsonTreeModel::JsonTreeModel(QObject *parent)
    : NodeTreeModel(parent)
{
    m_root.fetched = true; // nothing to show yet
}

JsonTreeModel::~JsonTreeModel() = default;

Result<bool> JsonTreeModel::setJson(const QByteArray &json)
{
    m_changing = true;
    beginResetModel();
    m_root.children.clear();
    m_document = Json::parse(json.constData(), json.constData() + json.size(), nullptr, false);
    Result<bool> result = true;
    if (m_document.is_discarded()) {
        m_document = Json();
        m_root.value = nullptr;
        m_root.fetched = true;
        result = Error{tr("The body is not JSON")};
    } else {
        m_root.value = &m_document;
        m_root.fetched = false;
        makeChildren(&m_root);
    }
    endResetModel();
    m_changing = false;
    return result;
}

void JsonTreeModel::clear()
{
    m_changing = true;
    beginResetModel();
    m_root.children.clear();
    m_document = Json();
    m_root.value = nullptr;
    m_root.fetched = true;
    endResetModel();
    m_changing = false;
}

void JsonTreeModel::makeChildren(JsonNode *node)
{
    node->fetched = true;
    const Json *value = node->value;
    if (value == nullptr)
        return;
    auto add = [node](const QString &key, const QString &path, const Json *child) {
        auto n = std::make_unique<JsonNode>();
        n->key = key;
        n->path = path;
        n->value = child;
        n->fetched = !(child->is_object() || child->is_array()) || child->empty();
        node->adopt(std::move(n));
    };
    if (value->is_object()) {
        for (auto it = value->begin(); it != value->end(); ++it) {
            const QString key = QString::fromStdString(it.key());
            add(key, node->path.isEmpty() ? key : node->path + u'.' + key, &*it);
        }
    } else if (value->is_array()) {
        for (size_t i = 0; i < value->size(); ++i) {
            const QString key = u'[' + QString::number(i) + u']';
            add(key, node->path + key, &(*value)[i]);
        }
    }
}

int JsonTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

bool JsonTreeModel::hasChildren(const QModelIndex &parent) const
{
    if (parent.column() > 0)
        return false;
    const JsonNode *node = nodeAt(parent);
    if (node->fetched)
        return !node->children.empty();
    return node->value != nullptr && (node->value->is_object() || node->value->is_array())
        && !node->value->empty();
}

bool JsonTreeModel::canFetchMore(const QModelIndex &parent) const
{
    if (m_changing || parent.column() > 0)
        return false;
    const JsonNode *node = nodeAt(parent);
    return !node->fetched && node->value != nullptr;
}

void JsonTreeModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    JsonNode *node = nodeAt(parent);
    const size_t count = node->value->size();
    if (count == 0) {
        node->fetched = true;
        return;
    }
    m_changing = true;
    beginInsertRows(parent, 0, int(count) - 1);
    makeChildren(node);
    endInsertRows();
    m_changing = false;
}

QVariant JsonTreeModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const JsonNode *node = nodeAt(index);
    const Json &v = *node->value;
    if (role == PathRole)
        return node->path;
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case KeyColumn:
        return node->key;
    case ValueColumn:
        if (v.is_object())
            return tr("{%n member(s)}", nullptr, int(v.size()));
        if (v.is_array())
            return tr("[%n item(s)]", nullptr, int(v.size()));
        if (v.is_string())
            return QString::fromStdString(v.get<std::string>());
        return QString::fromStdString(v.dump());
    case TypeColumn:
        return QString::fromLatin1(v.type_name());
    default:
        return {};
    }
}

QVariant JsonTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case KeyColumn:
        return tr("Key");
    case ValueColumn:
        return tr("Value");
    case TypeColumn:
        return tr("Type");
    default:
        return {};
    }
}

} // namespace fhir::ui
