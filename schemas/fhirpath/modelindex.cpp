#include "schemas/fhirpath/modelindex.h"

#include "schemas/model.h"

#include <mutex>
#include <unordered_map>

using namespace Qt::StringLiterals;

namespace fhir::fhirpath {

namespace {

QString capitalized(const QString &s)
{
    return s.isEmpty() ? s : s.at(0).toUpper() + s.mid(1);
}

ChildOption option(const QString &jsonName, const TypeNode *type)
{
    const std::string name = jsonName.toStdString();
    return {name, '_' + name, type};
}

} // namespace

std::shared_ptr<ModelIndex> ModelIndex::of(const std::shared_ptr<const schema::Model> &model)
{
    if (!model)
        return nullptr;
    // One index per live Model; an entry whose Model died is replaced.
    static std::mutex mutex;
    static std::unordered_map<
        const schema::Model *,
        std::pair<std::weak_ptr<const schema::Model>, std::shared_ptr<ModelIndex>>>
        indexes;
    std::lock_guard lock(mutex);
    if (const auto it = indexes.find(model.get());
        it != indexes.end() && it->second.first.lock() == model)
        return it->second.second;
    // A new model: forget the indexes of models that are gone.
    for (auto it = indexes.begin(); it != indexes.end();) {
        if (it->second.first.expired())
            it = indexes.erase(it);
        else
            ++it;
    }
    auto index = std::make_shared<ModelIndex>(model.get());
    indexes[model.get()] = {model, index};
    return index;
}

ModelIndex::ModelIndex(const schema::Model *model)
    : m_model(model)
{
}

const ModelIndex::TypeDefs *ModelIndex::defs(const QString &typeName)
{
    if (const auto it = m_defs.find(typeName); it != m_defs.end())
        return &it->second;
    auto elements = m_model->elements(typeName);
    if (!elements)
        return nullptr;
    TypeDefs d;
    for (const schema::ElementDefinition &e : **elements) {
        d.byPath.insert(e.path, &e);
        const qsizetype dot = e.path.lastIndexOf(u'.');
        if (dot > 0)
            d.childrenOf[e.path.left(dot)].append(&e);
    }
    return &m_defs.emplace(typeName, std::move(d)).first->second;
}

const TypeNode *ModelIndex::node(const QString &typeName, const QString &definedIn,
                                 const QString &definitionPath)
{
    const QString key = typeName + u'|' + definedIn + u'|' + definitionPath;
    if (const auto it = m_nodeByKey.constFind(key); it != m_nodeByKey.cend())
        return *it;
    TypeNode &n = m_nodes.emplace_back();
    n.typeName = typeName;
    n.definedIn = definedIn;
    n.definitionPath = definitionPath;
    static const QHash<QString, TypeNode::Special> specials = {
        {u"date"_s, TypeNode::Special::Date},
        {u"dateTime"_s, TypeNode::Special::DateTime},
        {u"instant"_s, TypeNode::Special::DateTime},
        {u"time"_s, TypeNode::Special::Time},
        {u"decimal"_s, TypeNode::Special::Decimal},
        {u"Quantity"_s, TypeNode::Special::Quantity},
        {u"Age"_s, TypeNode::Special::Quantity},
        {u"Distance"_s, TypeNode::Special::Quantity},
        {u"Duration"_s, TypeNode::Special::Quantity},
        {u"Count"_s, TypeNode::Special::Quantity},
        {u"SimpleQuantity"_s, TypeNode::Special::Quantity},
        {u"MoneyQuantity"_s, TypeNode::Special::Quantity},
        {u"Resource"_s, TypeNode::Special::AnyResource},
        {u"DomainResource"_s, TypeNode::Special::AnyResource},
    };
    n.special = specials.value(typeName, TypeNode::Special::None);
    QString base = typeName;
    for (int guard = 0; guard < 16; ++guard) {
        auto info = m_model->type(base);
        if (!info || (*info)->baseType.isEmpty())
            break;
        base = (*info)->baseType;
        n.ancestors.append(base);
    }
    m_nodeByKey.insert(key, &n);
    return &n;
}

const TypeNode *ModelIndex::typeRoot(const QString &typeName)
{
    {
        QReadLocker lock(&m_lock);
        if (const auto it = m_roots.constFind(typeName); it != m_roots.cend())
            return *it;
    }
    if (!m_model->type(typeName))
        return nullptr;
    QWriteLocker lock(&m_lock);
    const TypeNode *root = node(typeName, typeName, typeName);
    m_roots.insert(typeName, root);
    return root;
}

ChildOptions ModelIndex::optionsFor(const QString &definedIn, const schema::ElementDefinition &def)
{
    ChildOptions out;
    const TypeDefs *own = defs(definedIn);
    if (def.isChoice()) {
        const QString base = def.name().chopped(3);
        for (const schema::TypeRef &t : def.types)
            out.append(option(base + capitalized(t.code), node(t.code, t.code, t.code)));
        return out;
    }
    const QString name = def.name();
    if (!def.contentReference.isEmpty()) {
        const QString target = def.contentReference.mid(1);
        QString type = u"BackboneElement"_s;
        if (own) {
            if (const auto *ref = own->byPath.value(target); ref && ref->types.size() == 1)
                type = ref->types.first().code;
        }
        out.append(option(name, node(type, definedIn, target)));
        return out;
    }
    const QString type = def.types.size() == 1 ? def.types.first().code : QString();
    if (own && own->childrenOf.contains(def.path)) {
        out.append(
            option(name, node(type.isEmpty() ? u"BackboneElement"_s : type, definedIn, def.path)));
        return out;
    }
    if (type.isEmpty())
        return out;
    out.append(option(name, node(type, type, type)));
    return out;
}

const ChildMap *ModelIndex::childMap(const TypeNode *parent)
{
    if (const ChildMap *map = parent->children.load(std::memory_order_acquire))
        return map;
    QWriteLocker lock(&m_lock);
    if (const ChildMap *map = parent->children.load(std::memory_order_acquire))
        return map;
    ChildMap &map = m_childMaps.emplace_back();
    if (const TypeDefs *d = defs(parent->definedIn)) {
        const auto list = d->childrenOf.value(parent->definitionPath);
        for (const schema::ElementDefinition *def : list) {
            ChildOptions options = optionsFor(parent->definedIn, *def);
            const QString name = def->isChoice() ? def->name().chopped(3) : def->name();
            if (def->isChoice()) {
                // `valueQuantity` is not FHIRPath, but expressions in the wild use it.
                for (const ChildOption &o : options)
                    map.byName.insert(QString::fromStdString(o.jsonName), {o});
            }
            map.all += options;
            map.byName.insert(name, std::move(options));
        }
    }
    parent->children.store(&map, std::memory_order_release);
    return &map;
}

const ChildOptions *ModelIndex::child(const TypeNode *parent, const QString &name)
{
    const ChildMap *map = childMap(parent);
    const auto it = map->byName.constFind(name);
    return it == map->byName.cend() ? nullptr : &*it;
}

const ChildOptions *ModelIndex::allChildren(const TypeNode *parent)
{
    return &childMap(parent)->all;
}

} // namespace fhir::fhirpath
