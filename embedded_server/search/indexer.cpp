#include "indexer.h"

#include "searchvalues.h"

#include "embedded_server/serverlogging.h"
#include "embedded_server/sqlstatement.h"

#include <QSet>

#include <array>
#include <cmath>
#include <deque>
#include <functional>

using namespace Qt::StringLiterals;
using nlohmann::json;

namespace fhir::server::search {

bool isIndexedType(schema::SearchParamType type)
{
    return type != schema::SearchParamType::Special;
}

namespace {

using fhirpath::Item;
using schema::SearchParamType;

// Answered from the resource table, not indexed.
bool isResourceColumn(const QString &code)
{
    return code == u"_id"_s || code == u"_lastUpdated"_s;
}

enum Table {
    StringTable,
    TokenTable,
    DateTable,
    NumberTable,
    QuantityTable,
    ReferenceTable,
    UriTable,
    TableCount
};

// The tables a resource's rows are in: one per type, and the composites' components.
const std::array<const char *, TableCount + 1> tableNames
    = {"idx_string",   "idx_token",     "idx_date", "idx_number",
       "idx_quantity", "idx_reference", "idx_uri",  "idx_composite"};

// QByteArrayLiteral: the statement cache is keyed by the SQL text; no allocation per row.
// ?3 is `n`, the row's number within its resource (the tables' keys are (pk, param, n)).
const std::array<QByteArray, TableCount> insertSql = {
    QByteArrayLiteral(
        "INSERT INTO idx_string (pk, param, n, norm, exact) VALUES (?1, ?2, ?3, ?4, ?5)"),
    QByteArrayLiteral(
        "INSERT INTO idx_token (pk, param, n, system, code, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
    QByteArrayLiteral("INSERT INTO idx_date (pk, param, n, low, high) VALUES (?1, ?2, ?3, ?4, ?5)"),
    QByteArrayLiteral("INSERT INTO idx_number (pk, param, n, value) VALUES (?1, ?2, ?3, ?4)"),
    QByteArrayLiteral("INSERT INTO idx_quantity (pk, param, n, value, system, code, unit) VALUES "
                      "(?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
    QByteArrayLiteral("INSERT INTO idx_reference (pk, param, n, target_type, target_id, url) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
    QByteArrayLiteral("INSERT INTO idx_uri (pk, param, n, uri) VALUES (?1, ?2, ?3, ?4)"),
};

// A component of a composite parameter: the same values in the same columns, in idx_composite,
// with the element group and the component's position last.
const std::array<QByteArray, TableCount> compositeInsertSql = {
    QByteArrayLiteral("INSERT INTO idx_composite (pk, param, n, norm, exact, grp, part) VALUES "
                      "(?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
    QByteArrayLiteral("INSERT INTO idx_composite (pk, param, n, system, code, text, grp, part) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
    QByteArrayLiteral("INSERT INTO idx_composite (pk, param, n, low, high, grp, part) VALUES (?1, "
                      "?2, ?3, ?4, ?5, ?6, ?7)"),
    QByteArrayLiteral("INSERT INTO idx_composite (pk, param, n, value, grp, part) VALUES (?1, ?2, "
                      "?3, ?4, ?5, ?6)"),
    QByteArrayLiteral("INSERT INTO idx_composite (pk, param, n, value, system, code, unit, grp, "
                      "part) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
    QByteArrayLiteral("INSERT INTO idx_composite (pk, param, n, target_type, target_id, url, grp, "
                      "part) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
    QByteArrayLiteral(
        "INSERT INTO idx_composite (pk, param, n, uri, grp, part) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
};

QString text(const json &object, const char *key)
{
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                                 : QString();
}

std::optional<double> number(const json &object, const char *key)
{
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number())
        return std::nullopt;
    return it->get<double>();
}

/// The string value of a primitive item (node or System value), else null.
QString primitiveText(const Item &item)
{
    if (item.isNode()) {
        const json *j = item.json();
        if (!j)
            return {};
        if (j->is_string())
            return QString::fromStdString(j->get<std::string>());
        if (j->is_boolean())
            return j->get<bool>() ? u"true"_s : u"false"_s;
        if (j->is_number_integer())
            return QString::number(j->get<qint64>());
        return {};
    }
    switch (item.kind()) {
    case Item::Kind::String:
        return item.asString();
    case Item::Kind::Boolean:
        return item.asBool() ? u"true"_s : u"false"_s;
    case Item::Kind::Integer:
        return QString::number(item.asInteger());
    case Item::Kind::Date:
        return item.asDateTime().dateText();
    case Item::Kind::DateTime:
        return item.asDateTime().dateTimeText();
    default:
        return {};
    }
}

class RowWriter;

} // namespace

struct Indexer::Private
{
    std::shared_ptr<const schema::Model> model;
    Store &store;
    fhirpath::Environment env;
    bool opened = false;
    QHash<QString, qint64> ids; // "Type.code" -> search_param.id
    std::deque<IndexedParam> storage; // stable addresses
    QHash<QString, QList<const IndexedParam *>> byType; // filled on first use of a type
    QHash<QString, json> stubs; // resolve() answers: {"resourceType": T} per type

    Private(std::shared_ptr<const schema::Model> m, Store &s)
        : model(std::move(m))
        , store(s)
    {
        env.model = model;
        for (const QString &type : model->resourceTypes())
            stubs.insert(type, json{{"resourceType", type.toStdString()}});
        // resolve() in search expressions (`subject.where(resolve() is Patient)`) only needs
        // the target's type: a stub typed from the reference, never a database read.
        env.resolver = [this](const QString &reference) -> const json * {
            const auto parts
                = parseReference(reference, [this](const QString &t) { return stubs.contains(t); });
            if (!parts || parts->type.isEmpty())
                return nullptr;
            const auto it = stubs.constFind(parts->type);
            return it == stubs.cend() ? nullptr : &*it;
        };
    }

    const QList<const IndexedParam *> &paramsOf(const QString &type)
    {
        auto it = byType.find(type);
        if (it != byType.end())
            return *it;
        QList<const IndexedParam *> list;
        if (auto all = model->searchParameters(type)) {
            for (const schema::SearchParameter *sp : *all) {
                const qint64 id = ids.value(type + u'.' + sp->code);
                if (id == 0)
                    continue;
                IndexedParam p{sp, type, id, std::nullopt, {}};
                auto parsed = fhirpath::Expression::parse(sp->expressionFor(type));
                if (parsed)
                    p.expression = std::move(parsed).value();
                else
                    qCWarning(lcServer) << "search parameter" << type << sp->code
                                        << "is not indexed:" << parsed.error();
                // A composite's components are read from each element its expression reaches.
                for (const schema::SearchComponent &c : sp->components) {
                    auto component = fhirpath::Expression::parse(c.expression);
                    if (component) {
                        p.components.append(std::move(component).value());
                    } else {
                        qCWarning(lcServer) << "search parameter" << type << sp->code
                                            << "is not indexed:" << component.error();
                        p.expression.reset();
                    }
                }
                storage.push_back(std::move(p));
                list.append(&storage.back());
            }
        }
        return *byType.insert(type, list);
    }

    Result<bool> registerParams();
    Result<bool> indexPending();
    /// `replace`: the resource may have rows already, whatever its version (indexed again).
    Result<bool> write(const StoredVersion &version, const json &resource, bool replace = false);
    void indexComposite(RowWriter &out, const IndexedParam &param,
                        const fhirpath::Collection &elements, const json &resource);
};

Indexer::Indexer(std::shared_ptr<const schema::Model> model, Store &store)
    : d(std::make_unique<Private>(std::move(model), store))
{
}

Indexer::~Indexer() = default;

bool Indexer::isOpen() const
{
    return d->opened;
}

Result<bool> Indexer::open()
{
    if (d->opened)
        return true;
    if (auto ok = d->registerParams(); !ok)
        return ok;
    if (auto ok = d->indexPending(); !ok)
        return ok;
    d->opened = true;
    return true;
}

Result<bool> Indexer::Private::registerParams()
{
    Store::Transaction tx(store);
    if (!tx.isActive())
        return Error{tx.error()};
    auto insert = store.prepare("INSERT OR IGNORE INTO search_param (type, code, kind)"
                                " VALUES (?1, ?2, ?3)",
                                false);
    if (!insert)
        return Error{insert.error()};
    for (const QString &type : model->resourceTypes()) {
        auto all = model->searchParameters(type);
        if (!all)
            continue;
        for (const schema::SearchParameter *sp : *all) {
            if (!isIndexedType(sp->type) || isResourceColumn(sp->code)
                || sp->expressionFor(type).isEmpty())
                continue;
            Statement &s = insert.value();
            s.bind(1, type);
            s.bind(2, sp->code);
            s.bind(3, schema::searchParamTypeName(sp->type));
            if (s.step() != SQLITE_DONE)
                return Error{u"cannot register search parameters: "_s + store.lastError()};
            s.reset();
        }
    }
    auto select = store.prepare("SELECT id, type, code FROM search_param", false);
    if (!select)
        return Error{select.error()};
    int rc;
    while ((rc = select.value().step()) == SQLITE_ROW)
        ids.insert(select.value().text(1) + u'.' + select.value().text(2), select.value().int64(0));
    if (rc != SQLITE_DONE)
        return Error{u"cannot read search parameters: "_s + store.lastError()};
    return tx.commit();
}

Result<bool> Indexer::Private::indexPending()
{
    auto count = store.prepare("SELECT COUNT(*) FROM index_pending", false);
    if (!count)
        return Error{count.error()};
    if (count.value().step() != SQLITE_ROW)
        return Error{store.lastError()};
    const qint64 pending = count.value().int64(0);
    if (pending == 0)
        return true;
    qCInfo(lcServer) << "indexing" << pending << "resources stored before the search index";
    // In chunks, each its own transaction: a large store does not hold one huge transaction,
    // and what is done stays done if the app quits half-way.
    constexpr qint64 chunk = 500;
    for (;;) {
        Store::Transaction tx(store);
        if (!tx.isActive())
            return Error{tx.error()};
        auto select = store.prepare("SELECT " + Store::versionColumns()
                                        + " FROM index_pending p JOIN resource r ON r.pk = p.pk"
                                          " JOIN resource_version v ON v.seq = r.seq"
                                          " ORDER BY p.pk LIMIT ?1",
                                    false);
        if (!select)
            return Error{select.error()};
        select.value().bind(1, chunk);
        auto rows = store.versions(select.value());
        if (!rows)
            return Error{rows.error()};
        if (rows->isEmpty())
            break;
        auto done = store.prepare("DELETE FROM index_pending WHERE pk = ?1");
        if (!done)
            return Error{done.error()};
        for (const StoredVersion &v : *rows) {
            if (!v.deleted) {
                const json resource
                    = json::parse(v.content.constData(), v.content.constData() + v.content.size(),
                                  nullptr, false);
                if (resource.is_object()) {
                    if (auto ok = write(v, resource, true); !ok)
                        return ok;
                }
            }
            done.value().bind(1, v.pk);
            if (done.value().step() != SQLITE_DONE)
                return Error{store.lastError()};
            done.value().reset();
        }
        if (auto ok = tx.commit(); !ok)
            return ok;
    }
    // Rows for deleted resources may remain (none were queued); empty the queue.
    auto clear = store.prepare("DELETE FROM index_pending", false);
    if (!clear)
        return Error{clear.error()};
    if (clear.value().step() != SQLITE_DONE)
        return Error{store.lastError()};
    return true;
}

const IndexedParam *Indexer::param(const QString &type, const QString &code)
{
    for (const IndexedParam *p : d->paramsOf(type)) {
        if (p->definition->code == code)
            return p;
    }
    return nullptr;
}

QList<const IndexedParam *> Indexer::params(const QString &type)
{
    return d->paramsOf(type);
}

Result<bool> Indexer::index(const StoredVersion &version)
{
    if (version.deleted)
        return d->write(version, json());
    const json resource
        = json::parse(version.content.constData(),
                      version.content.constData() + version.content.size(), nullptr, false);
    if (!resource.is_object())
        return Error{
            u"cannot index %1/%2: its content is not JSON"_s.arg(version.type, version.id)};
    return d->write(version, resource);
}

Result<bool> Indexer::index(const StoredVersion &version, const json &resource)
{
    return d->write(version, resource);
}

namespace {

/// Writes the rows of one resource through cached INSERT statements.
class RowWriter
{
public:
    RowWriter(Store &store, qint64 pk)
        : m_store(store)
        , m_pk(pk)
    {
    }

    Result<bool> error() const
    {
        return m_error.isEmpty() ? Result<bool>(true) : Result<bool>(Error{m_error});
    }

    /// Rows from now on are the component `part` of the composite element `group`.
    void setComponent(qint64 group, qint64 part) { m_component = {group, part}; }
    void clearComponent() { m_component.reset(); }

    template<typename... Values> void insert(Table table, qint64 param, const Values &...values)
    {
        if (!m_error.isEmpty())
            return;
        auto stmt = m_store.prepare(m_component ? compositeInsertSql[table] : insertSql[table]);
        if (!stmt) {
            m_error = stmt.error();
            return;
        }
        Statement &s = stmt.value();
        s.bind(1, m_pk);
        s.bind(2, param);
        s.bind(3, m_next++);
        int index = 4;
        (s.bind(index++, values), ...);
        if (m_component) {
            s.bind(index++, m_component->first);
            s.bind(index++, m_component->second);
        }
        if (s.step() != SQLITE_DONE)
            m_error = u"cannot write the search index: "_s + m_store.lastError();
    }

private:
    Store &m_store;
    qint64 m_pk;
    qint64 m_next = 0; // the next row's `n`: numbers the rows of the resource
    QString m_error;
    std::optional<std::pair<qint64, qint64>> m_component; // group and part
};

void indexString(RowWriter &out, qint64 param, const QString &value)
{
    if (!value.isEmpty())
        out.insert(StringTable, param, normalizeString(value), value);
}

void indexToken(RowWriter &out, qint64 param, const QString &system, const QString &code,
                const QString &display)
{
    if (code.isEmpty() && display.isEmpty())
        return;
    out.insert(TokenTable, param, system.isEmpty() ? QString() : system,
               code.isEmpty() ? QString() : code,
               display.isEmpty() ? QString() : normalizeString(display));
}

void indexCoding(RowWriter &out, qint64 param, const json &coding)
{
    if (coding.is_object())
        indexToken(out, param, text(coding, "system"), text(coding, "code"),
                   text(coding, "display"));
}

void indexDate(RowWriter &out, qint64 param, const QString &value)
{
    if (const auto range = parseDate(value))
        out.insert(DateTable, param, range->low, range->high);
}

void indexQuantity(RowWriter &out, qint64 param, const json &q, const QString &type)
{
    const auto value = number(q, "value");
    if (!value)
        return;
    if (type == u"Money"_s) {
        out.insert(QuantityTable, param, *value, u"urn:iso:std:iso:4217"_s, text(q, "currency"),
                   QString());
        return;
    }
    const QString system = text(q, "system");
    const QString code = text(q, "code");
    const QString unit = text(q, "unit");
    out.insert(QuantityTable, param, *value, system.isEmpty() ? QString() : system,
               code.isEmpty() ? QString() : code, unit.isEmpty() ? QString() : unit);
}

/// The rows of one value of a parameter of type `kind`.
void indexItem(RowWriter &out, SearchParamType kind, qint64 id, const Item &item,
               const std::function<bool(const QString &)> &isType)
{
    const QString type = item.isNode() ? item.typeName() : QString();
    const json *j = item.isNode() ? item.json() : nullptr;
    const bool object = j && j->is_object();
    switch (kind) {
    case SearchParamType::String:
        if (object && type == u"HumanName"_s) {
            indexString(out, id, text(*j, "family"));
            indexString(out, id, text(*j, "text"));
            for (const char *key : {"given", "prefix", "suffix"}) {
                if (const auto it = j->find(key); it != j->end() && it->is_array()) {
                    for (const json &part : *it) {
                        if (part.is_string())
                            indexString(out, id, QString::fromStdString(part.get<std::string>()));
                    }
                }
            }
        } else if (object && type == u"Address"_s) {
            for (const char *key : {"text", "city", "district", "state", "postalCode", "country"})
                indexString(out, id, text(*j, key));
            if (const auto it = j->find("line"); it != j->end() && it->is_array()) {
                for (const json &line : *it) {
                    if (line.is_string())
                        indexString(out, id, QString::fromStdString(line.get<std::string>()));
                }
            }
        } else if (!object) {
            indexString(out, id, primitiveText(item));
        }
        break;
    case SearchParamType::Token:
        if (object && type == u"CodeableConcept"_s) {
            if (const auto it = j->find("coding"); it != j->end() && it->is_array()) {
                for (const json &coding : *it)
                    indexCoding(out, id, coding);
            }
            indexToken(out, id, {}, {}, text(*j, "text"));
        } else if (object && type == u"Coding"_s) {
            indexCoding(out, id, *j);
        } else if (object && type == u"Identifier"_s) {
            QString typeText;
            if (const auto t = j->find("type"); t != j->end() && t->is_object())
                typeText = text(*t, "text");
            indexToken(out, id, text(*j, "system"), text(*j, "value"), typeText);
        } else if (object && type == u"ContactPoint"_s) {
            indexToken(out, id, {}, text(*j, "value"), {});
        } else if (!object) {
            indexToken(out, id, {}, primitiveText(item), {});
        }
        break;
    case SearchParamType::Date:
        if (object && type == u"Period"_s) {
            const QString start = text(*j, "start");
            const QString end = text(*j, "end");
            std::optional<DateRange> s = start.isEmpty() ? DateRange{} : parseDate(start);
            std::optional<DateRange> e = end.isEmpty() ? DateRange{} : parseDate(end);
            if (s && e && (!start.isEmpty() || !end.isEmpty()))
                out.insert(DateTable, id, s->low, e->high);
        } else if (object && type == u"Timing"_s) {
            if (const auto it = j->find("event"); it != j->end() && it->is_array()) {
                for (const json &event : *it) {
                    if (event.is_string())
                        indexDate(out, id, QString::fromStdString(event.get<std::string>()));
                }
            }
        } else if (!object) {
            indexDate(out, id, primitiveText(item));
        }
        break;
    case SearchParamType::Number:
        if (j && j->is_number()) {
            out.insert(NumberTable, id, j->get<double>());
        } else if (!item.isNode() && item.kind() == Item::Kind::Integer) {
            out.insert(NumberTable, id, double(item.asInteger()));
        } else if (!item.isNode() && item.kind() == Item::Kind::Decimal) {
            out.insert(NumberTable, id, item.asDecimal().value);
        }
        break;
    case SearchParamType::Quantity:
        if (object)
            indexQuantity(out, id, *j, type);
        break;
    case SearchParamType::Reference:
        if (object) {
            const auto parts = parseReference(text(*j, "reference"), isType);
            if (parts)
                out.insert(ReferenceTable, id, parts->type.isEmpty() ? QString() : parts->type,
                           parts->id.isEmpty() ? QString() : parts->id,
                           parts->url.isEmpty() ? QString() : parts->url);
        } else if (const QString url = primitiveText(item); !url.isEmpty()) {
            // canonical and uri elements searched as references
            out.insert(ReferenceTable, id, QString(), QString(), url);
        }
        break;
    case SearchParamType::Uri:
        if (!object) {
            if (const QString uri = primitiveText(item); !uri.isEmpty())
                out.insert(UriTable, id, uri);
        }
        break;
    case SearchParamType::Composite:
    case SearchParamType::Special:
        break;
    }
}

} // namespace

Result<bool> Indexer::Private::write(const StoredVersion &version, const json &resource,
                                     bool replace)
{
    if (version.pk <= 0)
        return Error{u"cannot index %1/%2: no resource row"_s.arg(version.type, version.id)};
    // Version 1 is the first write of a resource: it has no rows to replace.
    if (version.version > 1 || replace) {
        for (const char *table : tableNames) {
            auto del = store.prepare(QByteArray("DELETE FROM ") + table + " WHERE pk = ?1");
            if (!del)
                return Error{del.error()};
            del.value().bind(1, version.pk);
            if (del.value().step() != SQLITE_DONE)
                return Error{u"cannot clear the search index: "_s + store.lastError()};
        }
    }
    if (version.deleted)
        return true;

    const auto isType = [this](const QString &t) {
        return stubs.contains(t);
    };
    RowWriter out(store, version.pk);
    for (const IndexedParam *p : paramsOf(version.type)) {
        if (!p->expression)
            continue;
        auto items = p->expression->evaluate(resource, env);
        if (!items)
            continue; // a runtime error in one expression leaves that parameter unindexed
        if (p->definition->type == SearchParamType::Composite) {
            indexComposite(out, *p, *items, resource);
            continue;
        }
        for (const Item &item : *items)
            indexItem(out, p->definition->type, p->id, item, isType);
    }
    return out.error();
}

void Indexer::Private::indexComposite(RowWriter &out, const IndexedParam &param,
                                      const fhirpath::Collection &elements, const json &resource)
{
    // Each element the composite's expression reaches (the Observation, one of its
    // components) is a group: a search matches the components' values within one group.
    // A search names every component (search.html#composite), so a group lacking one (an
    // Observation with a valueQuantity for code-value-concept) can never match: no rows.
    qint64 group = 0;
    QList<fhirpath::Collection> parts(param.components.size());
    for (const Item &element : elements) {
        bool complete = true;
        for (qsizetype part = 0; part < param.components.size() && complete; ++part) {
            const auto &expression = param.components[part];
            auto values = expression
                ? expression->evaluate(fhirpath::Collection{element}, resource, env)
                : Result<fhirpath::Collection>(fhirpath::Collection{});
            complete = values && !values->isEmpty();
            parts[part] = complete ? std::move(*values) : fhirpath::Collection{};
        }
        if (!complete)
            continue;
        for (qsizetype part = 0; part < param.components.size(); ++part) {
            out.setComponent(group, part);
            for (const Item &value : std::as_const(parts[part]))
                indexItem(out, param.definition->components[part].type, param.id, value,
                          [this](const QString &t) { return stubs.contains(t); });
        }
        ++group;
    }
    out.clearComponent();
}

} // namespace fhir::server::search
