#include "searchengine.h"

#include "indexer.h"
#include "searchvalues.h"

#include "embedded_server/sqlstatement.h"

#include <QRegularExpression>
#include <QSet>

#include <cmath>
#include <functional>

using namespace Qt::StringLiterals;

namespace fhir::server::search {

namespace {

using schema::SearchParamType;

/// A piece of SQL and the values of its placeholders.
struct Sql
{
    QByteArray text;
    QList<SqlValue> values;

    void append(const QByteArray &more) { text += more; }
    void bind(SqlValue value) { values.append(std::move(value)); }
    void add(const Sql &other)
    {
        text += other.text;
        values += other.values;
    }
};

/// "?, ?, ?": the placeholders of an IN list of n values.
QByteArray placeholders(qsizetype n)
{
    return n > 0 ? '?' + QByteArray(", ?").repeated(n - 1) : QByteArray();
}

/// At most this many resources are included in one page (_include, $everything's references),
/// so that a dense graph cannot make a page unbounded.
constexpr qsizetype maxIncludedPerPage = 1000;

void bindAll(Statement &stmt, const QList<SqlValue> &values, int first = 1)
{
    int index = first;
    for (const SqlValue &v : values) {
        std::visit([&](const auto &x) { stmt.bind(index, x); }, v);
        ++index;
    }
}

/// Splits at unescaped `separator`, unescaping `\,` `\|` `\$` `\\` (search.html#escaping).
QStringList splitEscaped(const QString &value, QChar separator)
{
    QStringList out;
    QString current;
    for (qsizetype i = 0; i < value.size(); ++i) {
        const QChar c = value.at(i);
        if (c == u'\\' && i + 1 < value.size()) {
            const QChar next = value.at(i + 1);
            if (next == u',' || next == u'|' || next == u'$' || next == u'\\') {
                if (next != separator)
                    current += c; // keep the escape for a later split at another separator
                current += next;
                ++i;
                continue;
            }
        }
        if (c == separator) {
            out.append(current);
            current.clear();
        } else {
            current += c;
        }
    }
    out.append(current);
    return out;
}

/// Removes the escapes that splitEscaped() kept for later splits.
QString unescape(const QString &value)
{
    QString out;
    out.reserve(value.size());
    for (qsizetype i = 0; i < value.size(); ++i) {
        if (value.at(i) == u'\\' && i + 1 < value.size())
            ++i;
        out += value.at(i);
    }
    return out;
}

/// The end of the range of strings that start with `prefix` (UTF-8 order is code-point order).
QString prefixEnd(const QString &prefix)
{
    return prefix + QChar(0xDBFF) + QChar(0xDFFF); // U+10FFFF
}

QString likeContains(const QString &value)
{
    QString escaped = value;
    escaped.replace(u'\\', u"\\\\"_s).replace(u'%', u"\\%"_s).replace(u'_', u"\\_"_s);
    return u'%' + escaped + u'%';
}

const QStringList prefixes
    = {u"eq"_s, u"ne"_s, u"gt"_s, u"lt"_s, u"ge"_s, u"le"_s, u"sa"_s, u"eb"_s, u"ap"_s};

/// Splits an ordered value into its prefix ("eq" when none) and the rest.
QPair<QString, QString> splitPrefix(const QString &value)
{
    if (value.size() > 2 && value.at(0).isLetter() && value.at(1).isLetter()
        && prefixes.contains(value.left(2)))
        return {value.left(2), value.mid(2)};
    return {u"eq"_s, value};
}

/// Date prefixes over a stored range [low, high) and a searched range [sl, sh)
/// (search.html#prefix): eq is containment, gt/lt reach beyond, sa/eb lie wholly after/before.
Sql dateCondition(const QString &prefix, const DateRange &range, const QByteArray &low,
                  const QByteArray &high, qint64 nowMs)
{
    Sql sql;
    const qint64 sl = range.low;
    const qint64 sh = range.high;
    if (prefix == u"eq"_s || prefix == u"ne"_s) {
        sql.text = (prefix == u"ne"_s ? "NOT (" : "(") + low + " >= ? AND " + high + " <= ?)";
        sql.values = {sl, sh};
    } else if (prefix == u"gt"_s) {
        sql.text = high + " > ?";
        sql.values = {sh};
    } else if (prefix == u"lt"_s) {
        sql.text = low + " < ?";
        sql.values = {sl};
    } else if (prefix == u"ge"_s) {
        sql.text = '(' + low + " >= ? OR " + high + " > ?)";
        sql.values = {sl, sh};
    } else if (prefix == u"le"_s) {
        sql.text = '(' + high + " <= ? OR " + low + " < ?)";
        sql.values = {sh, sl};
    } else if (prefix == u"sa"_s) {
        sql.text = low + " >= ?";
        sql.values = {sh};
    } else if (prefix == u"eb"_s) {
        sql.text = high + " <= ?";
        sql.values = {sl};
    } else { // ap: overlaps the searched range widened by 10 % of its distance from now
        const qint64 gap = std::abs(nowMs - sl) / 10;
        sql.text = '(' + low + " < ? AND " + high + " > ?)";
        sql.values = {sh + gap, sl - gap};
    }
    return sql;
}

/// Number prefixes; eq and ne use the precision the value was written with (100 is
/// [99.5, 100.5), 1e2 likewise).
std::optional<Sql> numberCondition(const QString &prefix, const QString &text,
                                   const QByteArray &column)
{
    static const QRegularExpression pattern(u"^[+-]?(\\d+)(?:\\.(\\d+))?(?:[eE]([+-]?\\d+))?$"_s);
    const auto m = pattern.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (!ok || !std::isfinite(v))
        return std::nullopt;
    const int exponent = m.hasCaptured(3) ? m.captured(3).toInt() : 0;
    const double half = 0.5 * std::pow(10.0, -(m.captured(2).size() - exponent));
    Sql sql;
    if (prefix == u"eq"_s || prefix == u"ne"_s) {
        sql.text = (prefix == u"ne"_s ? "NOT (" : "(") + column + " >= ? AND " + column + " < ?)";
        sql.values = {v - half, v + half};
    } else if (prefix == u"gt"_s || prefix == u"sa"_s) {
        sql.text = column + " > ?";
        sql.values = {v};
    } else if (prefix == u"lt"_s || prefix == u"eb"_s) {
        sql.text = column + " < ?";
        sql.values = {v};
    } else if (prefix == u"ge"_s) {
        sql.text = column + " >= ?";
        sql.values = {v};
    } else if (prefix == u"le"_s) {
        sql.text = column + " <= ?";
        sql.values = {v};
    } else { // ap: within 10 %
        const double gap = std::abs(v) / 10;
        sql.text = '(' + column + " >= ? AND " + column + " <= ?)";
        sql.values = {v - gap, v + gap};
    }
    return sql;
}

QByteArray tableOf(SearchParamType type)
{
    switch (type) {
    case SearchParamType::String:
        return "idx_string";
    case SearchParamType::Token:
        return "idx_token";
    case SearchParamType::Date:
        return "idx_date";
    case SearchParamType::Number:
        return "idx_number";
    case SearchParamType::Quantity:
        return "idx_quantity";
    case SearchParamType::Reference:
        return "idx_reference";
    case SearchParamType::Uri:
        return "idx_uri";
    case SearchParamType::Composite:
        return "idx_composite";
    case SearchParamType::Special:
        break;
    }
    return {};
}

/// The column _sort orders by, for each type (the lowest value of a resource ascending, the
/// highest descending).
QByteArray sortColumnOf(SearchParamType type, bool descending)
{
    switch (type) {
    case SearchParamType::String:
        return "norm";
    case SearchParamType::Token:
        return "code";
    case SearchParamType::Date:
        return descending ? "high" : "low";
    case SearchParamType::Number:
    case SearchParamType::Quantity:
        return "value";
    case SearchParamType::Reference:
        return "target_id";
    case SearchParamType::Uri:
        return "uri";
    case SearchParamType::Composite:
    case SearchParamType::Special:
        break;
    }
    return {};
}

/// _text and _content (search.html#text): words looked for in the stored JSON, not indexed.
bool isTextSearch(const QString &code)
{
    return code == u"_text"_s || code == u"_content"_s;
}

/// Parameters answered from the resource table: the same condition for every type.
bool isTypeFree(const QString &code)
{
    return code == u"_id"_s || code == u"_lastUpdated"_s;
}

Error badValue(const QString &name, const QString &problem)
{
    return Error{u"search parameter %1: %2"_s.arg(name.left(100), problem)};
}

} // namespace

struct SearchEngine::Private
{
    std::shared_ptr<const schema::Model> model;
    Store &store;
    Indexer &indexer;
    QSet<QString> types;

    bool isType(const QString &t) const { return types.contains(t); }

    /// One parameter (name with modifier, comma-separated value) as a condition over `alias`.
    /// `unknown` is set when the name is not a parameter of the type.
    /// `paramIds`, when given, are the index ids of the same parameter definition in several
    /// types: the condition matches any of them (a search over several types).
    Result<Sql> condition(const QString &type, const QString &alias, const QString &name,
                          const QString &value, const QString &baseUrl, qint64 nowMs, bool *unknown,
                          bool allowChain, const QList<qint64> *paramIds = nullptr);
    /// One value (no comma) of a parameter of type `kind` as a condition over the index row x.
    Result<Sql> oneValue(const IndexedParam &param, SearchParamType kind, const QString &modifier,
                         const QString &name, const QString &raw, const QString &baseUrl,
                         qint64 nowMs);
    Result<Sql> valueCondition(const IndexedParam &param, const QString &modifier,
                               const QString &name, const QString &value, const QString &baseUrl,
                               qint64 nowMs, const QList<qint64> *paramIds);
    /// `_has:Type:reference:parameter=value` (search.html#has), nested up to a bound.
    Result<Sql> hasCondition(const QString &type, const QString &alias, const QString &name,
                             const QString &value, const QString &baseUrl, qint64 nowMs);
    int hasDepth = 0; ///< how deep the _has being compiled is nested
    /// _text (the narrative) or _content (the whole resource) over the resource `alias`.
    Result<Sql> textCondition(const QByteArray &alias, bool narrative, const QString &name,
                              const QString &value);
    Result<QList<StoredVersion>> select(const QByteArray &sql, const QList<SqlValue> &values,
                                        bool cached);
    Result<bool> addIncludes(const ResultOptions &options, SearchPage &page);
    /// $everything: what the page's matches refer to, as included resources, of `kept`.
    Result<bool> includeReferenced(SearchPage &page, const Sql &kept);
    /// The includes of `from`, given to `keep`; only the :iterate ones when `iteratedOnly`.
    Result<bool> includeRound(const QList<StoredVersion> &from, const ResultOptions &options,
                              bool iteratedOnly, const QByteArray &resourceOf,
                              const std::function<void(QList<StoredVersion>)> &keep);
};

SearchEngine::SearchEngine(std::shared_ptr<const schema::Model> model, Store &store,
                           Indexer &indexer)
    : d(std::make_unique<Private>(Private{std::move(model), store, indexer, {}}))
{
    const QStringList list = d->model->resourceTypes();
    d->types = QSet<QString>(list.begin(), list.end());
}

SearchEngine::~SearchEngine() = default;

bool SearchEngine::isResultParameter(const QString &name)
{
    static const QSet<QString> names
        = {u"_count"_s,   u"_offset"_s,   u"_sort"_s,      u"_total"_s,
           u"_summary"_s, u"_elements"_s, u"_include"_s,   u"_revinclude"_s,
           u"_format"_s,  u"_pretty"_s,   u"_contained"_s, u"_containedType"_s};
    return names.contains(name.section(u':', 0, 0));
}

constexpr int maxConditions = 30;

/// The bounds every parameter value must keep, or why it does not.
static std::optional<Error> outOfBounds(const QString &name, const QString &value)
{
    constexpr qsizetype maxValues = 100;
    if (value.size() > 4096)
        return badValue(name, u"the value is longer than 4096 characters"_s);
    if (splitEscaped(value, u',').size() > maxValues)
        return badValue(name, u"more than %1 values"_s.arg(maxValues));
    return std::nullopt;
}

/// Ands one parameter's condition into `out`. An unknown parameter (empty `sql`) is skipped,
/// or refused with `refusal` when `refuse`.
static std::optional<Error> andCondition(Criteria &out, const QString &name, const QString &value,
                                         const Result<Sql> &sql, bool refuse,
                                         const QString &refusal)
{
    if (refuse)
        return Error{refusal};
    if (!sql)
        return Error{sql.error()};
    if (sql->text.isEmpty())
        return std::nullopt;
    if (++out.conditions > maxConditions)
        return Error{u"more than %1 search parameters"_s.arg(maxConditions)};
    out.where += " AND " + sql->text;
    out.values += sql->values;
    out.kept.append({name, value});
    return std::nullopt;
}

Result<Criteria> SearchEngine::criteria(const QString &type, const QueryItems &params, bool strict,
                                        const QString &baseUrl, qint64 nowMs)
{
    Criteria out;
    out.type = type;
    out.where = "r.type = ? AND r.deleted = 0";
    out.values = {type};
    bool selective = false;
    for (const auto &[name, value] : params) {
        if (isResultParameter(name))
            continue;
        if (auto bad = outOfBounds(name, value))
            return *bad;
        bool unknown = false;
        auto sql = d->condition(type, u"r"_s, name, value, baseUrl, nowMs, &unknown, true);
        if (auto bad = andCondition(out, name, value, sql, unknown && strict,
                                    u"%1 is not a search parameter of %2 supported by this "
                                    "server (Prefer: handling=strict)"_s.arg(name.left(100), type)))
            return *bad;
        selective = selective || (!unknown && sql->text.startsWith("r.pk IN"));
    }
    // With an index condition, the matches come from the index tables by pk; the unary plus
    // keeps SQLite from walking every resource of the type instead (a large type such as
    // Observation would be read whole).
    if (selective)
        out.where.prepend('+');
    return out;
}

Result<Criteria> SearchEngine::criteria(const QStringList &types, const QueryItems &params,
                                        bool strict, bool lenient, const QString &baseUrl,
                                        qint64 nowMs)
{
    const QStringList searched = types.isEmpty() ? d->model->resourceTypes() : types;
    Criteria out;
    out.where = "r.deleted = 0";
    if (!types.isEmpty()) {
        out.where += " AND r.type IN (";
        for (qsizetype i = 0; i < types.size(); ++i) {
            out.where += i ? ", ?" : "?";
            out.values.append(types[i]);
        }
        out.where += ")";
    }
    for (const auto &[name, value] : params) {
        if (isResultParameter(name) || name == u"_type"_s)
            continue;
        if (auto bad = outOfBounds(name, value))
            return *bad;
        const QString code = name.section(u':', 0, 0).section(u'.', 0, 0);
        Result<Sql> sql = Sql{};
        bool unknown = false;
        if (isTypeFree(code)) {
            sql = d->condition(searched.first(), u"r"_s, name, value, baseUrl, nowMs, &unknown,
                               true);
        } else {
            QStringList lacking;
            QList<const IndexedParam *> found;
            const bool textSearch = isTextSearch(code);
            // _has:Type:reference:... applies to the types the reference can point at.
            const IndexedParam *hasReference = nullptr;
            if (const QStringList parts = name.split(u':'); code == u"_has"_s && parts.size() >= 4)
                hasReference = d->indexer.param(parts[1], parts[2]);
            for (const QString &t : searched) {
                const IndexedParam *p = code == u"_has"_s ? nullptr : d->indexer.param(t, code);
                if ((code == u"_has"_s
                     && (!hasReference || hasReference->definition->targets.contains(t)))
                    || (p && p->expression) || (textSearch && d->model->searchParameter(t, code)))
                    found.append(p);
                else
                    lacking.append(t);
            }
            if (found.isEmpty()) {
                if (strict)
                    return Error{u"%1 is not a search parameter of any type searched "
                                 "(Prefer: handling=strict)"_s.arg(name.left(100))};
                continue;
            }
            if (!lacking.isEmpty()) {
                if (lenient)
                    continue;
                return badValue(
                    name,
                    u"not a search parameter of %1; a search over several types takes only "
                    "parameters every one of them has (or Prefer: handling=lenient)"_s.arg(
                        lacking.mid(0, 5).join(u", "_s)
                        + (lacking.size() > 5 ? u"..."_s : QString())));
            }
            // One definition shared by every type (the Resource parameters, the clinical
            // ones such as `patient`): one condition over all their index ids.
            bool shared = code != u"_has"_s && !textSearch && !name.contains(u'.');
            QList<qint64> ids;
            for (const IndexedParam *p : std::as_const(found)) {
                shared = shared && p->definition == found.first()->definition;
                if (p)
                    ids.append(p->id);
            }
            if (textSearch) { // the same condition for every type
                sql = d->condition(searched.first(), u"r"_s, name, value, baseUrl, nowMs, &unknown,
                                   true);
            } else if (shared) {
                sql = d->condition(searched.first(), u"r"_s, name, value, baseUrl, nowMs, &unknown,
                                   true, &ids);
            } else {
                Sql any;
                for (const QString &t : searched) {
                    auto one = d->condition(t, u"r"_s, name, value, baseUrl, nowMs, &unknown, true);
                    if (!one)
                        return Error{one.error()};
                    any.append(any.text.isEmpty() ? "((r.type = ? AND " : " OR (r.type = ? AND ");
                    any.bind(t);
                    any.add(*one);
                    any.append(")");
                }
                any.append(")");
                sql = any;
            }
        }
        if (auto bad = andCondition(out, name, value, sql, unknown && strict,
                                    u"%1 is not a search parameter supported by this server "
                                    "(Prefer: handling=strict)"_s.arg(name.left(100))))
            return *bad;
    }
    if (!types.isEmpty())
        out.kept.prepend({u"_type"_s, types.join(u',')});
    return out;
}

Result<Sql> SearchEngine::Private::textCondition(const QByteArray &alias, bool narrative,
                                                 const QString &name, const QString &value)
{
    // Each comma-separated alternative matches when all its words appear, ignoring ASCII case,
    // in the narrative's XHTML (_text) or anywhere in the resource's JSON (_content).
    const QByteArray column = narrative
        ? QByteArray("json_extract(CAST(t.content AS TEXT), '$.text.div')")
        : QByteArray("CAST(t.content AS TEXT)");
    Sql any;
    for (const QString &alternative : splitEscaped(value, u',')) {
        const QStringList words
            = unescape(alternative).simplified().split(u' ', Qt::SkipEmptyParts);
        if (words.isEmpty())
            return badValue(name, u"an empty value"_s);
        any.append(any.text.isEmpty() ? "(" : " OR (");
        for (qsizetype i = 0; i < words.size(); ++i) {
            any.append(QByteArray(i ? " AND " : "") + column + " LIKE ? ESCAPE '\\'");
            any.bind(likeContains(words[i]));
        }
        any.append(")");
    }
    Sql sql;
    sql.append("EXISTS (SELECT 1 FROM resource_version t WHERE t.seq = " + alias + ".seq AND (");
    sql.add(any);
    sql.append("))");
    return sql;
}

Result<Sql> SearchEngine::Private::hasCondition(const QString &type, const QString &alias,
                                                const QString &name, const QString &value,
                                                const QString &baseUrl, qint64 nowMs)
{
    // _has:Observation:patient:code=1234-5: the resources some Observation refers to through
    // its `patient` parameter, among the Observations with code 1234-5.
    const QStringList parts = name.split(u':');
    if (parts.size() < 4 || parts[1].isEmpty() || parts[2].isEmpty() || parts[3].isEmpty())
        return badValue(name, u"_has takes the form _has:Type:reference:parameter"_s);
    constexpr int maxDepth = 4;
    if (hasDepth >= maxDepth)
        return badValue(name, u"_has nests at most %1 deep here"_s.arg(maxDepth));
    const QString &source = parts[1];
    if (!isType(source))
        return badValue(name, u"'%1' is not a resource type"_s.arg(source.left(100)));
    const IndexedParam *reference = indexer.param(source, parts[2]);
    if (!reference || reference->definition->type != SearchParamType::Reference)
        return badValue(name, u"%1 is not a reference parameter of %2"_s.arg(parts[2], source));
    if (!reference->definition->targets.contains(type))
        return badValue(name, u"%1.%2 does not refer to %3"_s.arg(source, parts[2], type));
    const QString inner = u"h"_s + QString::number(hasDepth + 1);
    ++hasDepth;
    bool unknown = false;
    auto condition = this->condition(source, inner, parts.mid(3).join(u':'), value, baseUrl, nowMs,
                                     &unknown, true);
    --hasDepth;
    if (unknown)
        return badValue(name, u"%1 is not a search parameter of %2"_s.arg(parts[3], source));
    if (!condition)
        return condition;
    const QByteArray a = alias.toLatin1();
    const QByteArray h = inner.toLatin1();
    Sql sql;
    sql.append(a
               + ".id IN (SELECT x.target_id FROM idx_reference x WHERE x.param = ?"
                 " AND x.target_type = ? AND x.pk IN (SELECT "
               + h + ".pk FROM resource " + h + " WHERE " + h + ".type = ? AND " + h
               + ".deleted = 0 AND ");
    sql.bind(reference->id);
    sql.bind(type);
    sql.bind(source);
    sql.add(*condition);
    sql.append("))");
    return sql;
}

Result<Sql> SearchEngine::Private::condition(const QString &type, const QString &alias,
                                             const QString &name, const QString &value,
                                             const QString &baseUrl, qint64 nowMs, bool *unknown,
                                             bool allowChain, const QList<qint64> *paramIds)
{
    if (name.startsWith(u"_has:"_s))
        return hasCondition(type, alias, name, value, baseUrl, nowMs);
    const QByteArray a = alias.toLatin1();
    // One level of chaining: subject:Patient.name=peter, subject.name=peter.
    if (const qsizetype dot = name.indexOf(u'.'); dot > 0) {
        const QString head = name.left(dot);
        const QString rest = name.mid(dot + 1);
        const QString code = head.section(u':', 0, 0);
        const QString target = head.section(u':', 1);
        const IndexedParam *p = indexer.param(type, code);
        if (!p) {
            *unknown = true;
            return Sql{};
        }
        if (p->definition->type != SearchParamType::Reference)
            return badValue(name, u"only reference parameters can be chained"_s);
        if (!allowChain)
            return badValue(name, u"this server follows one level of chaining"_s);
        QStringList targets = target.isEmpty() ? p->definition->targets : QStringList{target};
        if (!target.isEmpty() && !p->definition->targets.contains(target))
            return badValue(name, u"%1 is not a target type of %2"_s.arg(target, code));
        Sql any;
        for (const QString &t : std::as_const(targets)) {
            bool innerUnknown = false;
            auto inner = condition(t, u"c"_s, rest, value, baseUrl, nowMs, &innerUnknown, false);
            if (innerUnknown)
                continue;
            if (!inner)
                return inner;
            if (!any.text.isEmpty())
                any.append(" OR ");
            any.append("(x.target_type = ? AND x.target_id IN (SELECT c.id FROM resource c"
                       " WHERE c.type = ? AND c.deleted = 0 AND ");
            any.bind(t);
            any.bind(t);
            any.add(*inner);
            any.append("))");
        }
        if (any.text.isEmpty())
            return badValue(
                name, u"%1 is not a search parameter of the types %2 refers to"_s.arg(rest, code));
        Sql sql;
        sql.append(a + ".pk IN (SELECT x.pk FROM idx_reference x WHERE x.param = ? AND (");
        sql.bind(p->id);
        sql.add(any);
        sql.append("))");
        return sql;
    }

    const QString code = name.section(u':', 0, 0);
    const QString modifier = name.section(u':', 1);
    if (isTextSearch(code)) {
        if (!model->searchParameter(type, code)) {
            *unknown = true;
            return Sql{};
        }
        if (!modifier.isEmpty())
            return badValue(name, u"the modifier :%1 is not supported"_s.arg(modifier));
        return textCondition(a, code == u"_text"_s, name, value);
    }
    if (code == u"_id"_s || code == u"_lastUpdated"_s) {
        if (!modifier.isEmpty() && modifier != u"missing"_s)
            return badValue(name, u"the modifier :%1 is not supported"_s.arg(modifier));
        if (modifier == u"missing"_s) {
            if (value != u"true"_s && value != u"false"_s)
                return badValue(name, u":missing takes true or false"_s);
            return Sql{value == u"true"_s ? "0" : "1", {}};
        }
        Sql sql;
        sql.append("(");
        const QStringList values = splitEscaped(value, u',');
        for (qsizetype i = 0; i < values.size(); ++i) {
            if (i)
                sql.append(" OR ");
            const QString one = unescape(values[i]);
            if (code == u"_id"_s) {
                sql.append(a + ".id = ?");
                sql.bind(one);
                continue;
            }
            const auto [prefix, text] = splitPrefix(one);
            const auto range = parseDate(text);
            if (!range)
                return badValue(
                    name, u"'%1' is not a FHIR date, dateTime or instant"_s.arg(text.left(100)));
            sql.add(dateCondition(prefix, *range, a + ".last_updated",
                                  '(' + a + ".last_updated + 1)", nowMs));
        }
        sql.append(")");
        return sql;
    }
    const IndexedParam *p = indexer.param(type, code);
    if (!p || !p->expression) {
        *unknown = true;
        return Sql{};
    }
    auto sql = valueCondition(*p, modifier, name, value, baseUrl, nowMs, paramIds);
    if (sql)
        sql.value().text.replace("$A", a);
    return sql;
}

Result<Sql> SearchEngine::Private::valueCondition(const IndexedParam &param,
                                                  const QString &modifier, const QString &name,
                                                  const QString &value, const QString &baseUrl,
                                                  qint64 nowMs, const QList<qint64> *paramIds)
{
    const SearchParamType kind = param.definition->type;
    const QByteArray table = tableOf(kind);
    // x.param = ? for one type; x.param IN (?, ...) for one definition over several types.
    Sql paramIs;
    if (paramIds && paramIds->size() > 1) {
        paramIs.append("x.param IN (");
        for (qsizetype i = 0; i < paramIds->size(); ++i) {
            paramIs.append(i ? ", ?" : "?");
            paramIs.bind(paramIds->at(i));
        }
        paramIs.append(")");
    } else {
        paramIs.append("x.param = ?");
        paramIs.bind(param.id);
    }
    if (modifier == u"missing"_s) {
        if (value != u"true"_s && value != u"false"_s)
            return badValue(name, u":missing takes true or false"_s);
        Sql sql;
        sql.append(QByteArray(value == u"true"_s ? "$A.pk NOT IN" : "$A.pk IN")
                   + " (SELECT x.pk FROM " + table + " x WHERE ");
        sql.add(paramIs);
        sql.append(")");
        return sql;
    }
    bool negate = false;
    // Modifiers per type (search.html#modifiers); a target type is a reference's modifier.
    bool supported = modifier.isEmpty();
    switch (kind) {
    case SearchParamType::String:
        supported = supported || modifier == u"exact"_s || modifier == u"contains"_s;
        break;
    case SearchParamType::Token:
        supported = supported || modifier == u"not"_s || modifier == u"text"_s;
        negate = modifier == u"not"_s;
        break;
    case SearchParamType::Reference:
        supported = supported || (isType(modifier) && param.definition->targets.contains(modifier));
        break;
    case SearchParamType::Uri:
        supported = supported || modifier == u"below"_s || modifier == u"above"_s;
        break;
    default:
        break;
    }
    if (!supported)
        return badValue(name,
                        u"the modifier :%1 is not supported for a %2 parameter"_s.arg(
                            modifier, schema::searchParamTypeName(kind)));

    Sql any;
    const QStringList values = splitEscaped(value, u',');
    for (const QString &raw : values) {
        if (raw.isEmpty())
            return badValue(name, u"an empty value"_s);
        auto one = oneValue(param, kind, modifier, name, raw, baseUrl, nowMs);
        if (!one)
            return one;
        if (!any.text.isEmpty())
            any.append(" OR ");
        any.add(*one);
    }
    Sql sql;
    sql.append(QByteArray(negate ? "$A.pk NOT IN" : "$A.pk IN") + " (SELECT x.pk FROM " + table
               + " x WHERE ");
    sql.add(paramIs);
    sql.append(" AND (");
    sql.add(any);
    sql.append("))");
    return sql;
}

Result<Sql> SearchEngine::Private::oneValue(const IndexedParam &param, SearchParamType kind,
                                            const QString &modifier, const QString &name,
                                            const QString &raw, const QString &baseUrl,
                                            qint64 nowMs)
{
    Sql one;
    switch (kind) {
    case SearchParamType::String: {
        const QString text = unescape(raw);
        if (modifier == u"exact"_s) {
            one.append("x.exact = ?");
            one.bind(text);
        } else if (modifier == u"contains"_s) {
            one.append("x.norm LIKE ? ESCAPE '\\'");
            one.bind(likeContains(normalizeString(text)));
        } else {
            const QString norm = normalizeString(text);
            one.append("(x.norm >= ? AND x.norm < ?)");
            one.bind(norm);
            one.bind(prefixEnd(norm));
        }
        break;
    }
    case SearchParamType::Token: {
        if (modifier == u"text"_s) {
            const QString norm = normalizeString(unescape(raw));
            one.append("(x.text >= ? AND x.text < ?)");
            one.bind(norm);
            one.bind(prefixEnd(norm));
            break;
        }
        const QStringList parts = splitEscaped(raw, u'|');
        if (parts.size() > 2)
            return badValue(name, u"a token is [system|]code"_s);
        if (parts.size() == 1) {
            one.append("x.code = ?");
            one.bind(unescape(parts[0]));
        } else if (parts[0].isEmpty()) {
            one.append("(x.system IS NULL AND x.code = ?)");
            one.bind(unescape(parts[1]));
        } else if (parts[1].isEmpty()) {
            one.append("x.system = ?");
            one.bind(unescape(parts[0]));
        } else {
            one.append("(x.code = ? AND x.system = ?)");
            one.bind(unescape(parts[1]));
            one.bind(unescape(parts[0]));
        }
        break;
    }
    case SearchParamType::Date: {
        const auto [prefix, text] = splitPrefix(unescape(raw));
        const auto range = parseDate(text);
        if (!range)
            return badValue(name,
                            u"'%1' is not a FHIR date, dateTime or instant"_s.arg(text.left(100)));
        one = dateCondition(prefix, *range, "x.low", "x.high", nowMs);
        break;
    }
    case SearchParamType::Number: {
        const auto [prefix, text] = splitPrefix(unescape(raw));
        const auto sql = numberCondition(prefix, text, "x.value");
        if (!sql)
            return badValue(name, u"'%1' is not a number"_s.arg(text.left(100)));
        one = *sql;
        break;
    }
    case SearchParamType::Quantity: {
        const QStringList parts = splitEscaped(raw, u'|');
        if (parts.size() != 1 && parts.size() != 3)
            return badValue(name, u"a quantity is [prefix]number[|system|code]"_s);
        const auto [prefix, text] = splitPrefix(unescape(parts[0]));
        const auto sql = numberCondition(prefix, text, "x.value");
        if (!sql)
            return badValue(name, u"'%1' is not a number"_s.arg(text.left(100)));
        one.append("(");
        one.add(*sql);
        if (parts.size() == 3) {
            const QString system = unescape(parts[1]);
            const QString code = unescape(parts[2]);
            if (!system.isEmpty()) {
                one.append(" AND x.system = ?");
                one.bind(system);
            }
            if (!code.isEmpty()) {
                // Without a system, the code may match the unit (search.html#quantity).
                one.append(system.isEmpty() ? " AND (x.code = ? OR x.unit = ?)"
                                            : " AND x.code = ?");
                one.bind(code);
                if (system.isEmpty())
                    one.bind(code);
            }
        }
        one.append(")");
        break;
    }
    case SearchParamType::Reference: {
        QString ref = unescape(raw);
        if (ref.startsWith(baseUrl + u'/'))
            ref = ref.mid(baseUrl.size() + 1);
        if (!modifier.isEmpty()) {
            if (ref.contains(u'/'))
                return badValue(name, u"with a type modifier the value is an id"_s);
            ref = modifier + u'/' + ref;
        }
        if (ref.contains(u':')) { // absolute, elsewhere
            one.append("x.url = ?");
            one.bind(ref);
        } else if (ref.contains(u'/')) {
            const auto parts = parseReference(ref, [this](const QString &t) { return isType(t); });
            if (!parts || parts->type.isEmpty())
                return badValue(name, u"'%1' is not Type/id"_s.arg(ref.left(100)));
            one.append("(x.target_id = ? AND x.target_type = ?)");
            one.bind(parts->id);
            one.bind(parts->type);
        } else {
            one.append("x.target_id = ?");
            one.bind(ref);
        }
        break;
    }
    case SearchParamType::Uri: {
        const QString uri = unescape(raw);
        if (modifier == u"below"_s) {
            one.append("(x.uri >= ? AND x.uri < ?)");
            one.bind(uri);
            one.bind(prefixEnd(uri));
        } else if (modifier == u"above"_s) {
            one.append("x.uri = substr(?, 1, length(x.uri))");
            one.bind(uri);
        } else {
            one.append("x.uri = ?");
            one.bind(uri);
        }
        break;
    }
    case SearchParamType::Composite: {
        // search.html#composite: the values of the components joined by $, matched within
        // one group (the element the composite reads them from): component 0 over x, the
        // others over rows of the same group.
        const QStringList parts = splitEscaped(raw, u'$');
        const QList<schema::SearchComponent> &components = param.definition->components;
        if (parts.size() != components.size() || components.size() != param.components.size())
            return badValue(name, u"a value of %1 components joined by $"_s.arg(components.size()));
        for (qsizetype k = 0; k < parts.size(); ++k) {
            const SearchParamType partKind = components[k].type;
            if (partKind == SearchParamType::Composite || partKind == SearchParamType::Special
                || parts[k].isEmpty())
                return badValue(name, u"component %1 cannot be searched"_s.arg(k + 1));
            auto part = oneValue(param, partKind, {}, name, parts[k], baseUrl, nowMs);
            if (!part)
                return part;
            if (k == 0) {
                one.append("(x.part = 0 AND ");
                one.add(*part);
                continue;
            }
            const QByteArray y = 'y' + QByteArray::number(k);
            QByteArray text = part->text;
            text.replace("x.", QByteArray(y + '.'));
            one.append(" AND EXISTS (SELECT 1 FROM idx_composite " + y + " WHERE " + y
                       + ".pk = x.pk AND " + y + ".param = x.param AND " + y + ".grp = x.grp AND "
                       + y + ".part = ? AND ");
            one.bind(qint64(k));
            one.append(text);
            one.values += part->values;
            one.append(")");
        }
        one.append(")");
        break;
    }
    case SearchParamType::Special:
        return badValue(name, u"not supported"_s);
    }
    return one;
}

Result<ResultOptions> SearchEngine::resultOptions(const QString &type, const QueryItems &params,
                                                  const SearchLimits &limits)
{
    return resultOptions(QStringList{type}, params, limits);
}

Result<ResultOptions> SearchEngine::resultOptions(const QStringList &types,
                                                  const QueryItems &params,
                                                  const SearchLimits &limits)
{
    const QString type = types.size() == 1 ? types.first() : QString();
    ResultOptions out;
    out.count = limits.defaultCount;
    QByteArray order;
    for (const auto &[name, value] : params) {
        if (name == u"_count"_s || name == u"_offset"_s) {
            bool ok = false;
            const qint64 number = value.toLongLong(&ok);
            if (!ok || number < 0)
                return badValue(name, u"a whole number of 0 or more"_s);
            if (name == u"_offset"_s) {
                out.offset = number;
            } else if (number > limits.maxCount) {
                return badValue(
                    name,
                    u"%1 is over this server's limit of %2"_s.arg(number).arg(limits.maxCount));
            } else {
                out.count = number;
            }
            continue;
        }
        if (name == u"_sort"_s) {
            for (QString key : value.split(u',')) {
                const bool descending = key.startsWith(u'-');
                if (descending)
                    key.remove(0, 1);
                const QByteArray direction = descending ? " DESC" : " ASC";
                if (!order.isEmpty())
                    order += ", ";
                if (key == u"_id"_s) {
                    order += "r.id" + direction;
                } else if (key == u"_lastUpdated"_s) {
                    order += "r.last_updated" + direction;
                } else if (type.isEmpty()) {
                    return badValue(name,
                                    u"a search over several types sorts by _id or "
                                    "_lastUpdated only"_s);
                } else {
                    const IndexedParam *p = d->indexer.param(type, key);
                    if (!p)
                        return badValue(
                            name, u"%1 is not a search parameter of %2"_s.arg(key.left(100), type));
                    const QByteArray column = sortColumnOf(p->definition->type, descending);
                    if (column.isEmpty())
                        return badValue(name,
                                        u"%1 is a %2 parameter: it cannot sort"_s.arg(
                                            key, schema::searchParamTypeName(p->definition->type)));
                    // +s.param: SQLite would otherwise read the value index (param, ...) from
                    // the parameter's first row for each resource; the key (pk, ...) finds the
                    // resource's few rows.
                    order += "(SELECT " + QByteArray(descending ? "MAX" : "MIN") + "(s." + column
                        + ") FROM " + tableOf(p->definition->type)
                        + " s WHERE s.pk = r.pk AND +s.param = ?)" + direction;
                    out.orderValues.append(p->id);
                }
            }
            out.kept.append({name, value});
        } else if (name == u"_total"_s) {
            if (value == u"none"_s)
                out.total = Total::None;
            else if (value == u"estimate"_s)
                out.total = Total::Estimate;
            else if (value == u"accurate"_s)
                out.total = Total::Accurate;
            else
                return badValue(name, u"none, estimate or accurate"_s);
            out.kept.append({name, value});
        } else if (name == u"_summary"_s) {
            static const QHash<QString, Summary> kinds = {{u"true"_s, Summary::True},
                                                          {u"text"_s, Summary::Text},
                                                          {u"data"_s, Summary::Data},
                                                          {u"count"_s, Summary::Count},
                                                          {u"false"_s, Summary::False}};
            const auto it = kinds.constFind(value);
            if (it == kinds.cend())
                return badValue(name, u"true, text, data, count or false"_s);
            out.summary = *it;
            out.kept.append({name, value});
        } else if (name == u"_elements"_s) {
            for (const QString &element : value.split(u',')) {
                const QString trimmed = element.trimmed();
                if (!trimmed.isEmpty())
                    out.elements.append(trimmed.section(u'.', -1)); // "Patient.name" or "name"
            }
            out.kept.append({name, value});
        } else if (name.section(u':', 0, 0) == u"_include"_s
                   || name.section(u':', 0, 0) == u"_revinclude"_s) {
            const bool reverse = name.section(u':', 0, 0) == u"_revinclude"_s;
            // :iterate (R4), or :recurse as R3 named it: follow from included resources too.
            const QString modifier = name.section(u':', 1);
            const bool iterate = modifier == u"iterate"_s || modifier == u"recurse"_s;
            if (!modifier.isEmpty() && !iterate)
                return badValue(name, u"the modifier :%1 is not :iterate"_s.arg(modifier));
            const QStringList parts = value.split(u':');
            if (parts.size() < 2 || parts.size() > 3)
                return badValue(name, u"Type:parameter[:targetType]"_s);
            const QString &source = parts[0];
            if (!reverse && !iterate && !types.isEmpty() && !types.contains(source))
                return badValue(
                    name, u"_include starts at a searched type (%1)"_s.arg(types.join(u", "_s)));
            if (!d->isType(source))
                return badValue(name, u"'%1' is not a resource type"_s.arg(source.left(100)));
            QList<const IndexedParam *> chosen;
            if (parts[1] == u"*"_s) {
                for (const IndexedParam *p : d->indexer.params(source)) {
                    if (p->definition->type == SearchParamType::Reference)
                        chosen.append(p);
                }
            } else {
                const IndexedParam *p = d->indexer.param(source, parts[1]);
                if (!p || p->definition->type != SearchParamType::Reference)
                    return badValue(
                        name,
                        u"%1 is not a reference parameter of %2"_s.arg(parts[1].left(100), source));
                chosen.append(p);
            }
            const QString target = parts.value(2);
            if (!target.isEmpty() && !d->isType(target))
                return badValue(name, u"'%1' is not a resource type"_s.arg(target.left(100)));
            if (reverse && !iterate && !target.isEmpty() && !types.isEmpty()
                && !types.contains(target))
                continue; // points at another type: includes nothing here
            for (const IndexedParam *p : std::as_const(chosen)) {
                Include include{p, p->id, source, target.isEmpty() ? QString() : target, iterate};
                (reverse ? out.revincludes : out.includes).append(include);
            }
            out.kept.append({name, value});
        }
    }
    if (out.includes.size() + out.revincludes.size() > 50)
        return Error{u"more than 50 includes"_s};
    // Over several types, (type, id) is the order the resource table's unique index keeps.
    const QByteArray tieBreak = type.isEmpty() ? "r.type, r.id" : "r.id";
    out.orderBy = order.isEmpty() ? tieBreak : order + ", " + tieBreak;
    return out;
}

Result<QList<StoredVersion>>
SearchEngine::Private::select(const QByteArray &sql, const QList<SqlValue> &values, bool cached)
{
    auto stmt = store.prepare(sql, cached);
    if (!stmt)
        return Error{stmt.error()};
    bindAll(stmt.value(), values);
    return store.versions(stmt.value());
}

// SQL texts depend only on the shape of a search (values are bound), but shapes vary: only
// the simple, common ones stay prepared.
static bool worthCaching(const Criteria &criteria)
{
    return criteria.conditions <= 3 && criteria.values.size() <= 12;
}

Result<SearchPage> SearchEngine::run(const Criteria &criteria, const ResultOptions &options)
{
    SearchPage page;
    const bool cached = worthCaching(criteria);
    if (options.total != Total::None || options.count == 0) {
        auto count
            = d->store.prepare("SELECT COUNT(*) FROM resource r WHERE " + criteria.where, cached);
        if (!count)
            return Error{count.error()};
        bindAll(count.value(), criteria.values);
        if (count.value().step() != SQLITE_ROW)
            return Error{u"search: "_s + d->store.lastError()};
        page.total = count.value().int64(0);
    }
    if (options.count == 0)
        return page;
    // The page is chosen on the resource table alone (a type without criteria is walked in
    // id order and stops at the page's end); then only its rows read their content.
    QList<SqlValue> values = criteria.values + options.orderValues;
    values.append(options.count + 1); // one more tells whether a next page exists
    values.append(options.offset);
    auto pks = d->store.prepare("SELECT r.pk FROM resource r WHERE " + criteria.where + " ORDER BY "
                                    + options.orderBy + " LIMIT ? OFFSET ?",
                                cached && options.orderValues.size() <= 3);
    if (!pks)
        return Error{pks.error()};
    bindAll(pks.value(), values);
    QList<qint64> order;
    int rc;
    while ((rc = pks.value().step()) == SQLITE_ROW)
        order.append(pks.value().int64(0));
    if (rc != SQLITE_DONE)
        return Error{u"search: "_s + d->store.lastError()};
    for (const qint64 pk : std::as_const(order)) {
        auto row = d->select("SELECT " + Store::versionColumns()
                                 + " FROM resource r JOIN resource_version v ON v.seq = r.seq"
                                   " WHERE r.pk = ?",
                             {pk}, true);
        if (!row)
            return Error{row.error()};
        page.matches += *row;
    }
    page.more = page.matches.size() > options.count;
    if (page.more)
        page.matches.removeLast();
    if (auto ok = d->addIncludes(options, page); !ok)
        return Error{ok.error()};
    return page;
}

Result<bool> SearchEngine::Private::addIncludes(const ResultOptions &options, SearchPage &page)
{
    if (options.includes.isEmpty() && options.revincludes.isEmpty())
        return true;
    QSet<qint64> seen;
    for (const StoredVersion &v : std::as_const(page.matches))
        seen.insert(v.pk);
    auto keep = [&](QList<StoredVersion> rows) {
        for (StoredVersion &v : rows) {
            if (!seen.contains(v.pk)) {
                seen.insert(v.pk);
                page.included.append(std::move(v));
            }
        }
    };
    const QByteArray resourceOf = "SELECT " + Store::versionColumns()
        + " FROM resource r JOIN resource_version v ON v.seq = r.seq WHERE r.deleted = 0 AND ";
    // search.html#revinclude: the :iterate ones go on from what was included, until nothing
    // new comes; bounded so that a dense graph cannot make one page unbounded.
    constexpr int maxRounds = 10;
    QList<StoredVersion> from = page.matches;
    for (int round = 0; round < maxRounds && !from.isEmpty(); ++round) {
        const qsizetype before = page.included.size();
        if (auto ok = includeRound(from, options, round > 0, resourceOf, keep); !ok)
            return ok;
        if (page.included.size() >= maxIncludedPerPage)
            break;
        from = page.included.mid(before);
    }
    return true;
}

Result<bool>
SearchEngine::Private::includeRound(const QList<StoredVersion> &from, const ResultOptions &options,
                                    bool iteratedOnly, const QByteArray &resourceOf,
                                    const std::function<void(QList<StoredVersion>)> &keep)
{
    // What the caller may read (ResultOptions::includeAccess), checked on every included row.
    Sql access;
    if (!options.includeAccess.isEmpty()) {
        access.append(" AND (" + options.includeAccess + ')');
        access.values = options.includeAccessValues;
    }
    for (const StoredVersion &match : from) {
        for (const Include &include : options.includes) {
            if ((iteratedOnly && !include.iterate) || include.sourceType != match.type)
                continue;
            auto rows = select(
                resourceOf
                    + "(r.type, r.id) IN (SELECT x.target_type, x.target_id"
                      " FROM idx_reference x WHERE x.pk = ? AND x.param = ?"
                      " AND (? IS NULL OR x.target_type = ?))"
                    + access.text,
                QList<SqlValue>{match.pk, include.paramId, include.targetType, include.targetType}
                    + access.values,
                true);
            if (!rows)
                return Error{rows.error()};
            keep(std::move(rows).value());
        }
        for (const Include &include : options.revincludes) {
            if ((iteratedOnly && !include.iterate)
                || (!include.targetType.isEmpty() && include.targetType != match.type))
                continue;
            auto rows = select(
                resourceOf
                    + "r.pk IN (SELECT x.pk FROM idx_reference x"
                      " WHERE x.target_id = ? AND x.target_type = ?"
                      " AND x.param = ?)"
                    + access.text,
                QList<SqlValue>{match.id, match.type, include.paramId} + access.values, true);
            if (!rows)
                return Error{rows.error()};
            keep(std::move(rows).value());
        }
    }
    return true;
}

Result<QList<StoredVersion>> SearchEngine::matches(const Criteria &criteria, qint64 limit)
{
    QList<SqlValue> values = criteria.values;
    values.append(limit);
    return d->select("SELECT " + Store::versionColumns()
                         + " FROM resource r JOIN resource_version v ON v.seq = r.seq WHERE "
                         + criteria.where + " LIMIT ?",
                     values, worthCaching(criteria));
}

Result<SearchPage> SearchEngine::everything(const QString &patientId,
                                            const EverythingFilter &filter, qint64 count,
                                            qint64 offset)
{
    // The parameters that put a resource in the Patient compartment, by id.
    QList<SqlValue> values;
    if (!patientId.isEmpty())
        values = {patientId, patientId};
    QByteArray params;
    for (const QString &type : d->model->patientCompartmentTypes()) {
        for (const QString &code : d->model->patientCompartmentParams(type)) {
            if (const IndexedParam *p = d->indexer.param(type, code)) {
                params += params.isEmpty() ? "?" : ", ?";
                values.append(p->id);
            }
        }
    }
    if (params.isEmpty())
        params = "NULL";
    // Type level: every Patient, and what refers to one that exists, each once.
    QByteArray where;
    if (patientId.isEmpty())
        where = "r.deleted = 0 AND (r.type = 'Patient' OR r.pk IN (SELECT x.pk FROM idx_reference x"
                " WHERE x.target_type = 'Patient' AND x.target_id IN (SELECT p.id FROM resource p"
                " WHERE p.type = 'Patient' AND p.deleted = 0) AND x.param IN ("
            + params + ")))";
    else
        where = "r.deleted = 0 AND ((r.type = 'Patient' AND r.id = ?) OR r.pk IN"
                " (SELECT x.pk FROM idx_reference x WHERE x.target_id = ?"
                " AND x.target_type = 'Patient' AND x.param IN ("
            + params + ")))";
    // What _since and _type keep, of the compartment and of what it refers to.
    Sql kept;
    if (filter.sinceMs) {
        kept.append(" AND r.last_updated >= ?");
        kept.bind(*filter.sinceMs);
    }
    if (!filter.types.isEmpty()) {
        kept.append(" AND r.type IN (" + placeholders(filter.types.size()) + ')');
        for (const QString &type : filter.types)
            kept.bind(type);
    }
    // What the caller may read: of the compartment, and of what it refers to.
    if (!filter.access.isEmpty()) {
        kept.append(" AND (" + filter.access + ')');
        kept.values += filter.accessValues;
    }
    where += kept.text;
    values += kept.values;
    if (filter.care) {
        // The parameter every R4 server shares for a resource's care date.
        static const QString clinicalDate = u"http://hl7.org/fhir/SearchParameter/clinical-date"_s;
        QList<SqlValue> dated;
        QList<SqlValue> params;
        for (const QString &type : d->model->patientCompartmentTypes()) {
            const IndexedParam *p = d->indexer.param(type, u"date"_s);
            if (p && p->definition->url == clinicalDate) {
                dated.append(type);
                params.append(p->id);
            }
        }
        if (!dated.isEmpty()) {
            // Stored ranges are [low, high): they overlap the care range when each starts
            // before the other ends.
            where += " AND (r.type NOT IN (" + placeholders(dated.size())
                + ") OR EXISTS (SELECT 1 FROM idx_date c WHERE c.pk = r.pk AND c.param IN ("
                + placeholders(params.size()) + ") AND c.low < ? AND c.high > ?))";
            values += dated;
            values += params;
            values.append(filter.care->high);
            values.append(filter.care->low);
        }
    }
    // The Patient first, then the rest by type and id; as any search, the page is chosen on
    // the resource table before its rows' content is read.
    Criteria criteria;
    criteria.where = where;
    criteria.values = values;
    ResultOptions options;
    options.count = count;
    options.offset = offset;
    options.orderBy = "r.type <> 'Patient', r.type, r.id";
    auto result = run(criteria, options);
    if (!result)
        return result;
    if (auto ok = d->includeReferenced(result.value(), kept); !ok)
        return Error{ok.error()};
    return result;
}

Result<bool> SearchEngine::Private::includeReferenced(SearchPage &page, const Sql &kept)
{
    // The server SHOULD also return what these resources refer to (a Practitioner, an
    // Organization, a Medication): included, once per page, as _include would, of the kept
    // types and _since. Patients are left out: each is an answer of its own.
    const QByteArray referenced = "SELECT " + Store::versionColumns()
        + " FROM resource r JOIN resource_version v ON v.seq = r.seq WHERE r.deleted = 0"
          " AND r.type <> 'Patient' AND (r.type, r.id) IN (SELECT x.target_type, x.target_id"
          " FROM idx_reference x WHERE x.pk = ? AND x.target_type IS NOT NULL)"
        + kept.text;
    QSet<qint64> seen;
    for (const StoredVersion &v : std::as_const(page.matches))
        seen.insert(v.pk);
    for (const StoredVersion &match : std::as_const(page.matches)) {
        if (page.included.size() >= maxIncludedPerPage)
            break;
        auto rows = select(referenced, QList<SqlValue>{match.pk} + kept.values, true);
        if (!rows)
            return Error{rows.error()};
        for (StoredVersion &row : rows.value()) {
            if (!seen.contains(row.pk)) {
                seen.insert(row.pk);
                page.included.append(std::move(row));
            }
        }
    }
    return true;
}

} // namespace fhir::server::search
