#include "jsonpatch.h"

#include <QString>

#include <optional>
#include <string>
#include <vector>

using namespace Qt::StringLiterals;
using nlohmann::json;

namespace fhir::server {

namespace {

using Pointer = std::vector<std::string>; // the unescaped reference tokens

/// RFC 6901 §3/§4: "" is the whole document; otherwise '/'-separated tokens where "~1" stands
/// for '/' and "~0" for '~'. Any other '~' is an error.
std::optional<Pointer> parsePointer(const std::string &text)
{
    Pointer tokens;
    if (text.empty())
        return tokens;
    if (text.front() != '/')
        return std::nullopt;
    size_t start = 1;
    while (true) {
        const size_t slash = text.find('/', start);
        const std::string raw
            = text.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        std::string token;
        for (size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] != '~') {
                token += raw[i];
                continue;
            }
            if (i + 1 >= raw.size() || (raw[i + 1] != '0' && raw[i + 1] != '1'))
                return std::nullopt;
            token += raw[i + 1] == '0' ? '~' : '/';
            ++i;
        }
        tokens.push_back(std::move(token));
        if (slash == std::string::npos)
            return tokens;
        start = slash + 1;
    }
}

/// An array index as RFC 6901 §4 spells it: "0", or digits without a leading zero.
std::optional<size_t> arrayIndex(const std::string &token)
{
    if (token.empty() || token.size() > 9 || (token.size() > 1 && token.front() == '0'))
        return std::nullopt;
    size_t value = 0;
    for (const char c : token) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + size_t(c - '0');
    }
    return value;
}

QString text(const std::string &s)
{
    return QString::fromStdString(s);
}

/// How many JSON values `value` holds, itself included, counting no further than `limit`.
size_t countValues(const json &value, size_t limit)
{
    size_t count = 1;
    if (value.is_structured()) {
        for (const json &child : value) {
            if (count >= limit)
                break;
            count += countValues(child, limit - count);
        }
    }
    return count;
}

// Every value a patch adds comes from its own document, bounded by the request size, except
// what `copy` duplicates: a few dozen copies of the whole document into itself would grow it
// exponentially. This bounds what all the copies of one patch may add.
constexpr size_t maxCopiedValues = 1'000'000;

/// Applies one checked operation to `doc` in place; the error says why it cannot.
class Applier
{
public:
    explicit Applier(json &doc)
        : m_doc(doc)
    {
    }

    Result<bool> run(const json &op)
    {
        const std::string name = op.at("op").get<std::string>();
        const Pointer path = *parsePointer(op.at("path").get<std::string>());
        if (name == "add")
            return add(path, op.at("value"));
        if (name == "remove")
            return remove(path);
        if (name == "replace") {
            json *target = nullptr;
            if (auto found = resolve(path, &target); !found)
                return found;
            *target = op.at("value");
            return true;
        }
        if (name == "test") {
            json *target = nullptr;
            if (auto found = resolve(path, &target); !found)
                return found;
            if (*target != op.at("value"))
                return Error{u"the test failed: the value at %1 is %2"_s.arg(
                    text(op.at("path").get<std::string>()), text(target->dump()).left(200))};
            return true;
        }
        const std::string fromText = op.at("from").get<std::string>();
        const Pointer from = *parsePointer(fromText);
        json *source = nullptr;
        if (auto found = resolve(from, &source); !found)
            return found;
        if (name == "copy") {
            m_copied += countValues(*source, maxCopiedValues + 1);
            if (m_copied > maxCopiedValues)
                return Error{u"the patch copies more than %1 JSON values"_s.arg(maxCopiedValues)};
        }
        json value = *source;
        if (name == "move") {
            if (from == path)
                return true;
            // §4.4: a location cannot be moved into one of its children.
            if (from.size() < path.size() && std::equal(from.begin(), from.end(), path.begin()))
                return Error{u"cannot move %1 into one of its own children"_s.arg(text(fromText))};
            if (auto removed = remove(from); !removed)
                return removed;
        }
        return add(path, std::move(value));
    }

private:
    /// Finds the value a pointer names; every token must exist.
    Result<bool> resolve(const Pointer &path, json **out)
    {
        json *node = &m_doc;
        for (const std::string &token : path) {
            if (node->is_object()) {
                const auto it = node->find(token);
                if (it == node->end())
                    return Error{u"there is no member '%1'"_s.arg(text(token))};
                node = &*it;
            } else if (node->is_array()) {
                const auto index = arrayIndex(token);
                if (!index || *index >= node->size())
                    return Error{u"'%1' is not an index of an array of %2 items"_s.arg(text(token))
                                     .arg(node->size())};
                node = &(*node)[*index];
            } else {
                return Error{u"'%1' names a member of a value that is neither an object nor an "
                             "array"_s.arg(text(token))};
            }
        }
        *out = node;
        return true;
    }

    Result<bool> parentOf(const Pointer &path, json **parent)
    {
        return resolve(Pointer(path.begin(), path.end() - 1), parent);
    }

    Result<bool> add(const Pointer &path, json value)
    {
        if (path.empty()) {
            m_doc = std::move(value);
            return true;
        }
        json *parent = nullptr;
        if (auto found = parentOf(path, &parent); !found)
            return found;
        const std::string &last = path.back();
        if (parent->is_object()) {
            (*parent)[last] = std::move(value);
            return true;
        }
        if (!parent->is_array())
            return Error{u"cannot add '%1' to a value that is neither an object nor an array"_s.arg(
                text(last))};
        if (last == "-") {
            parent->push_back(std::move(value));
            return true;
        }
        const auto index = arrayIndex(last);
        if (!index || *index > parent->size())
            return Error{u"'%1' is not a position in an array of %2 items"_s.arg(text(last))
                             .arg(parent->size())};
        parent->insert(parent->begin() + std::ptrdiff_t(*index), std::move(value));
        return true;
    }

    Result<bool> remove(const Pointer &path)
    {
        if (path.empty())
            return Error{u"the whole document cannot be removed"_s};
        json *parent = nullptr;
        if (auto found = parentOf(path, &parent); !found)
            return found;
        json *target = nullptr;
        if (auto found = resolve(path, &target); !found)
            return found;
        if (parent->is_object())
            parent->erase(path.back());
        else
            parent->erase(*arrayIndex(path.back()));
        return true;
    }

    json &m_doc;
    size_t m_copied = 0;
};

} // namespace

JsonPatch::JsonPatch(json operations)
    : m_operations(std::move(operations))
{
}

Result<JsonPatch> JsonPatch::parse(const json &document)
{
    if (!document.is_array())
        return Error{u"a JSON Patch is an array of operations"_s};
    for (size_t i = 0; i < document.size(); ++i) {
        const json &op = document[i];
        const QString where = u"operation %1"_s.arg(i);
        if (!op.is_object())
            return Error{where + u" is not an object"_s};
        const auto name = op.find("op");
        if (name == op.end() || !name->is_string())
            return Error{where + u" has no \"op\""_s};
        const std::string kind = name->get<std::string>();
        static const std::vector<std::string> kinds
            = {"add", "remove", "replace", "move", "copy", "test"};
        if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
            return Error{where
                         + u": \"%1\" is not a JSON Patch operation (add, remove, replace, move, "
                           "copy, test)"_s.arg(text(kind).left(40))};
        auto pointer = [&](const char *member) -> Result<bool> {
            const auto it = op.find(member);
            if (it == op.end() || !it->is_string())
                return Error{where
                             + u" (%1) needs \"%2\", a JSON Pointer"_s.arg(text(kind),
                                                                           QLatin1String(member))};
            if (!parsePointer(it->get<std::string>()))
                return Error{where
                             + u" (%1): \"%2\" is not a JSON Pointer (RFC 6901)"_s.arg(
                                 text(kind), text(it->get<std::string>()).left(200))};
            return true;
        };
        if (auto ok = pointer("path"); !ok)
            return Error{ok.error()};
        if ((kind == "move" || kind == "copy"))
            if (auto ok = pointer("from"); !ok)
                return Error{ok.error()};
        if ((kind == "add" || kind == "replace" || kind == "test") && !op.contains("value"))
            return Error{where + u" (%1) needs a \"value\""_s.arg(text(kind))};
    }
    return JsonPatch(document);
}

Result<json> JsonPatch::apply(const json &target) const
{
    json doc = target;
    Applier applier(doc);
    for (size_t i = 0; i < m_operations.size(); ++i) {
        const json &op = m_operations[i];
        if (auto done = applier.run(op); !done) {
            return Error{u"operation %1 (%2 %3): "_s.arg(i).arg(
                             text(op.at("op").get<std::string>()),
                             text(op.at("path").get<std::string>()).left(200))
                         + done.error()};
        }
    }
    return doc;
}

} // namespace fhir::server
