#include "fhirpathpatch.h"

#include "schemas/elementdefinition.h"
#include "schemas/fhirpath/modelindex.h"
#include "schemas/model.h"

#include <string>
#include <vector>

using namespace Qt::StringLiterals;
using nlohmann::json;

namespace fhir::server {

namespace {

/// One step from a node to a child: a member name or an array index.
struct Step
{
    bool isIndex = false;
    std::string key;
    size_t index = 0;
};
using Steps = std::vector<Step>;

/// The steps from `node` to the node at address `target`, found by walking the document: the
/// FHIRPath engine hands back pointers into it.
bool locate(const json &node, const json *target, Steps &steps)
{
    if (&node == target)
        return true;
    if (node.is_object()) {
        for (auto it = node.begin(); it != node.end(); ++it) {
            steps.push_back({false, it.key(), 0});
            if (locate(it.value(), target, steps))
                return true;
            steps.pop_back();
        }
    } else if (node.is_array()) {
        for (size_t i = 0; i < node.size(); ++i) {
            steps.push_back({true, {}, i});
            if (locate(node[i], target, steps))
                return true;
            steps.pop_back();
        }
    }
    return false;
}

json &at(json &root, const Steps &steps, size_t count)
{
    json *node = &root;
    for (size_t i = 0; i < count; ++i)
        node = steps[i].isIndex ? &(*node)[steps[i].index] : &(*node)[steps[i].key];
    return *node;
}

/// For an element of a list `K` (steps ending in K, i), the `_K` list of its primitive
/// extensions beside it, when there is one.
json *companionList(json &root, const Steps &steps)
{
    if (steps.size() < 2 || !steps.back().isIndex || steps[steps.size() - 2].isIndex)
        return nullptr;
    json &owner = at(root, steps, steps.size() - 2);
    const auto it = owner.find('_' + steps[steps.size() - 2].key);
    return it != owner.end() && it->is_array() ? &*it : nullptr;
}

/// Removes the node at `steps`, its `_name` companion, and then every list or object the
/// removal left empty (FHIR JSON has none), up to but not including the root.
void removeAt(json &root, Steps steps)
{
    json &parent = at(root, steps, steps.size() - 1);
    if (steps.back().isIndex) {
        if (json *companion = companionList(root, steps);
            companion && steps.back().index < companion->size()) {
            companion->erase(steps.back().index);
        }
        parent.erase(steps.back().index);
    } else {
        parent.erase(steps.back().key);
        parent.erase('_' + steps.back().key);
    }
    steps.pop_back();
    while (!steps.empty()) {
        json &node = at(root, steps, steps.size());
        if (!node.empty())
            break;
        json &owner = at(root, steps, steps.size() - 1);
        if (steps.back().isIndex)
            owner.erase(steps.back().index);
        else
            owner.erase(steps.back().key);
        steps.pop_back();
    }
}

/// The value of a Parameters part: its value[x] (or resource), or an object built from its
/// own parts for an element without a data type (a backbone element).
Result<json> partValue(const json &part, int depth = 0)
{
    if (depth > 32)
        return Error{u"the value's parts nest too deeply"_s};
    for (auto it = part.begin(); it != part.end(); ++it) {
        if (it.key().rfind("value", 0) == 0 || it.key() == "resource")
            return it.value();
    }
    const auto parts = part.find("part");
    if (parts == part.end() || !parts->is_array() || parts->empty())
        return Error{u"the value has neither a value[x] nor parts"_s};
    json object = json::object();
    for (const json &child : *parts) {
        const auto name = child.is_object() ? child.find("name") : child.end();
        if (!child.is_object() || name == child.end() || !name->is_string())
            return Error{u"every part of a value needs a name"_s};
        auto value = partValue(child, depth + 1);
        if (!value)
            return value;
        json &slot = object[name->get<std::string>()];
        if (slot.is_null())
            slot = std::move(value).value();
        else if (slot.is_array())
            slot.push_back(std::move(value).value());
        else
            slot = json::array({slot, std::move(value).value()});
    }
    return object;
}

QString typeName(FhirPathPatch::Type type)
{
    switch (type) {
    case FhirPathPatch::Type::Add:
        return u"add"_s;
    case FhirPathPatch::Type::Insert:
        return u"insert"_s;
    case FhirPathPatch::Type::Delete:
        return u"delete"_s;
    case FhirPathPatch::Type::Replace:
        return u"replace"_s;
    case FhirPathPatch::Type::Move:
        return u"move"_s;
    }
    return {};
}

/// Whether the element `name` of a node of `type` may repeat, by the model.
std::optional<bool> repeats(const fhirpath::Environment &env, const fhirpath::Item &parent,
                            const QString &name)
{
    if (!env.model || !parent.typeNode())
        return std::nullopt;
    const auto element = env.model->element(parent.typeNode()->definitionPath + u'.' + name);
    if (!element || !element->definition)
        return std::nullopt;
    return element->definition->max != u"1"_s && element->definition->max != u"0"_s;
}

} // namespace

Result<FhirPathPatch> FhirPathPatch::parse(const json &parameters)
{
    if (!parameters.is_object() || parameters.value("resourceType", json()) != "Parameters")
        return Error{u"a FHIRPath Patch is a Parameters resource"_s};
    const auto list = parameters.find("parameter");
    if (list == parameters.end() || !list->is_array())
        return Error{u"the Parameters has no operation"_s};
    FhirPathPatch patch;
    for (size_t i = 0; i < list->size(); ++i) {
        const json &parameter = (*list)[i];
        const QString where = u"Parameters.parameter[%1]"_s.arg(i);
        if (!parameter.is_object() || parameter.value("name", json()) != "operation")
            return Error{where + u": every parameter of a FHIRPath Patch is an \"operation\""_s};
        const auto parts = parameter.find("part");
        if (parts == parameter.end() || !parts->is_array())
            return Error{where + u": the operation has no parts"_s};
        const json *type = nullptr;
        const json *path = nullptr;
        const json *name = nullptr;
        const json *value = nullptr;
        const json *index = nullptr;
        const json *source = nullptr;
        const json *destination = nullptr;
        for (const json &part : *parts) {
            if (!part.is_object() || !part.contains("name") || !part["name"].is_string())
                return Error{where + u": every part needs a name"_s};
            const std::string partName = part["name"].get<std::string>();
            const json **slot = partName == "type" ? &type
                : partName == "path"               ? &path
                : partName == "name"               ? &name
                : partName == "value"              ? &value
                : partName == "index"              ? &index
                : partName == "source"             ? &source
                : partName == "destination"        ? &destination
                                                   : nullptr;
            if (!slot)
                return Error{
                    where
                    + u": unknown part \"%1\""_s.arg(QString::fromStdString(partName).left(40))};
            if (*slot)
                return Error{
                    where
                    + u": the part \"%1\" appears twice"_s.arg(QString::fromStdString(partName))};
            *slot = &part;
        }
        auto text = [](const json *part, const char *key) -> std::optional<QString> {
            if (!part)
                return std::nullopt;
            const auto it = part->find(key);
            if (it == part->end() || !it->is_string())
                return std::nullopt;
            return QString::fromStdString(it->get<std::string>());
        };
        auto integer = [](const json *part) -> std::optional<qint64> {
            if (!part)
                return std::nullopt;
            const auto it = part->find("valueInteger");
            if (it == part->end() || !it->is_number_integer() || it->get<qint64>() < 0)
                return std::nullopt;
            return it->get<qint64>();
        };

        Operation op;
        const auto typeCode = text(type, "valueCode");
        if (!typeCode)
            return Error{where + u": the operation needs a type (valueCode)"_s};
        static const QList<Type> types
            = {Type::Add, Type::Insert, Type::Delete, Type::Replace, Type::Move};
        const auto known = std::find_if(types.begin(), types.end(),
                                        [&](Type t) { return typeName(t) == *typeCode; });
        if (known == types.end())
            return Error{where
                         + u": \"%1\" is not a FHIRPath Patch type (add, insert, delete, "
                           "replace, move)"_s.arg(typeCode->left(40))};
        op.type = *known;
        const QString what = where + u" (%1)"_s.arg(*typeCode);
        const auto pathText = text(path, "valueString");
        if (!pathText || pathText->isEmpty())
            return Error{what + u" needs a path (valueString)"_s};
        auto expression = fhirpath::Expression::parse(*pathText);
        if (!expression)
            return Error{what + u": the path is not FHIRPath: "_s + expression.error()};
        op.path = std::move(expression).value();
        op.pathText = *pathText;
        if (op.type == Type::Add) {
            const auto elementName = text(name, "valueString");
            if (!elementName || elementName->isEmpty())
                return Error{what + u" needs a name (valueString)"_s};
            op.name = *elementName;
        }
        if (op.type == Type::Add || op.type == Type::Insert || op.type == Type::Replace) {
            if (!value)
                return Error{what + u" needs a value"_s};
            auto v = partValue(*value);
            if (!v)
                return Error{what + u": "_s + v.error()};
            op.value = std::move(v).value();
        }
        if (op.type == Type::Insert) {
            const auto at = integer(index);
            if (!at)
                return Error{what + u" needs an index (valueInteger, 0 or more)"_s};
            op.index = *at;
        }
        if (op.type == Type::Move) {
            const auto from = integer(source);
            const auto to = integer(destination);
            if (!from || !to)
                return Error{what + u" needs a source and a destination (valueInteger)"_s};
            op.source = *from;
            op.destination = *to;
        }
        patch.m_operations.append(std::move(op));
    }
    if (patch.m_operations.isEmpty())
        return Error{u"the Parameters has no operation"_s};
    return patch;
}

Result<json> FhirPathPatch::apply(const json &resource, const fhirpath::Environment &env) const
{
    json doc = resource;
    for (qsizetype i = 0; i < m_operations.size(); ++i) {
        const Operation &op = m_operations[i];
        const QString where
            = u"operation %1 (%2 %3): "_s.arg(i).arg(typeName(op.type), op.pathText.left(200));
        auto fail = [&](const QString &message) -> Result<json> {
            return Error{where + message};
        };
        auto items = op.path->evaluate(doc, env);
        if (!items)
            return fail(u"the path cannot be evaluated: "_s + items.error());
        std::vector<Steps> locations;
        for (const fhirpath::Item &item : std::as_const(*items)) {
            Steps steps;
            if (!item.isNode() || !item.json() || !locate(doc, item.json(), steps))
                return fail(u"the path selects a value that is not an element of the resource"_s);
            locations.push_back(std::move(steps));
        }

        if (op.type == Type::Delete) {
            if (locations.size() > 1)
                return fail(u"the path selects %1 elements; only one can be deleted"_s.arg(
                    locations.size()));
            if (locations.size() == 1) {
                if (locations[0].empty())
                    return fail(u"the resource itself cannot be deleted"_s);
                removeAt(doc, locations[0]);
            }
            continue;
        }
        if (op.type == Type::Add || op.type == Type::Replace) {
            if (locations.size() != 1)
                return fail(locations.empty()
                                ? u"the path selects nothing"_s
                                : u"the path selects %1 elements, not one"_s.arg(locations.size()));
            json &node = at(doc, locations[0], locations[0].size());
            if (op.type == Type::Replace) {
                if (locations[0].empty())
                    return fail(u"the resource itself cannot be replaced"_s);
                node = *op.value;
                continue;
            }
            if (!node.is_object())
                return fail(u"elements can only be added to an element with children"_s);
            const std::string key = op.name.toStdString();
            const auto existing = node.find(key);
            if (existing != node.end() && existing->is_array()) {
                existing->push_back(*op.value);
            } else if (existing != node.end()) {
                return fail(u"%1 exists already; use replace"_s.arg(op.name));
            } else {
                const bool list = repeats(env, (*items)[0], op.name).value_or(false);
                node[key] = list && !op.value->is_array() ? json::array({*op.value}) : *op.value;
            }
            continue;
        }

        // insert and move: the path is a list, every one of its items.
        if (locations.empty())
            return fail(u"the path selects no list; add makes a new one"_s);
        Steps listSteps = locations[0];
        listSteps.pop_back();
        const bool oneList = std::all_of(locations.begin(), locations.end(), [&](const Steps &s) {
            return !s.empty() && s.back().isIndex && s.size() == listSteps.size() + 1
                && std::equal(listSteps.begin(), listSteps.end(), s.begin(),
                              [](const Step &a, const Step &b) {
                                  return a.isIndex == b.isIndex && a.key == b.key
                                      && a.index == b.index;
                              });
        });
        json &list = at(doc, listSteps, listSteps.size());
        if (!oneList || !list.is_array() || list.size() != locations.size())
            return fail(u"the path must select every item of one list"_s);
        Steps first = locations[0];
        json *companion = companionList(doc, first);
        if (op.type == Type::Insert) {
            if (size_t(op.index) > list.size())
                return fail(
                    u"index %1 is past the end of a list of %2"_s.arg(op.index).arg(list.size()));
            list.insert(list.begin() + std::ptrdiff_t(op.index), *op.value);
            if (companion && size_t(op.index) <= companion->size())
                companion->insert(companion->begin() + std::ptrdiff_t(op.index), json());
            continue;
        }
        if (size_t(op.source) >= list.size() || size_t(op.destination) >= list.size())
            return fail(
                u"source %1 and destination %2 must be indexes of the list of %3"_s.arg(op.source)
                    .arg(op.destination)
                    .arg(list.size()));
        auto moveWithin = [&](json &array) {
            json moved = array[size_t(op.source)];
            array.erase(size_t(op.source));
            array.insert(array.begin() + std::ptrdiff_t(op.destination), std::move(moved));
        };
        moveWithin(list);
        if (companion && companion->size() == list.size())
            moveWithin(*companion);
    }
    return doc;
}

} // namespace fhir::server
