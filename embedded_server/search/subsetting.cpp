#include "subsetting.h"

using namespace Qt::StringLiterals;
using Json = nlohmann::ordered_json;

namespace fhir::server::search {

namespace {

/// Whether a JSON key is the element `name`, or one type of the choice `name[x]`.
bool keyMatches(const QString &key, const QString &name)
{
    if (name.endsWith(u"[x]"_s)) {
        const QString base = name.chopped(3);
        return key.size() > base.size() && key.startsWith(base) && key.at(base.size()).isUpper();
    }
    return key == name
        || (key.size() > name.size() && key.startsWith(name) && key.at(name.size()).isUpper());
}

bool matchesAny(const QString &key, const QStringList &names)
{
    // `_given` carries the extensions of `given`: it goes with it.
    const QString element = key.startsWith(u'_') ? key.mid(1) : key;
    for (const QString &name : names) {
        if (keyMatches(element, name))
            return true;
    }
    return false;
}

} // namespace

Subsetter::Subsetter(std::shared_ptr<const schema::Model> model)
    : m_model(std::move(model))
{
}

const Subsetter::TypeElements &Subsetter::elementsOf(const QString &type)
{
    auto it = m_cache.find(type);
    if (it != m_cache.end())
        return *it;
    TypeElements out;
    if (auto elements = m_model->elements(type)) {
        for (const schema::ElementDefinition &e : **elements) {
            if (e.path.count(u'.') != 1)
                continue;
            const QString name = e.path.section(u'.', 1);
            if (e.isSummary)
                out.summary.append(name);
            if (e.min > 0)
                out.mandatory.append(name);
        }
    }
    return *m_cache.insert(type, out);
}

const QStringList *Subsetter::summaryChildren(const QString &path)
{
    auto it = m_summaryChildren.find(path);
    if (it == m_summaryChildren.end()) {
        std::optional<QStringList> names;
        const auto node = m_model->element(path);
        const auto children = m_model->children(path);
        const bool resource = node && node->definition->types.size() == 1
            && (node->definition->types.first().code == u"Resource"_s
                || m_model->isResourceType(node->definition->types.first().code));
        if (node && children && !children->isEmpty() && !resource) {
            names.emplace();
            for (const schema::ElementNode &child : *children) {
                if (child.definition->isSummary)
                    names->append(child.definition->name());
            }
        }
        it = m_summaryChildren.insert(path, names);
    }
    return it->has_value() ? &**it : nullptr;
}

void Subsetter::trimToSummary(Json &value, const QString &path)
{
    if (value.is_array()) {
        for (Json &item : value)
            trimToSummary(item, path);
        return;
    }
    if (!value.is_object())
        return;
    const QStringList *keep = summaryChildren(path);
    if (!keep)
        return;
    for (auto it = value.begin(); it != value.end();) {
        const QString key = QString::fromStdString(it.key());
        if (!matchesAny(key, *keep)) {
            it = value.erase(it);
            continue;
        }
        if (!key.startsWith(u'_'))
            trimToSummary(it.value(), path + u'.' + key);
        ++it;
    }
}

bool Subsetter::apply(Json &resource, Summary summary, const QStringList &elements)
{
    if (!resource.is_object())
        return false;
    const QString type = QString::fromStdString(resource.value("resourceType", std::string()));
    const TypeElements &known = elementsOf(type);
    QStringList keep;
    bool dropTextOnly = false;
    if (!elements.isEmpty() && (summary == Summary::False || summary == Summary::Count)) {
        keep = elements + known.mandatory;
    } else {
        switch (summary) {
        case Summary::False:
        case Summary::Count:
            return false;
        case Summary::True:
            keep = known.summary;
            break;
        case Summary::Text:
            keep = known.mandatory;
            keep.append(u"text"_s);
            break;
        case Summary::Data:
            dropTextOnly = true;
            break;
        }
    }
    Json out = Json::object();
    for (auto it = resource.begin(); it != resource.end(); ++it) {
        const QString key = QString::fromStdString(it.key());
        const bool always = key == u"resourceType"_s || key == u"id"_s || key == u"meta"_s;
        if (always || (dropTextOnly ? key != u"text"_s : matchesAny(key, keep)))
            out[it.key()] = std::move(it.value());
    }
    // search.html#summary: Σ marks elements at every level, not only the top one.
    if (summary == Summary::True && elements.isEmpty()) {
        for (auto it = out.begin(); it != out.end(); ++it) {
            const QString key = QString::fromStdString(it.key());
            if (key != u"meta"_s && key != u"id"_s && !key.startsWith(u'_'))
                trimToSummary(it.value(), type + u'.' + key);
        }
    }
    Json &meta = out["meta"];
    if (!meta.is_object())
        meta = Json::object();
    Json &tags = meta["tag"];
    if (!tags.is_array())
        tags = Json::array();
    tags.push_back({{"system", "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"},
                    {"code", "SUBSETTED"},
                    {"display", "Resource encoded in summary mode"}});
    // meta right after id, as a resource is usually written
    if (out.size() > 2) {
        Json ordered = Json::object();
        for (const char *first : {"resourceType", "id", "meta"}) {
            if (out.contains(first))
                ordered[first] = std::move(out[first]);
        }
        for (auto it = out.begin(); it != out.end(); ++it) {
            if (!ordered.contains(it.key()))
                ordered[it.key()] = std::move(it.value());
        }
        out = std::move(ordered);
    }
    resource = std::move(out);
    return true;
}

} // namespace fhir::server::search
