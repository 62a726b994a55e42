#include "model.h"

#include "modelfile.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMutex>
#include <QMutexLocker>
#include <QRegularExpression>
#include <QSet>

#include <deque>
#include <map>
#include <unordered_map>

Q_LOGGING_CATEGORY(lcSchema, "fhir.schema", QtInfoMsg)

using nlohmann::json;

namespace fhir::schema {

namespace {

QString qs(const json &object, const char *key)
{
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string())
        return QString();
    const std::string &s = it->get_ref<const std::string &>();
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

QStringList qsl(const json &object, const char *key)
{
    QStringList out;
    const auto it = object.find(key);
    if (it == object.end() || !it->is_array())
        return out;
    out.reserve(qsizetype(it->size()));
    for (const auto &v : *it) {
        if (v.is_string())
            out.append(QString::fromStdString(v.get<std::string>()));
    }
    return out;
}

SearchParamType parseParamType(const QString &name)
{
    static const QHash<QString, SearchParamType> types = {
        {QStringLiteral("number"), SearchParamType::Number},
        {QStringLiteral("date"), SearchParamType::Date},
        {QStringLiteral("string"), SearchParamType::String},
        {QStringLiteral("token"), SearchParamType::Token},
        {QStringLiteral("reference"), SearchParamType::Reference},
        {QStringLiteral("composite"), SearchParamType::Composite},
        {QStringLiteral("quantity"), SearchParamType::Quantity},
        {QStringLiteral("uri"), SearchParamType::Uri},
        {QStringLiteral("special"), SearchParamType::Special},
    };
    return types.value(name, SearchParamType::Special);
}

BindingStrength parseStrength(const QString &name)
{
    if (name == QLatin1String("required"))
        return BindingStrength::Required;
    if (name == QLatin1String("extensible"))
        return BindingStrength::Extensible;
    if (name == QLatin1String("preferred"))
        return BindingStrength::Preferred;
    if (name == QLatin1String("example"))
        return BindingStrength::Example;
    return BindingStrength::Unknown;
}

std::optional<FixedValue> parseFixed(const json &el, const char *key)
{
    const auto it = el.find(key);
    if (it == el.end())
        return std::nullopt;
    return FixedValue{qs(*it, "type"), it->value("value", json())};
}

ElementDefinition parseElement(const json &el)
{
    using namespace modelfile::element;
    ElementDefinition e;
    e.path = qs(el, kPath);
    e.basePath = qs(el, kBasePath);
    e.min = el.value(kMin, 0);
    e.max = qs(el, kMax);
    if (const auto t = el.find(kTypes); t != el.end()) {
        for (const auto &type : *t) {
            e.types.append(TypeRef{qs(type, kTypeCode), qs(type, kTypeSystem),
                                   qsl(type, kTypeTargets), qsl(type, kTypeProfiles),
                                   qs(type, kTypeRegex)});
        }
    }
    e.contentReference = qs(el, kContentReference);
    e.shortText = qs(el, kShort);
    e.definition = qs(el, kDefinition);
    e.comment = qs(el, kComment);
    e.requirements = qs(el, kRequirements);
    e.meaningWhenMissing = qs(el, kMeaningWhenMissing);
    e.modifierReason = qs(el, kModifierReason);
    e.isSummary = el.value(kSummary, false);
    e.isModifier = el.value(kModifier, false);
    e.mustSupport = el.value(kMustSupport, false);
    e.conditions = qsl(el, kCondition);
    if (const auto k = el.find(kConstraints); k != el.end()) {
        for (const auto &c : *k) {
            e.constraints.append(Constraint{qs(c, "key"), qs(c, "sev"), qs(c, "h"), qs(c, "x"),
                                            c.value("own", false)});
        }
    }
    e.fixed = parseFixed(el, kFixed);
    e.pattern = parseFixed(el, kPattern);
    if (const auto b = el.find(kBinding); b != el.end()) {
        Binding binding;
        binding.strength = parseStrength(qs(*b, "str"));
        const QString vs = qs(*b, "vs");
        binding.valueSet = vs.section(QLatin1Char('|'), 0, 0);
        binding.valueSetVersion = vs.section(QLatin1Char('|'), 1);
        binding.name = qs(*b, "n");
        binding.description = qs(*b, "d");
        e.binding = std::move(binding);
    }
    return e;
}

QString capitalized(const QString &s)
{
    return s.isEmpty() ? s : s.left(1).toUpper() + s.mid(1);
}

QString withoutVersion(const QString &url)
{
    return url.section(QLatin1Char('|'), 0, 0);
}

} // namespace

// The decoded snapshot of one type, with a path index.
struct TypeElements
{
    QList<ElementDefinition> list;
    QHash<QString, qsizetype> byPath;
    QHash<QString, QList<qsizetype>> childrenOf; // parent path -> its children, in order
};

struct Model::Private
{
    QFile file;
    const uchar *data = nullptr;
    qint64 size = 0;
    qint64 blobBase = 0;

    QString fhirVersion;
    QString source;

    QHash<QString, TypeInfo> types;
    QHash<QString, modelfile::BlobRef> typeBlobs;
    QStringList resourceTypes;
    QStringList dataTypes;
    QStringList primitiveTypes;

    std::deque<SearchParameter> searchParameters; // stable addresses
    QHash<QString, QList<const SearchParameter *>> paramsByBase;

    QHash<QString, QStringList> patientCompartment;

    struct ValueSetEntry
    {
        ValueSet meta; // without codes
        modelfile::BlobRef blob;
    };
    QHash<QString, ValueSetEntry> valueSetIndex;

    // Decoded on first use; guarded by `mutex`. Entries are never removed, so pointers into
    // them stay valid for the Model's lifetime.
    mutable QMutex mutex;
    mutable std::unordered_map<std::string, std::unique_ptr<TypeElements>> elementCache;
    mutable std::unordered_map<std::string, std::unique_ptr<ValueSet>> valueSetCache;
    mutable QHash<QString, QRegularExpression> regexCache;

    Result<json> decodeBlob(const modelfile::BlobRef &ref) const
    {
        if (ref.offset < 0 || ref.length <= 0 || blobBase + ref.offset + ref.length > size)
            return Error{QStringLiteral("the model file is damaged (blob out of range)")};
        const uchar *begin = data + blobBase + ref.offset;
        json doc = json::from_cbor(begin, begin + ref.length, true, false);
        if (doc.is_discarded())
            return Error{QStringLiteral("the model file is damaged (bad blob)")};
        return doc;
    }

    Result<const TypeElements *> typeElements(const QString &typeName) const
    {
        const auto ref = typeBlobs.constFind(typeName);
        if (ref == typeBlobs.cend())
            return Error{QStringLiteral("unknown type \"%1\"").arg(typeName)};
        QMutexLocker lock(&mutex);
        const std::string key = typeName.toStdString();
        if (const auto it = elementCache.find(key); it != elementCache.end())
            return it->second.get();
        Result<json> doc = decodeBlob(*ref);
        if (!doc)
            return Error{doc.error()};
        auto elements = std::make_unique<TypeElements>();
        elements->list.reserve(qsizetype(doc->size()));
        try {
            for (const auto &el : *doc) {
                ElementDefinition e = parseElement(el);
                elements->byPath.insert(e.path, elements->list.size());
                const qsizetype dot = e.path.lastIndexOf(QLatin1Char('.'));
                if (dot > 0)
                    elements->childrenOf[e.path.left(dot)].append(elements->list.size());
                elements->list.append(std::move(e));
            }
        } catch (const json::exception &e) {
            return Error{QStringLiteral("the model file is damaged (type %1: %2)")
                             .arg(typeName, QString::fromUtf8(e.what()))};
        }
        const TypeElements *out = elements.get();
        elementCache.emplace(key, std::move(elements));
        return out;
    }

    bool isComplexOrResource(const QString &typeName) const
    {
        const auto it = types.constFind(typeName);
        return it != types.cend() && it->kind != TypeKind::PrimitiveType;
    }

    // Where an instance path's definition lives.
    struct Located
    {
        ElementNode node;
        QString definitionPath; // path inside `node.definedIn`'s snapshot
    };

    bool nodeHasChildren(const TypeElements &te, const ElementDefinition &def,
                         const QString &choiceType) const
    {
        if (!choiceType.isEmpty())
            return isComplexOrResource(choiceType);
        if (def.isChoice())
            return true;
        if (te.childrenOf.contains(def.path) || !def.contentReference.isEmpty())
            return true;
        return def.types.size() == 1 && isComplexOrResource(def.types.first().code)
            && !def.isRoot();
    }

    Result<Located> locate(const QString &path) const
    {
        const QStringList segments = path.split(QLatin1Char('.'));
        const QString &root = segments.first();
        if (!types.contains(root))
            return Error{QStringLiteral("unknown type \"%1\" in path \"%2\"").arg(root, path)};
        Result<const TypeElements *> te = typeElements(root);
        if (!te)
            return Error{te.error()};
        const ElementDefinition *def = &(*te)->list.at((*te)->byPath.value(root));
        Located at{{root, root, QString(), def, true}, root};
        const TypeElements *current = *te;

        for (qsizetype i = 1; i < segments.size(); ++i) {
            const QString &segment = segments.at(i);
            if (segment.isEmpty())
                return Error{QStringLiteral("empty segment in path \"%1\"").arg(path)};
            QString parentPath = at.definitionPath;
            // A contentReference shares the referenced element's children.
            if (!at.node.definition->contentReference.isEmpty() && at.node.choiceType.isEmpty())
                parentPath = at.node.definition->contentReference.mid(1);

            auto findIn = [&](const TypeElements &elements, const QString &prefix) -> bool {
                const QString direct = prefix + QLatin1Char('.') + segment;
                if (const auto it = elements.byPath.constFind(direct);
                    it != elements.byPath.cend()) {
                    at.definitionPath = direct;
                    at.node.definition = &elements.list.at(*it);
                    at.node.choiceType.clear();
                    return true;
                }
                // `valueQuantity` under `value[x]`.
                for (qsizetype cut = segment.size() - 1; cut > 0; --cut) {
                    if (!segment.at(cut).isUpper())
                        continue;
                    const QString choice
                        = prefix + QLatin1Char('.') + segment.left(cut) + QLatin1String("[x]");
                    const auto it = elements.byPath.constFind(choice);
                    if (it == elements.byPath.cend())
                        continue;
                    const ElementDefinition &candidate = elements.list.at(*it);
                    const QString suffix = segment.mid(cut);
                    for (const TypeRef &t : candidate.types) {
                        if (capitalized(t.code) == suffix) {
                            at.definitionPath = choice;
                            at.node.definition = &candidate;
                            at.node.choiceType = t.code;
                            return true;
                        }
                    }
                }
                return false;
            };

            if (at.node.choiceType.isEmpty() && findIn(*current, parentPath)) {
                at.node.path += QLatin1Char('.') + segment;
                continue;
            }
            // Not in this snapshot: step into the element's data type.
            QString dataType = at.node.choiceType;
            if (dataType.isEmpty() && at.node.definition->types.size() == 1)
                dataType = at.node.definition->types.first().code;
            if (dataType.isEmpty() || !types.contains(dataType)) {
                return Error{
                    QStringLiteral("\"%1\" has no element \"%2\"").arg(at.node.path, segment)};
            }
            Result<const TypeElements *> next = typeElements(dataType);
            if (!next)
                return Error{next.error()};
            current = *next;
            at.node.definedIn = dataType;
            if (!findIn(*current, dataType)) {
                return Error{QStringLiteral("\"%1\" (%2) has no element \"%3\"")
                                 .arg(at.node.path, dataType, segment)};
            }
            at.node.path += QLatin1Char('.') + segment;
        }
        at.node.hasChildren = at.node.definition->isRoot()
            || nodeHasChildren(*current, *at.node.definition, at.node.choiceType);
        return at;
    }
};

Model::Model()
    : d(std::make_unique<Private>())
{
}

Model::~Model() = default;

Result<std::shared_ptr<const Model>> Model::load(const QString &path)
{
    // A file that is valid CBOR but not what the compactor writes makes nlohmann throw on a
    // missing key or a wrong type; that stays inside this library as an error value.
    try {
        std::shared_ptr<Model> model(new Model);
        Private &p = *model->d;
        p.file.setFileName(path);
        if (!p.file.open(QIODevice::ReadOnly))
            return Error{QStringLiteral("cannot open the FHIR model %1: %2")
                             .arg(path, p.file.errorString())};
        p.size = p.file.size();
        p.data = p.file.map(0, p.size);
        if (p.data == nullptr)
            return Error{QStringLiteral("cannot map the FHIR model %1").arg(path)};
        if (p.size < modelfile::kHeaderSize
            || std::memcmp(p.data, modelfile::kMagic, sizeof modelfile::kMagic) != 0)
            return Error{QStringLiteral("%1 is not a FHIR Portal model file").arg(path)};
        const quint32 indexLength = quint32(p.data[8]) | (quint32(p.data[9]) << 8)
            | (quint32(p.data[10]) << 16) | (quint32(p.data[11]) << 24);
        if (modelfile::kHeaderSize + qint64(indexLength) > p.size)
            return Error{QStringLiteral("the FHIR model %1 is truncated").arg(path)};
        p.blobBase = modelfile::kHeaderSize + indexLength;

        const uchar *indexBegin = p.data + modelfile::kHeaderSize;
        const json index = json::from_cbor(indexBegin, indexBegin + indexLength, true, false);
        if (index.is_discarded() || !index.is_object())
            return Error{QStringLiteral("the FHIR model %1 is damaged").arg(path)};

        p.fhirVersion = qs(index, "fhirVersion");
        p.source = qs(index, "source");

        for (const auto &t : index.value("types", json::array())) {
            TypeInfo info;
            info.name = qs(t, "name");
            info.url = qs(t, "url");
            const QString kind = qs(t, "kind");
            info.kind = kind == QLatin1String("resource") ? TypeKind::Resource
                : kind == QLatin1String("primitive-type") ? TypeKind::PrimitiveType
                                                          : TypeKind::ComplexType;
            info.isAbstract = t.value("abstract", false);
            info.isConstraint = qs(t, "derivation") == QLatin1String("constraint");
            info.baseType = qs(t, "base");
            // A constraint (SimpleQuantity) is named by its id; its `type` is the base type.
            if (info.isConstraint)
                info.name = qs(t, "id");
            const QString category = qs(t, "category");
            info.category
                = {category.section(QLatin1Char('.'), 0, 0), category.section(QLatin1Char('.'), 1)};
            info.standardsStatus = qs(t, "status");
            info.shortDescription = qs(t, "short");
            info.description = qs(t, "description");
            info.valueRegex = qs(t, "regex");
            const json &blob = t.at("blob");
            p.typeBlobs.insert(info.name, {blob.at(0).get<qint64>(), blob.at(1).get<qint64>()});
            if (info.kind == TypeKind::Resource && !info.isAbstract)
                p.resourceTypes.append(info.name);
            else if (info.kind == TypeKind::ComplexType && !info.isAbstract)
                p.dataTypes.append(info.name);
            else if (info.kind == TypeKind::PrimitiveType) {
                p.dataTypes.append(info.name);
                p.primitiveTypes.append(info.name);
            }
            p.types.insert(info.name, std::move(info));
        }
        p.resourceTypes.sort();
        p.dataTypes.sort();
        p.primitiveTypes.sort();

        QHash<QString, const SearchParameter *> byUrl;
        for (const auto &sp : index.value("searchParameters", json::array())) {
            SearchParameter param;
            param.code = qs(sp, "code");
            param.name = qs(sp, "name");
            param.url = qs(sp, "url");
            param.type = parseParamType(qs(sp, "type"));
            param.description = qs(sp, "description");
            param.expression = qs(sp, "expression");
            param.base = qsl(sp, "base");
            param.targets = qsl(sp, "target");
            param.targets.sort();
            param.modifiers = qsl(sp, "modifier");
            if (param.modifiers.isEmpty())
                param.modifiers = modifiersForType(param.type);
            if (param.type == SearchParamType::Reference) {
                // R4: a reference parameter takes its target types as modifiers
                // (`subject:Patient`).
                for (const QString &target : std::as_const(param.targets)) {
                    if (!param.modifiers.contains(target))
                        param.modifiers.append(target);
                }
            }
            param.comparators = qsl(sp, "comparator");
            if (param.comparators.isEmpty())
                param.comparators = comparatorsForType(param.type);
            param.chains = qsl(sp, "chain");
            param.multipleOr = sp.value("multipleOr", true);
            param.multipleAnd = sp.value("multipleAnd", true);
            for (const auto &c : sp.value("component", json::array()))
                param.components.append(
                    {qs(c, "definition"), qs(c, "expression"), QString(), SearchParamType::Token});
            p.searchParameters.push_back(std::move(param));
            const SearchParameter *stored = &p.searchParameters.back();
            byUrl.insert(stored->url, stored);
            for (const QString &base : stored->base)
                p.paramsByBase[base].append(stored);
        }
        for (SearchParameter &param : p.searchParameters) {
            for (SearchComponent &component : param.components) {
                if (const SearchParameter *def = byUrl.value(component.definition)) {
                    component.code = def->code;
                    component.type = def->type;
                }
            }
        }

        const json compartments = index.value("compartments", json::object());
        for (const auto &[compartment, members] : compartments.items()) {
            if (compartment != "Patient")
                continue;
            for (const auto &[type, params] : members.items()) {
                QStringList list;
                for (const auto &param : params)
                    list.append(QString::fromStdString(param.get<std::string>()));
                p.patientCompartment.insert(QString::fromStdString(type), list);
            }
        }

        for (const auto &vs : index.value("valueSets", json::array())) {
            Private::ValueSetEntry entry;
            entry.meta.url = qs(vs, "url");
            entry.meta.name = qs(vs, "name");
            entry.meta.title = qs(vs, "title");
            entry.meta.description = qs(vs, "description");
            const json &blob = vs.at("blob");
            entry.blob = {blob.at(0).get<qint64>(), blob.at(1).get<qint64>()};
            p.valueSetIndex.insert(entry.meta.url, std::move(entry));
        }

        if (p.resourceTypes.isEmpty())
            return Error{QStringLiteral("the FHIR model %1 has no resource types").arg(path)};
        qCDebug(lcSchema) << "model loaded from" << path << p.resourceTypes.size()
                          << "resource types";
        return std::shared_ptr<const Model>(std::move(model));
    } catch (const json::exception &e) {
        return Error{QStringLiteral("the FHIR model %1 is damaged: %2")
                         .arg(path, QString::fromUtf8(e.what()))};
    }
}

QStringList Model::defaultLocations()
{
    QStringList out;
    const QString fromEnv = qEnvironmentVariable("FHIR_PORTAL_MODEL");
    if (!fromEnv.isEmpty())
        out.append(fromEnv);
    QString exeDir = QCoreApplication::instance() != nullptr
        ? QCoreApplication::applicationDirPath()
        : QFileInfo(QStringLiteral("/proc/self/exe")).canonicalFilePath();
    if (QCoreApplication::instance() == nullptr)
        exeDir = QFileInfo(exeDir).absolutePath();
    if (!exeDir.isEmpty())
        out.append(QDir::cleanPath(exeDir + QLatin1String("/../share/fhir-portal/")
                                   + QLatin1String(modelfile::kFileName)));
    out.append(QStringLiteral("/usr/share/fhir-portal/") + QLatin1String(modelfile::kFileName));
    return out;
}

Result<std::shared_ptr<const Model>> Model::loadDefault()
{
    const QStringList locations = defaultLocations();
    for (const QString &candidate : locations) {
        if (QFileInfo::exists(candidate))
            return load(candidate);
    }
    return Error{QStringLiteral("no FHIR model file found; looked in: %1 (set FHIR_PORTAL_MODEL)")
                     .arg(locations.join(QLatin1String(", ")))};
}

QString Model::fhirVersion() const
{
    return d->fhirVersion;
}

QString Model::source() const
{
    return d->source;
}

QStringList Model::resourceTypes() const
{
    return d->resourceTypes;
}

QStringList Model::dataTypes() const
{
    return d->dataTypes;
}

QStringList Model::primitiveTypes() const
{
    return d->primitiveTypes;
}

Result<const TypeInfo *> Model::type(const QString &name) const
{
    const auto it = d->types.constFind(name);
    if (it == d->types.cend())
        return Error{QStringLiteral("unknown type \"%1\"").arg(name)};
    return &*it;
}

bool Model::isResourceType(const QString &name) const
{
    const auto it = d->types.constFind(name);
    return it != d->types.cend() && it->kind == TypeKind::Resource && !it->isAbstract;
}

bool Model::isDataType(const QString &name) const
{
    const auto it = d->types.constFind(name);
    return it != d->types.cend() && it->kind != TypeKind::Resource;
}

bool Model::isPrimitiveType(const QString &name) const
{
    const auto it = d->types.constFind(name);
    return it != d->types.cend() && it->kind == TypeKind::PrimitiveType;
}

Result<bool> Model::checkPrimitive(const QString &typeName, const QString &value) const
{
    const auto it = d->types.constFind(typeName);
    if (it == d->types.cend() || it->kind != TypeKind::PrimitiveType)
        return Error{QStringLiteral("\"%1\" is not a primitive type").arg(typeName)};
    if (it->valueRegex.isEmpty())
        return true;
    QRegularExpression re;
    {
        QMutexLocker lock(&d->mutex);
        auto cached = d->regexCache.find(typeName);
        if (cached == d->regexCache.end()) {
            cached = d->regexCache.insert(
                typeName, QRegularExpression(QRegularExpression::anchoredPattern(it->valueRegex)));
        }
        re = *cached;
    }
    return re.match(value).hasMatch();
}

Result<const QList<ElementDefinition> *> Model::elements(const QString &typeName) const
{
    Result<const TypeElements *> te = d->typeElements(typeName);
    if (!te)
        return Error{te.error()};
    return &(*te)->list;
}

Result<ElementNode> Model::element(const QString &path) const
{
    Result<Private::Located> at = d->locate(path);
    if (!at)
        return Error{at.error()};
    return at->node;
}

Result<QList<ElementNode>> Model::children(const QString &path) const
{
    Result<Private::Located> located = d->locate(path);
    if (!located)
        return Error{located.error()};
    const ElementNode &node = located->node;
    const ElementDefinition &def = *node.definition;
    QList<ElementNode> out;

    // A choice without a chosen type: one node per allowed type.
    if (def.isChoice() && node.choiceType.isEmpty()) {
        const QString parent = node.path.left(node.path.lastIndexOf(QLatin1Char('.')));
        const QString base = def.name().chopped(3);
        for (const TypeRef &t : def.types) {
            out.append({parent + QLatin1Char('.') + base + capitalized(t.code), node.definedIn,
                        t.code, node.definition, d->isComplexOrResource(t.code)});
        }
        return out;
    }

    auto childrenIn = [&](const QString &typeName, const QString &parentPath) -> Result<bool> {
        Result<const TypeElements *> te = d->typeElements(typeName);
        if (!te)
            return Error{te.error()};
        const QList<qsizetype> indexes = (*te)->childrenOf.value(parentPath);
        out.reserve(indexes.size());
        for (const qsizetype i : indexes) {
            const ElementDefinition &e = (*te)->list.at(i);
            out.append({node.path + QLatin1Char('.') + e.name(), typeName, QString(), &e,
                        d->nodeHasChildren(**te, e, QString())});
        }
        return true;
    };

    QString parentPath = located->definitionPath;
    if (!def.contentReference.isEmpty() && node.choiceType.isEmpty())
        parentPath = def.contentReference.mid(1);
    Result<const TypeElements *> own = d->typeElements(node.definedIn);
    if (!own)
        return Error{own.error()};
    if (node.choiceType.isEmpty() && (*own)->childrenOf.contains(parentPath)) {
        if (Result<bool> r = childrenIn(node.definedIn, parentPath); !r)
            return Error{r.error()};
        return out;
    }
    QString dataType = node.choiceType;
    if (dataType.isEmpty() && def.types.size() == 1)
        dataType = def.types.first().code;
    if (dataType.isEmpty() || !d->isComplexOrResource(dataType))
        return out; // a primitive value: nothing to expand
    if (Result<bool> r = childrenIn(dataType, dataType); !r)
        return Error{r.error()};
    return out;
}

Result<QList<const SearchParameter *>> Model::searchParameters(const QString &resourceType) const
{
    const auto t = d->types.constFind(resourceType);
    if (t == d->types.cend() || t->kind != TypeKind::Resource)
        return Error{QStringLiteral("unknown resource type \"%1\"").arg(resourceType)};
    QList<const SearchParameter *> out = d->paramsByBase.value(resourceType);
    // Inherited parameters: every resource has Resource's; DomainResource's only its heirs.
    QString ancestor = t->baseType;
    while (!ancestor.isEmpty()) {
        out += d->paramsByBase.value(ancestor);
        const auto a = d->types.constFind(ancestor);
        ancestor = a == d->types.cend() ? QString() : a->baseType;
    }
    std::sort(out.begin(), out.end(),
              [](const SearchParameter *a, const SearchParameter *b) { return a->code < b->code; });
    return out;
}

Result<const SearchParameter *> Model::searchParameter(const QString &resourceType,
                                                       const QString &code) const
{
    Result<QList<const SearchParameter *>> all = searchParameters(resourceType);
    if (!all)
        return Error{all.error()};
    for (const SearchParameter *p : *all) {
        if (p->code == code)
            return p;
    }
    return Error{QStringLiteral("%1 has no search parameter \"%2\"").arg(resourceType, code)};
}

QList<const SearchParameter *> Model::searchParametersFor(const QString &elementPath) const
{
    QList<const SearchParameter *> out;
    const QString resourceType = elementPath.section(QLatin1Char('.'), 0, 0);
    Result<QList<const SearchParameter *>> params = searchParameters(resourceType);
    if (!params)
        return out;
    QString wanted = elementPath;
    if (wanted.endsWith(QLatin1String("[x]")))
        wanted.chop(3);
    for (const SearchParameter *p : *params) {
        const QList<SearchPath> paths = p->pathsFor(resourceType);
        for (const SearchPath &sp : paths) {
            const QString typed
                = sp.typeHint.isEmpty() ? sp.path : sp.path + capitalized(sp.typeHint);
            if (sp.path == wanted || typed == wanted) {
                out.append(p);
                break;
            }
        }
    }
    return out;
}

Result<QList<const SearchParameter *>> Model::resolveChain(const QString &resourceType,
                                                           const QString &chain) const
{
    QList<const SearchParameter *> out;
    QString currentType = resourceType;
    const QStringList links = chain.split(QLatin1Char('.'));
    for (qsizetype i = 0; i < links.size(); ++i) {
        const QString code = links.at(i).section(QLatin1Char(':'), 0, 0);
        const QString typeModifier = links.at(i).section(QLatin1Char(':'), 1);
        Result<const SearchParameter *> param = searchParameter(currentType, code);
        if (!param)
            return Error{param.error()};
        out.append(*param);
        if (i == links.size() - 1)
            break;
        if ((*param)->type != SearchParamType::Reference) {
            return Error{QStringLiteral("%1.%2 is a %3 parameter; only references can be chained")
                             .arg(currentType, code, searchParamTypeName((*param)->type))};
        }
        const QString nextCode = links.at(i + 1).section(QLatin1Char(':'), 0, 0);
        if (!typeModifier.isEmpty()) {
            if (!(*param)->targets.contains(typeModifier))
                return Error{QStringLiteral("%1.%2 cannot refer to %3 (targets: %4)")
                                 .arg(currentType, code, typeModifier,
                                      (*param)->targets.join(QLatin1String(", ")))};
            currentType = typeModifier;
            continue;
        }
        QString next;
        for (const QString &target : (*param)->targets) {
            if (searchParameter(target, nextCode)) {
                next = target;
                break;
            }
        }
        if (next.isEmpty())
            return Error{QStringLiteral("no target of %1.%2 has a search parameter \"%3\"")
                             .arg(currentType, code, nextCode)};
        currentType = next;
    }
    return out;
}

QStringList Model::patientCompartmentTypes() const
{
    QStringList out = d->patientCompartment.keys();
    out.sort();
    return out;
}

QStringList Model::patientCompartmentParams(const QString &resourceType) const
{
    return d->patientCompartment.value(resourceType);
}

Result<const ValueSet *> Model::valueSet(const QString &url) const
{
    const QString key = withoutVersion(url);
    const auto entry = d->valueSetIndex.constFind(key);
    if (entry == d->valueSetIndex.cend())
        return Error{QStringLiteral("the value set %1 is not in the spec's files").arg(key)};
    QMutexLocker lock(&d->mutex);
    const std::string cacheKey = key.toStdString();
    if (const auto it = d->valueSetCache.find(cacheKey); it != d->valueSetCache.end())
        return it->second.get();
    Result<json> doc = d->decodeBlob(entry->blob);
    if (!doc)
        return Error{doc.error()};
    auto vs = std::make_unique<ValueSet>(entry->meta);
    try {
        vs->complete = doc->value("complete", false);
        vs->note = qs(*doc, "note");
        for (const auto &c : doc->value("codes", json::array())) {
            vs->codes.append({QString::fromStdString(c.at(0).get<std::string>()),
                              QString::fromStdString(c.at(1).get<std::string>()),
                              QString::fromStdString(c.at(2).get<std::string>())});
        }
    } catch (const json::exception &e) {
        return Error{QStringLiteral("the model file is damaged (value set %1: %2)")
                         .arg(key, QString::fromUtf8(e.what()))};
    }
    const ValueSet *out = vs.get();
    d->valueSetCache.emplace(cacheKey, std::move(vs));
    return out;
}

QStringList Model::valueSetUrls() const
{
    QStringList out = d->valueSetIndex.keys();
    out.sort();
    return out;
}

bool ValueSet::contains(const QString &system, const QString &code) const
{
    for (const ValueSetCode &c : codes) {
        if (c.code == code && (system.isEmpty() || c.system == system))
            return true;
    }
    return false;
}

} // namespace fhir::schema
