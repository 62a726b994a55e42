#include "validator.h"

#include <QHash>
#include <QMutex>
#include <QMutexLocker>

#include <limits>

using nlohmann::json;

namespace fhir::schema {

namespace {

using Severity = ValidationIssue::Severity;

QString capitalized(const QString &s)
{
    return s.isEmpty() ? s : s.left(1).toUpper() + s.mid(1);
}

QString jsonKindName(const json &v)
{
    switch (v.type()) {
    case json::value_t::null:
        return QStringLiteral("null");
    case json::value_t::boolean:
        return QStringLiteral("a boolean");
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
        return QStringLiteral("a number");
    case json::value_t::string:
        return QStringLiteral("a string");
    case json::value_t::array:
        return QStringLiteral("an array");
    case json::value_t::object:
        return QStringLiteral("an object");
    default:
        return QStringLiteral("a value");
    }
}

QString text(const json &v)
{
    const std::string &s = v.get_ref<const std::string &>();
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

} // namespace

// The JSON properties an element may have, resolved once per definition.
struct ChildTable
{
    QHash<QString, ElementNode> byJsonName; // "valueQuantity" -> node with choiceType
    QHash<QString, QString> choiceBase; // "valueQuantity" -> "value"
    QList<ElementNode> required; // min >= 1
};

struct Validator::Private
{
    std::shared_ptr<const Model> model;
    mutable QMutex mutex;
    mutable QHash<QString, std::shared_ptr<const ChildTable>> tables;

    struct Walk
    {
        QList<ValidationIssue> issues;
        void add(const QString &code, const QString &message, const QString &where)
        {
            issues.append({Severity::Error, code, message, where});
        }
    };

    bool isComplex(const QString &type) const
    {
        return model->isDataType(type) && !model->isPrimitiveType(type);
    }

    std::shared_ptr<const ChildTable> childTable(const ElementNode &node) const
    {
        const QString key = node.definedIn + QLatin1Char('|') + node.definition->path
            + QLatin1Char('|') + node.choiceType;
        {
            QMutexLocker lock(&mutex);
            if (const auto it = tables.constFind(key); it != tables.cend())
                return *it;
        }
        auto table = std::make_shared<ChildTable>();
        if (const auto children = model->children(node.path); children) {
            for (const ElementNode &child : *children) {
                const ElementDefinition &def = *child.definition;
                if (def.isChoice() && child.choiceType.isEmpty()) {
                    const QString base = def.name().chopped(3);
                    for (const TypeRef &t : def.types) {
                        const QString name = base + capitalized(t.code);
                        const QString parent = child.path.left(child.path.lastIndexOf(u'.'));
                        table->byJsonName.insert(name,
                                                 {parent + QLatin1Char('.') + name, child.definedIn,
                                                  t.code, child.definition, isComplex(t.code)});
                        table->choiceBase.insert(name, base);
                    }
                } else {
                    table->byJsonName.insert(def.name(), child);
                }
                if (def.min > 0)
                    table->required.append(child);
            }
        }
        QMutexLocker lock(&mutex);
        tables.insert(key, table);
        return table;
    }

    void validateResource(const json &resource, const QString &where, const QString &expected,
                          int depth, Walk &walk) const
    {
        if (!resource.is_object()) {
            walk.add(QStringLiteral("structure"),
                     QStringLiteral("a resource must be a JSON object, not %1")
                         .arg(jsonKindName(resource)),
                     where);
            return;
        }
        const auto rt = resource.find("resourceType");
        if (rt == resource.end() || !rt->is_string()) {
            walk.add(QStringLiteral("required"), QStringLiteral("resourceType is missing"), where);
            return;
        }
        const QString type = text(*rt);
        if (!model->isResourceType(type)) {
            walk.add(QStringLiteral("value"),
                     QStringLiteral("\"%1\" is not a FHIR R4 resource type").arg(type), where);
            return;
        }
        if (!expected.isEmpty() && type != expected) {
            walk.add(QStringLiteral("invalid"),
                     QStringLiteral("expected a %1 resource, got %2").arg(expected, type), where);
            return;
        }
        const auto root = model->element(type);
        if (!root)
            return;
        // The root location restarts at the type name for a top-level resource only.
        validateObject(resource, *root, where.isEmpty() ? type : where, depth, true, walk);
    }

    void validateObject(const json &object, const ElementNode &node, const QString &where,
                        int depth, bool isResourceRoot, Walk &walk) const
    {
        if (depth > kMaxDepth) {
            walk.add(QStringLiteral("too-costly"),
                     QStringLiteral("nested deeper than %1 levels").arg(kMaxDepth), where);
            return;
        }
        const std::shared_ptr<const ChildTable> table = childTable(node);
        QHash<QString, QString> choicesSeen; // base -> JSON name
        for (auto it = object.begin(); it != object.end(); ++it) {
            const QString key = QString::fromStdString(it.key());
            if (isResourceRoot && key == QLatin1String("resourceType"))
                continue;
            if (key.startsWith(QLatin1Char('_'))) {
                validateCompanion(it.value(), table->byJsonName.value(key.mid(1)), key,
                                  where + QLatin1Char('.') + key, depth, walk);
                continue;
            }
            const auto child = table->byJsonName.constFind(key);
            if (child == table->byJsonName.cend()) {
                walk.add(QStringLiteral("structure"),
                         QStringLiteral("unknown element \"%1\"").arg(key),
                         where + QLatin1Char('.') + key);
                continue;
            }
            if (const QString base = table->choiceBase.value(key); !base.isEmpty()) {
                if (choicesSeen.contains(base)) {
                    walk.add(QStringLiteral("structure"),
                             QStringLiteral("%1[x] may have one type only; found %2 and %3")
                                 .arg(base, choicesSeen.value(base), key),
                             where + QLatin1Char('.') + key);
                }
                choicesSeen.insert(base, key);
            }
            validateValue(it.value(), *child, where + QLatin1Char('.') + key, depth + 1, walk);
        }
        for (const ElementNode &required : table->required) {
            const ElementDefinition &def = *required.definition;
            bool present = false;
            if (def.isChoice()) {
                const QString base = def.name().chopped(3);
                present = choicesSeen.contains(base);
            } else {
                const std::string name = def.name().toStdString();
                present = object.contains(name) || object.contains("_" + name);
            }
            if (!present) {
                walk.add(QStringLiteral("required"),
                         QStringLiteral("%1 is required (%2)").arg(def.name(), def.cardinality()),
                         where + QLatin1Char('.') + def.name());
            }
        }
    }

    // `_birthDate`: the id and extensions of a primitive value.
    void validateCompanion(const json &value, const ElementNode &base, const QString &key,
                           const QString &where, int depth, Walk &walk) const
    {
        const QString type = base.definition == nullptr
            ? QString()
            : (base.choiceType.isEmpty() ? base.definition->types.value(0).code : base.choiceType);
        if (base.definition == nullptr || !model->isPrimitiveType(type)) {
            walk.add(QStringLiteral("structure"),
                     QStringLiteral("unknown element \"%1\" (no primitive \"%2\" here)")
                         .arg(key, key.mid(1)),
                     where);
            return;
        }
        const auto element = model->element(QStringLiteral("Element"));
        if (!element)
            return;
        auto one = [&](const json &v, const QString &at) {
            if (v.is_null())
                return; // stands for "no id or extension" beside an array item
            if (!v.is_object() || v.empty()) {
                walk.add(QStringLiteral("structure"),
                         QStringLiteral("%1 must be a non-empty object").arg(key), at);
                return;
            }
            validateObject(v, *element, at, depth + 1, false, walk);
        };
        if (base.definition->isArray()) {
            if (!value.is_array()) {
                walk.add(QStringLiteral("structure"),
                         QStringLiteral("%1 must be an array, as %2 is").arg(key, key.mid(1)),
                         where);
                return;
            }
            for (size_t i = 0; i < value.size(); ++i)
                one(value[i], where + QStringLiteral("[%1]").arg(i));
        } else {
            one(value, where);
        }
    }

    void validateValue(const json &value, const ElementNode &node, const QString &where, int depth,
                       Walk &walk) const
    {
        const ElementDefinition &def = *node.definition;
        if (def.max == QLatin1String("0")) {
            walk.add(QStringLiteral("structure"),
                     QStringLiteral("%1 is not allowed here (0..0)").arg(def.name()), where);
            return;
        }
        if (!def.isArray()) {
            if (value.is_array()) {
                walk.add(QStringLiteral("structure"),
                         QStringLiteral("%1 takes one value (%2), not an array")
                             .arg(def.name(), def.cardinality()),
                         where);
                return;
            }
            validateSingle(value, node, where, depth, walk);
            return;
        }
        if (!value.is_array()) {
            walk.add(QStringLiteral("structure"),
                     QStringLiteral("%1 is a list (%2): its value must be a JSON array")
                         .arg(def.name(), def.cardinality()),
                     where);
            return;
        }
        if (value.empty()) {
            walk.add(QStringLiteral("structure"),
                     QStringLiteral("%1 is an empty array; leave it out instead").arg(def.name()),
                     where);
            return;
        }
        bool bounded = false;
        const qsizetype max = def.max.toLongLong(&bounded);
        if (bounded && qsizetype(value.size()) > max) {
            walk.add(QStringLiteral("structure"),
                     QStringLiteral("%1 allows at most %2 values, found %3")
                         .arg(def.name(), def.max)
                         .arg(value.size()),
                     where);
        }
        for (size_t i = 0; i < value.size(); ++i)
            validateSingle(value[i], node, where + QStringLiteral("[%1]").arg(i), depth, walk);
    }

    void validateSingle(const json &value, const ElementNode &node, const QString &where, int depth,
                        Walk &walk) const
    {
        const ElementDefinition &def = *node.definition;
        if (value.is_null()) {
            walk.add(QStringLiteral("structure"),
                     QStringLiteral("null is not a value; leave the element out instead"), where);
            return;
        }
        QString type = node.choiceType;
        if (type.isEmpty() && def.types.size() == 1)
            type = def.types.first().code;
        if (type == QLatin1String("Resource")) {
            validateResource(value, where, QString(), depth + 1, walk);
            return;
        }
        if (!def.contentReference.isEmpty() || !model->isPrimitiveType(type)) {
            if (!value.is_object()) {
                walk.add(QStringLiteral("structure"),
                         QStringLiteral("%1 must be an object (%2), not %3")
                             .arg(def.name(), type.isEmpty() ? def.typeSummary() : type,
                                  jsonKindName(value)),
                         where);
                return;
            }
            if (value.empty()) {
                walk.add(
                    QStringLiteral("structure"),
                    QStringLiteral("%1 is an empty object; leave it out instead").arg(def.name()),
                    where);
                return;
            }
            validateObject(value, node, where, depth, false, walk);
            checkCodedBinding(value, def, type, where, walk);
            return;
        }
        validatePrimitive(value, def, type, where, walk);
    }

    void validatePrimitive(const json &value, const ElementDefinition &def, const QString &type,
                           const QString &where, Walk &walk) const
    {
        const bool integerType = type == QLatin1String("integer")
            || type == QLatin1String("positiveInt") || type == QLatin1String("unsignedInt");
        if (type == QLatin1String("boolean")) {
            if (!value.is_boolean())
                walk.add(QStringLiteral("value"),
                         QStringLiteral("%1 must be true or false, not %2")
                             .arg(def.name(), jsonKindName(value)),
                         where);
            return;
        }
        if (integerType) {
            if (!value.is_number_integer()) {
                walk.add(QStringLiteral("value"),
                         QStringLiteral("%1 must be a whole number (%2), not %3")
                             .arg(def.name(), type, jsonKindName(value)),
                         where);
                return;
            }
            std::int64_t n = 0;
            if (value.is_number_unsigned()) {
                const std::uint64_t u = value.get<std::uint64_t>();
                n = u > std::uint64_t(std::numeric_limits<std::int64_t>::max())
                    ? std::numeric_limits<std::int64_t>::max()
                    : std::int64_t(u);
            } else {
                n = value.get<std::int64_t>();
            }
            const std::int64_t min = type == QLatin1String("positiveInt") ? 1
                : type == QLatin1String("unsignedInt")                    ? 0
                                                                          : -2147483648LL;
            if (n < min || n > 2147483647LL)
                walk.add(QStringLiteral("value"),
                         QStringLiteral("%1 is out of range for %2").arg(def.name(), type), where);
            return;
        }
        if (type == QLatin1String("decimal")) {
            if (!value.is_number())
                walk.add(QStringLiteral("value"),
                         QStringLiteral("%1 must be a JSON number (decimal), not %2")
                             .arg(def.name(), jsonKindName(value)),
                         where);
            return;
        }
        if (!value.is_string()) {
            walk.add(QStringLiteral("value"),
                     QStringLiteral("%1 must be a JSON string (%2), not %3")
                         .arg(def.name(), type, jsonKindName(value)),
                     where);
            return;
        }
        const QString s = text(value);
        if (type == QLatin1String("xhtml")) {
            if (!s.trimmed().startsWith(QLatin1String("<div")))
                walk.add(QStringLiteral("value"),
                         QStringLiteral("narrative must be an XHTML <div> element"), where);
            return;
        }
        if (type == QLatin1String("base64Binary")) {
            // The spec's regex, (\s*([0-9a-zA-Z\+/=]){4}\s*)+, checked by hand: attachments run
            // to megabytes, where a backtracking regex gives up.
            qsizetype symbols = 0;
            for (const QChar c : s) {
                if (c.isSpace())
                    continue;
                if (!(c.isLetterOrNumber() && c.unicode() < 128) && c != u'+' && c != u'/'
                    && c != u'=') {
                    walk.add(QStringLiteral("value"),
                             QStringLiteral("%1 is not base64: it has the character '%2'")
                                 .arg(def.name(), QString(c)),
                             where);
                    return;
                }
                ++symbols;
            }
            if (symbols == 0 || symbols % 4 != 0)
                walk.add(QStringLiteral("value"),
                         QStringLiteral("%1 is not base64: its length is not a multiple of 4")
                             .arg(def.name()),
                         where);
            return;
        }
        // R4's snapshot types Resource.id as a plain string; the spec's rule is the id type.
        const QString checkedType = def.basePath == QLatin1String("Resource.id")
                || def.path == QLatin1String("Resource.id")
            ? QStringLiteral("id")
            : type;
        if (const auto ok = model->checkPrimitive(checkedType, s); ok && !*ok) {
            walk.add(QStringLiteral("value"),
                     QStringLiteral("\"%1\" is not a valid %2").arg(s.left(80), checkedType),
                     where);
            return;
        }
        if (type == QLatin1String("code"))
            checkCode(QString(), s, def, where, walk);
    }

    // Required bindings only, and only where the spec's files define the whole value set.
    const ValueSet *requiredValueSet(const ElementDefinition &def) const
    {
        if (!def.binding || def.binding->strength != BindingStrength::Required)
            return nullptr;
        const auto vs = model->valueSet(def.binding->valueSet);
        return vs && (*vs)->complete ? *vs : nullptr;
    }

    void checkCode(const QString &system, const QString &code, const ElementDefinition &def,
                   const QString &where, Walk &walk) const
    {
        const ValueSet *vs = requiredValueSet(def);
        if (vs == nullptr || vs->contains(system, code))
            return;
        QStringList allowed;
        for (const ValueSetCode &c : vs->codes.mid(0, 12))
            allowed.append(c.code);
        walk.add(QStringLiteral("code-invalid"),
                 QStringLiteral("\"%1\" is not in the required value set %2 (%3%4)")
                     .arg(code, vs->url, allowed.join(QLatin1String(" | ")),
                          vs->codes.size() > 12 ? QStringLiteral(" …") : QString()),
                 where);
    }

    void checkCodedBinding(const json &value, const ElementDefinition &def, const QString &type,
                           const QString &where, Walk &walk) const
    {
        const ValueSet *vs = requiredValueSet(def);
        if (vs == nullptr)
            return;
        auto codingIn = [&](const json &coding) {
            if (!coding.is_object() || !coding.contains("code") || !coding["code"].is_string())
                return false;
            const QString system = coding.contains("system") && coding["system"].is_string()
                ? text(coding["system"])
                : QString();
            return vs->contains(system, text(coding["code"]));
        };
        if (type == QLatin1String("Coding")) {
            const auto code = value.find("code");
            if (code != value.end() && code->is_string() && !codingIn(value)) {
                const auto system = value.find("system");
                checkCode(system != value.end() && system->is_string() ? text(*system) : QString(),
                          text(*code), def, where, walk);
            }
        } else if (type == QLatin1String("CodeableConcept")) {
            const auto codings = value.find("coding");
            if (codings == value.end() || !codings->is_array() || codings->empty())
                return;
            for (const auto &coding : *codings) {
                if (codingIn(coding))
                    return;
            }
            walk.add(QStringLiteral("code-invalid"),
                     QStringLiteral("no coding is from the required value set %1").arg(vs->url),
                     where);
        }
    }
};

Validator::Validator(std::shared_ptr<const Model> model)
    : d(std::make_unique<Private>())
{
    d->model = std::move(model);
}

Validator::~Validator() = default;

QList<ValidationIssue> Validator::validate(const json &resource, const QString &expectedType) const
{
    Private::Walk walk;
    if (!d->model) {
        walk.add(QStringLiteral("exception"), QStringLiteral("no FHIR model is loaded"), QString());
        return walk.issues;
    }
    d->validateResource(resource, QString(), expectedType, 0, walk);
    return walk.issues;
}

} // namespace fhir::schema
