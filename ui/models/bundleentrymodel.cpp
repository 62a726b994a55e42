#include "bundleentrymodel.h"

#include "app/examplelibrary.h"
#include "ui/models/jsonfields.h"

using namespace Qt::StringLiterals;
using Json = nlohmann::json;

namespace fhir::ui {

namespace {

using jsonfields::member;
using jsonfields::text;

const Json &first(const Json &object, const char *key)
{
    static const Json none;
    if (!object.is_object())
        return none;
    const auto it = object.find(key);
    if (it == object.end())
        return none;
    if (it->is_array())
        return it->empty() ? none : it->front();
    return *it;
}

QString humanName(const Json &name)
{
    if (const QString t = text(name, "text"); !t.isEmpty())
        return t;
    QStringList parts;
    if (const auto given = name.find("given"); given != name.end() && given->is_array()) {
        for (const Json &g : *given) {
            if (g.is_string())
                parts.append(QString::fromStdString(g.get<std::string>()));
        }
    }
    if (const QString family = text(name, "family"); !family.isEmpty())
        parts.append(family);
    return parts.join(u' ');
}

QString codeableText(const Json &codeable)
{
    if (const QString t = text(codeable, "text"); !t.isEmpty())
        return t;
    const Json &coding = first(codeable, "coding");
    if (const QString d = text(coding, "display"); !d.isEmpty())
        return d;
    return text(coding, "code");
}

QString quantity(const Json &q)
{
    const QString value = text(q, "value");
    QString unit = text(q, "unit");
    if (unit.isEmpty())
        unit = text(q, "code");
    return unit.isEmpty() ? value : value + u' ' + unit;
}

QString observationValue(const Json &obs)
{
    if (obs.contains("valueQuantity"))
        return quantity(obs["valueQuantity"]);
    if (obs.contains("valueCodeableConcept"))
        return codeableText(obs["valueCodeableConcept"]);
    for (const char *key :
         {"valueString", "valueBoolean", "valueInteger", "valueDateTime", "valueTime"}) {
        if (const QString v = text(obs, key); !v.isEmpty())
            return v;
    }
    if (const auto components = obs.find("component");
        components != obs.end() && components->is_array()) {
        QStringList parts;
        for (const Json &c : *components)
            parts.append(codeableText(member(c, "code")) + u' ' + observationValue(c));
        return parts.join(u", "_s);
    }
    return {};
}

void collectReferences(const Json &value, QStringList *out)
{
    if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it) {
            if (it.key() == "reference" && it->is_string()) {
                const QString ref = QString::fromStdString(it->get<std::string>());
                if (!ref.startsWith(u'#') && !out->contains(ref))
                    out->append(ref);
            } else if (it.key() != "contained") {
                collectReferences(*it, out);
            }
        }
    } else if (value.is_array()) {
        for (const Json &item : value)
            collectReferences(item, out);
    }
}

} // namespace

BundleEntryModel::BundleEntryModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

QString BundleEntryModel::summarize(const Json &r)
{
    const QString type = text(r, "resourceType");
    QStringList parts;
    auto add = [&parts](const QString &part) {
        if (!part.isEmpty())
            parts.append(part);
    };
    if (type == u"Patient"_s || type == u"Practitioner"_s || type == u"RelatedPerson"_s
        || type == u"Person"_s) {
        add(humanName(first(r, "name")));
        add(text(r, "gender"));
        const QString born = text(r, "birthDate");
        if (!born.isEmpty())
            parts.append(tr("born %1").arg(born));
    } else if (type == u"Observation"_s) {
        add(codeableText(member(r, "code")));
        add(observationValue(r));
        QString when = text(r, "effectiveDateTime");
        if (when.isEmpty())
            when = text(member(r, "effectivePeriod"), "start");
        if (when.isEmpty())
            when = text(r, "issued");
        add(when);
    } else {
        // Whatever names the resource best, in the order people look for it.
        QString name = text(r, "title");
        if (name.isEmpty())
            name = text(r, "name");
        if (name.isEmpty() && r.contains("name"))
            name = humanName(first(r, "name"));
        if (name.isEmpty() && r.contains("code"))
            name = codeableText(r["code"]);
        if (name.isEmpty() && r.contains("type"))
            name = codeableText(first(r, "type"));
        add(name);
        add(text(r, "status"));
        for (const char *date : {"date", "authoredOn", "recordedDate", "onsetDateTime",
                                 "occurrenceDateTime", "created"}) {
            if (const QString d = text(r, date); !d.isEmpty()) {
                add(d);
                break;
            }
        }
        if (const QString subject = text(member(r, "subject"), "reference"); !subject.isEmpty())
            add(u"→ "_s + subject);
    }
    return parts.join(u" · "_s);
}

Result<bool> BundleEntryModel::setBundle(const QByteArray &json)
{
    beginResetModel();
    m_bundle = Json::parse(json.constData(), json.constData() + json.size(), nullptr, false);
    m_entries = nullptr;
    m_links.clear();
    m_total.reset();
    m_type.clear();
    m_summaries.clear();
    Result<bool> result = true;
    if (m_bundle.is_discarded() || !m_bundle.is_object()
        || text(m_bundle, "resourceType") != u"Bundle"_s) {
        m_bundle = Json();
        result = Error{tr("This is not a FHIR Bundle")};
    } else {
        m_type = text(m_bundle, "type");
        if (const auto t = m_bundle.find("total"); t != m_bundle.end() && t->is_number_integer())
            m_total = t->get<qint64>();
        if (const auto links = m_bundle.find("link");
            links != m_bundle.end() && links->is_array()) {
            for (const Json &l : *links) {
                QString relation = text(l, "relation");
                if (relation == u"prev"_s)
                    relation = u"previous"_s;
                m_links.insert(relation, text(l, "url"));
            }
        }
        if (const auto entries = m_bundle.find("entry");
            entries != m_bundle.end() && entries->is_array()) {
            m_entries = &*entries;
            m_summaries.resize(m_entries->size());
        }
    }
    endResetModel();
    return result;
}

void BundleEntryModel::clear()
{
    beginResetModel();
    m_bundle = Json();
    m_entries = nullptr;
    m_links.clear();
    m_total.reset();
    m_type.clear();
    m_summaries.clear();
    endResetModel();
}

QString BundleEntryModel::link(const QString &relation) const
{
    return m_links.value(relation == u"prev"_s ? u"previous"_s : relation);
}

const Json *BundleEntryModel::resourceAt(int row) const
{
    if (m_entries == nullptr || row < 0 || size_t(row) >= m_entries->size())
        return nullptr;
    const Json &entry = (*m_entries)[size_t(row)];
    if (!entry.is_object())
        return nullptr;
    const auto it = entry.find("resource");
    return it != entry.end() && it->is_object() ? &*it : nullptr;
}

QByteArray BundleEntryModel::entryJson(int row) const
{
    if (const Json *resource = resourceAt(row))
        return app::prettyResource(*resource);
    if (m_entries != nullptr && row >= 0 && size_t(row) < m_entries->size())
        return QByteArray::fromStdString((*m_entries)[size_t(row)].dump(2)) + '\n';
    return {};
}

QStringList BundleEntryModel::references(int row) const
{
    QStringList out;
    if (const Json *resource = resourceAt(row))
        collectReferences(*resource, &out);
    return out;
}

int BundleEntryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() || m_entries == nullptr ? 0 : int(m_entries->size());
}

int BundleEntryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BundleEntryModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.model() != this)
        return {};
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole && role != ReferenceRole)
        return {};
    const Json &entry = (*m_entries)[size_t(index.row())];
    const Json *resource = resourceAt(index.row());
    static const Json none = Json::object();
    const Json &r = resource ? *resource : none;
    if (role == ReferenceRole)
        return QString(text(r, "resourceType") + u'/' + text(r, "id"));
    switch (index.column()) {
    case TypeColumn:
        return resource ? text(r, "resourceType") : text(member(entry, "response"), "status");
    case IdColumn:
        return text(r, "id");
    case SummaryColumn: {
        std::optional<QString> &cached = m_summaries[size_t(index.row())];
        if (!cached)
            cached = resource ? summarize(r) : text(member(entry, "response"), "location");
        return *cached;
    }
    case LastUpdatedColumn:
        return text(member(r, "meta"), "lastUpdated");
    case ModeColumn:
        return text(member(entry, "search"), "mode");
    default:
        return {};
    }
}

QVariant BundleEntryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return {};
    if (orientation == Qt::Vertical)
        return section + 1;
    switch (section) {
    case TypeColumn:
        return tr("Type");
    case IdColumn:
        return tr("Id");
    case SummaryColumn:
        return tr("Summary");
    case LastUpdatedColumn:
        return tr("Last updated");
    case ModeColumn:
        return tr("Mode");
    default:
        return {};
    }
}

} // namespace fhir::ui
