// The FHIRPath evaluator: operators, functions and FHIR navigation over nlohmann JSON.

#include "schemas/fhirpath/ast.h"
#include "schemas/fhirpath/fhirpath.h"
#include "schemas/fhirpath/modelindex.h"
#include "schemas/fhirpath/parser.h"
#include "schemas/model.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QSet>

#include <cmath>
#include <limits>

using namespace Qt::StringLiterals;
using nlohmann::json;

namespace fhir::fhirpath {

namespace {

constexpr int kMaxDepth = 400; // evaluation nesting
constexpr qsizetype kMaxItems = 100000; // repeat()/descendants() output bound
constexpr int kMaxDecimalScale = 8;

#define TRY(var, expr)                                                                             \
    auto var##_result = (expr);                                                                    \
    if (!var##_result)                                                                             \
        return Error{var##_result.error()};                                                        \
    auto var = std::move(var##_result).value()

Error errorAt(const Node &node, const QString &message)
{
    return Error{u"%1:%2: %3"_s.arg(node.line).arg(node.column).arg(message)};
}

// --- numbers ---

double roundTo(double v, int scale)
{
    const double p = std::pow(10.0, scale);
    return std::round(v * p) / p;
}

Decimal toDecimal(const Item &i)
{
    return i.kind() == Item::Kind::Integer ? Decimal{double(i.asInteger()), 0} : i.asDecimal();
}

bool isNumber(const Item &i)
{
    return i.kind() == Item::Kind::Integer || i.kind() == Item::Kind::Decimal;
}

bool isTemporal(const Item &i)
{
    return i.kind() == Item::Kind::Date || i.kind() == Item::Kind::DateTime
        || i.kind() == Item::Kind::Time;
}

int compareDecimals(Decimal a, Decimal b, int scale)
{
    const double x = roundTo(a.value, scale), y = roundTo(b.value, scale);
    return x < y ? -1 : (x > y ? 1 : 0);
}

// A whole double as an Integer; empty when it does not fit.
Collection integerOf(double v)
{
    if (!(std::abs(v) < 9.2e18))
        return Collection{};
    return Collection{Item::integer(qint64(v))};
}

Decimal clampScale(double v, int scale)
{
    scale = std::clamp(scale, 0, kMaxDecimalScale);
    return {roundTo(v, scale), scale};
}

// --- dates and times ---

// Normalizes a date/time with a timezone to UTC, so comparisons line up.
PartialDateTime normalized(const PartialDateTime &v)
{
    if (!v.tzMinutes || *v.tzMinutes == 0 || v.precision < PartialDateTime::Hour)
        return v;
    QDateTime dt(QDate(v.year, v.month, v.day), QTime(v.hour, v.minute, v.second, v.millisecond),
                 Qt::OffsetFromUTC, *v.tzMinutes * 60);
    dt = dt.toUTC();
    PartialDateTime out = v;
    out.year = dt.date().year();
    out.month = dt.date().month();
    out.day = dt.date().day();
    out.hour = dt.time().hour();
    out.minute = dt.time().minute();
    out.tzMinutes = 0;
    return out;
}

// Compares component by component; empty when the precisions differ and the known parts are
// equal (seconds and milliseconds count as one precision).
std::optional<int> compareTemporal(const PartialDateTime &l, const PartialDateTime &r,
                                   bool timeOnly)
{
    const PartialDateTime a = normalized(l), b = normalized(r);
    auto precision = [](PartialDateTime::Precision p) {
        return p == PartialDateTime::Millisecond ? PartialDateTime::Second : p;
    };
    const int pa = precision(a.precision), pb = precision(b.precision);
    const int first = timeOnly ? PartialDateTime::Hour : PartialDateTime::Year;
    const int common = std::min(pa, pb);
    const int av[] = {a.year, a.month, a.day, a.hour, a.minute, a.second * 1000 + a.millisecond};
    const int bv[] = {b.year, b.month, b.day, b.hour, b.minute, b.second * 1000 + b.millisecond};
    for (int p = first; p <= common; ++p) {
        if (av[p] != bv[p])
            return av[p] < bv[p] ? -1 : 1;
    }
    if (pa != pb)
        return std::nullopt;
    return 0;
}

// --- quantities ---

struct UnitInfo
{
    QString canonical;
    double factor = 1; // to the canonical unit
};

// Calendar words and the simple UCUM units this engine converts between.
std::optional<UnitInfo> unitInfo(const QString &unit)
{
    static const QHash<QString, UnitInfo> units = {
        {u"1"_s, {u"1"_s, 1}},           {u"g"_s, {u"g"_s, 1}},
        {u"kg"_s, {u"g"_s, 1000}},       {u"mg"_s, {u"g"_s, 1e-3}},
        {u"ug"_s, {u"g"_s, 1e-6}},       {u"[lb_av]"_s, {u"g"_s, 453.59237}},
        {u"m"_s, {u"m"_s, 1}},           {u"km"_s, {u"m"_s, 1000}},
        {u"cm"_s, {u"m"_s, 0.01}},       {u"mm"_s, {u"m"_s, 0.001}},
        {u"[in_i]"_s, {u"m"_s, 0.0254}}, {u"L"_s, {u"L"_s, 1}},
        {u"l"_s, {u"L"_s, 1}},           {u"dL"_s, {u"L"_s, 0.1}},
        {u"mL"_s, {u"L"_s, 0.001}},      {u"ms"_s, {u"s"_s, 0.001}},
        {u"s"_s, {u"s"_s, 1}},           {u"min"_s, {u"s"_s, 60}},
        {u"h"_s, {u"s"_s, 3600}},        {u"d"_s, {u"s"_s, 86400}},
        {u"wk"_s, {u"s"_s, 604800}},     {u"mo"_s, {u"mo"_s, 1}},
        {u"a"_s, {u"a"_s, 1}},           {u"millisecond"_s, {u"s"_s, 0.001}},
        {u"second"_s, {u"s"_s, 1}},      {u"minute"_s, {u"s"_s, 60}},
        {u"hour"_s, {u"s"_s, 3600}},     {u"day"_s, {u"s"_s, 86400}},
        {u"week"_s, {u"s"_s, 604800}},   {u"month"_s, {u"month"_s, 1}},
        {u"year"_s, {u"year"_s, 1}},
    };
    QString u = unit;
    if (u.size() > 3 && u.endsWith(u's') && units.contains(u.chopped(1)))
        u.chop(1);
    const auto it = units.constFind(u);
    if (it == units.cend())
        return std::nullopt;
    return *it;
}

QString singularCalendar(const QString &unit)
{
    static const QStringList words = {u"years"_s, u"months"_s,  u"weeks"_s,   u"days"_s,
                                      u"hours"_s, u"minutes"_s, u"seconds"_s, u"milliseconds"_s};
    return words.contains(unit) ? unit.chopped(1) : unit;
}

// Both quantities in one unit, or nothing when they cannot be compared.
std::optional<std::pair<double, double>> commonUnits(const Quantity &a, const Quantity &b,
                                                     bool equivalence)
{
    const QString ua = singularCalendar(a.unit), ub = singularCalendar(b.unit);
    if (ua == ub)
        return std::pair{a.value.value, b.value.value};
    // year ~ 'a' and month ~ 'mo' are equivalent, not equal (the spec's calendar rule).
    if (equivalence
        && ((ua == "year"_L1 && ub == "a"_L1) || (ua == "a"_L1 && ub == "year"_L1)
            || (ua == "month"_L1 && ub == "mo"_L1) || (ua == "mo"_L1 && ub == "month"_L1)))
        return std::pair{a.value.value, b.value.value};
    const auto ia = unitInfo(ua), ib = unitInfo(ub);
    if (!ia || !ib || ia->canonical != ib->canonical)
        return std::nullopt;
    return std::pair{a.value.value * ia->factor, b.value.value * ib->factor};
}

// --- collections ---

std::optional<bool> singletonBool(const Collection &c, bool *error)
{
    if (c.isEmpty())
        return std::nullopt;
    if (c.size() > 1) {
        *error = true;
        return std::nullopt;
    }
    const Item v = c.first().toSystem();
    if (v.kind() == Item::Kind::Boolean)
        return v.asBool();
    return true; // a single non-Boolean item counts as true
}

Collection boolResult(std::optional<bool> b)
{
    return b ? Collection{Item::boolean(*b)} : Collection{};
}

// An untyped JSON string (no model) compared with a date or time: read it as one.
Item coerceTo(const Item &s, const Item &other)
{
    if (s.kind() != Item::Kind::String || !isTemporal(other))
        return s;
    std::optional<PartialDateTime> v;
    switch (other.kind()) {
    case Item::Kind::Date:
        if ((v = PartialDateTime::parseDate(s.asString())))
            return Item::date(*v);
        if ((v = PartialDateTime::parseDateTime(s.asString())))
            return Item::dateTime(*v);
        break;
    case Item::Kind::DateTime:
        if ((v = PartialDateTime::parseDateTime(s.asString())))
            return Item::dateTime(*v);
        break;
    case Item::Kind::Time:
        if ((v = PartialDateTime::parseTime(s.asString())))
            return Item::time(*v);
        break;
    default:
        break;
    }
    return s;
}

std::optional<int> compareTemporalItems(const Item &a, const Item &b)
{
    const bool aTime = a.kind() == Item::Kind::Time, bTime = b.kind() == Item::Kind::Time;
    if (aTime != bTime)
        return std::nullopt;
    return compareTemporal(a.asDateTime(), b.asDateTime(), aTime);
}

QString normalizedWhitespace(const QString &s)
{
    return s.simplified().toLower();
}

// Item equality (=): empty when it cannot be decided.
std::optional<bool> itemEquals(const Item &x, const Item &y)
{
    Item a = x.toSystem(), b = y.toSystem();
    if (a.isNode() || b.isNode()) {
        if (x.isNode() && y.isNode() && x.json() && y.json() && !a.json() && !b.json() && a.isNode()
            && b.isNode())
            return *x.json() == *y.json();
        if (a.isNode() && b.isNode() && x.json() && y.json())
            return *x.json() == *y.json();
        return false;
    }
    a = coerceTo(a, b);
    b = coerceTo(b, a);
    if (isNumber(a) && isNumber(b)) {
        const Decimal da = toDecimal(a), db = toDecimal(b);
        return compareDecimals(da, db, std::max(da.scale, db.scale)) == 0;
    }
    if (isTemporal(a) && isTemporal(b)) {
        const auto c = compareTemporalItems(a, b);
        if (!c)
            return (a.kind() == Item::Kind::Time) != (b.kind() == Item::Kind::Time)
                ? std::optional<bool>(false)
                : std::nullopt;
        return *c == 0;
    }
    if (a.kind() != b.kind())
        return false;
    switch (a.kind()) {
    case Item::Kind::Boolean:
        return a.asBool() == b.asBool();
    case Item::Kind::String:
        return a.asString() == b.asString();
    case Item::Kind::Quantity: {
        const auto v = commonUnits(a.asQuantity(), b.asQuantity(), false);
        if (!v)
            return std::nullopt;
        const int scale = std::max(a.asQuantity().value.scale, b.asQuantity().value.scale);
        return compareDecimals({v->first, 0}, {v->second, 0}, scale) == 0;
    }
    default:
        return false;
    }
}

bool itemEquivalent(const Item &x, const Item &y)
{
    Item a = x.toSystem(), b = y.toSystem();
    if (a.isNode() || b.isNode()) {
        if (x.json() && y.json())
            return *x.json() == *y.json();
        return false;
    }
    a = coerceTo(a, b);
    b = coerceTo(b, a);
    if (isNumber(a) && isNumber(b)) {
        const Decimal da = toDecimal(a), db = toDecimal(b);
        return compareDecimals(da, db, std::min(da.scale, db.scale)) == 0;
    }
    if (isTemporal(a) && isTemporal(b)) {
        const auto c = compareTemporalItems(a, b);
        return c && *c == 0;
    }
    if (a.kind() != b.kind())
        return false;
    switch (a.kind()) {
    case Item::Kind::Boolean:
        return a.asBool() == b.asBool();
    case Item::Kind::String:
        return normalizedWhitespace(a.asString()) == normalizedWhitespace(b.asString());
    case Item::Kind::Quantity: {
        const auto v = commonUnits(a.asQuantity(), b.asQuantity(), true);
        if (!v)
            return false;
        const int scale = std::min(a.asQuantity().value.scale, b.asQuantity().value.scale);
        return compareDecimals({v->first, 0}, {v->second, 0}, scale) == 0;
    }
    default:
        return false;
    }
}

std::optional<bool> collectionEquals(const Collection &a, const Collection &b)
{
    if (a.isEmpty() || b.isEmpty())
        return std::nullopt;
    if (a.size() != b.size())
        return false;
    bool unknown = false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        const auto e = itemEquals(a.at(i), b.at(i));
        if (!e)
            unknown = true;
        else if (!*e)
            return false;
    }
    if (unknown)
        return std::nullopt;
    return true;
}

bool collectionEquivalent(const Collection &a, const Collection &b)
{
    if (a.size() != b.size())
        return false;
    QList<bool> used(b.size(), false);
    for (const Item &x : a) {
        bool found = false;
        for (qsizetype j = 0; j < b.size(); ++j) {
            if (!used[j] && itemEquivalent(x, b.at(j))) {
                used[j] = true;
                found = true;
                break;
            }
        }
        if (!found)
            return false;
    }
    return true;
}

bool contains(const Collection &c, const Item &item)
{
    for (const Item &x : c) {
        const auto e = itemEquals(x, item);
        if (e && *e)
            return true;
    }
    return false;
}

// A key equal for items that are equal (=), for linear-time distinct/union/repeat on large
// collections. Complex nodes are keyed by their JSON, or by address when `byAddress`.
QString itemKey(const Item &item, bool byAddress)
{
    const Item v = item.toSystem();
    if (v.isNode()) {
        if (byAddress || !item.json())
            return u"P:"_s + QString::number(quintptr(item.json()), 16) + u':'
                + QString::number(quintptr(item.primitiveExtension()), 16);
        return u"J:"_s + QString::fromStdString(item.json()->dump());
    }
    switch (v.kind()) {
    case Item::Kind::Integer:
    case Item::Kind::Decimal: {
        const Decimal d = toDecimal(v);
        return u"N:"_s + QString::number(roundTo(d.value, d.scale), 'g', 15);
    }
    case Item::Kind::String:
        return u"S:"_s + v.asString();
    case Item::Kind::Boolean:
        return v.asBool() ? u"B:1"_s : u"B:0"_s;
    case Item::Kind::Date:
    case Item::Kind::DateTime: {
        const PartialDateTime d = normalized(v.asDateTime());
        return u"D:"_s + d.dateTimeText();
    }
    case Item::Kind::Time:
        return u"T:"_s + v.asDateTime().timeText();
    case Item::Kind::Quantity: {
        const Quantity &q = v.asQuantity();
        const auto info = unitInfo(singularCalendar(q.unit));
        if (!info)
            return u"Q:"_s + QString::number(q.value.value, 'g', 15) + u' ' + q.unit;
        return u"Q:"_s + QString::number(q.value.value * info->factor, 'g', 15) + u' '
            + info->canonical;
    }
    default:
        return {};
    }
}

constexpr qsizetype kLinearThreshold = 32;

// `out` += the items of `add` not already in `out` (nor earlier in `add`).
void appendDistinct(Collection &out, const Collection &add)
{
    if (out.size() + add.size() <= kLinearThreshold) {
        for (const Item &x : add) {
            if (!contains(out, x))
                out.append(x);
        }
        return;
    }
    QSet<QString> seen;
    for (const Item &x : std::as_const(out))
        seen.insert(itemKey(x, false));
    for (const Item &x : add) {
        const QString key = itemKey(x, false);
        if (!seen.contains(key)) {
            seen.insert(key);
            out.append(x);
        }
    }
}

Collection distinct(const Collection &c)
{
    Collection out;
    appendDistinct(out, c);
    return out;
}

std::optional<PartialDateTime> addToTemporal(PartialDateTime v, const Quantity &q, int sign,
                                             bool isTime)
{
    const QString unit = singularCalendar(q.unit);
    if (!(std::abs(q.value.value) < 1e9))
        return std::nullopt; // beyond any calendar (and NaN)
    const qint64 amount = qint64(std::trunc(q.value.value)) * sign;
    QDate date(isTime ? 2000 : v.year, isTime ? 1 : v.month, isTime ? 1 : v.day);
    QTime time(v.hour, v.minute, v.second, v.millisecond);
    QDateTime dt(date, time, Qt::UTC);
    if (unit == "year"_L1 || unit == "a"_L1)
        dt = dt.addYears(int(amount));
    else if (unit == "month"_L1 || unit == "mo"_L1)
        dt = dt.addMonths(int(amount));
    else if (unit == "week"_L1 || unit == "wk"_L1)
        dt = dt.addDays(amount * 7);
    else if (unit == "day"_L1 || unit == "d"_L1)
        dt = dt.addDays(amount);
    else if (unit == "hour"_L1 || unit == "h"_L1)
        dt = dt.addSecs(amount * 3600);
    else if (unit == "minute"_L1 || unit == "min"_L1)
        dt = dt.addSecs(amount * 60);
    else if (unit == "second"_L1 || unit == "s"_L1)
        dt = dt.addMSecs(qint64(std::llround(q.value.value * 1000)) * sign);
    else if (unit == "millisecond"_L1 || unit == "ms"_L1)
        dt = dt.addMSecs(amount);
    else
        return std::nullopt;
    if (!isTime) {
        v.year = dt.date().year();
        if (v.precision >= PartialDateTime::Month)
            v.month = dt.date().month();
        if (v.precision >= PartialDateTime::Day)
            v.day = dt.date().day();
    }
    if (v.precision >= PartialDateTime::Hour) {
        v.hour = dt.time().hour();
        v.minute = dt.time().minute();
        v.second = dt.time().second();
        v.millisecond = dt.time().msec();
    }
    return v;
}

// --- the evaluator ---

struct Frame
{
    const Item *thisItem = nullptr;
    qint64 index = -1;
    const Collection *total = nullptr;
};

class Evaluator;
using Function
    = Result<Collection> (*)(Evaluator &, const Node &, const Collection &, const Frame &);

class Evaluator
{
public:
    Evaluator(const Environment &env, const json &resource, const Collection &context)
        : env(env)
        , resource(&resource)
        , contextCollection(context)
    {
        // The last model's index, per thread: the registry's lock is taken once per model.
        thread_local const schema::Model *lastModel = nullptr;
        thread_local std::weak_ptr<const schema::Model> lastModelAlive;
        thread_local std::shared_ptr<ModelIndex> lastIndex;
        if (env.model && env.model.get() == lastModel && !lastModelAlive.expired()) {
            index = lastIndex;
        } else {
            index = ModelIndex::of(env.model);
            lastModel = env.model.get();
            lastModelAlive = env.model;
            lastIndex = index;
        }
        resourceCollection = {resourceItem(&resource)};
    }

    const Environment &env;
    const json *resource;
    Collection resourceCollection;
    Collection contextCollection;
    std::shared_ptr<ModelIndex> index;
    int depth = 0;

    // One clock reading per evaluation, taken when first asked for.
    QDateTime now()
    {
        if (!m_now.isValid())
            m_now = env.now.isValid() ? env.now : QDateTime::currentDateTime();
        return m_now;
    }
    QDateTime m_now;

    Item resourceItem(const json *r)
    {
        QString type;
        const TypeNode *node = nullptr;
        if (r->is_object()) {
            if (const auto it = r->find("resourceType"); it != r->end() && it->is_string())
                type = QString::fromStdString(it->get<std::string>());
        }
        if (index && !type.isEmpty())
            node = index->typeRoot(type);
        return Item::node(r, nullptr, node);
    }

    Result<Collection> eval(const Node &n, const Collection &input, const Frame &frame);

    // Adds the JSON children spelled `key` of `object`, typed by `type` when known.
    void addChild(const json &object, const std::string &key, const std::string &extensionKey,
                  const TypeNode *type, Collection &out)
    {
        const auto v = object.find(key);
        const auto e = object.find(extensionKey);
        const json *value = v != object.end() ? &*v : nullptr;
        const json *ext = e != object.end() ? &*e : nullptr;
        if (!value && !ext)
            return;
        auto add = [&](const json *val, const json *x) {
            if (val && val->is_null())
                val = nullptr;
            if (x && x->is_null())
                x = nullptr;
            if (!val && !x)
                return;
            const TypeNode *t = type;
            if (val && index && (!t || t->special == TypeNode::Special::AnyResource)
                && val->is_object()) {
                // A resource inside a resource (contained, Bundle.entry.resource): its own type.
                if (const auto rt = val->find("resourceType"); rt != val->end() && rt->is_string())
                    t = index->typeRoot(QString::fromStdString(rt->get<std::string>()));
            }
            out.append(Item::node(val, x, t));
        };
        if ((value && value->is_array()) || (ext && ext->is_array())) {
            const size_t n = std::max(value && value->is_array() ? value->size() : 0,
                                      ext && ext->is_array() ? ext->size() : 0);
            for (size_t i = 0; i < n; ++i) {
                add(value && value->is_array() && i < value->size() ? &(*value)[i] : nullptr,
                    ext && ext->is_array() && i < ext->size() ? &(*ext)[i] : nullptr);
            }
            return;
        }
        add(value, ext);
    }

    void children(const Item &item, const QString &name, Collection &out)
    {
        const std::string key = name.toStdString();
        children(item, name, key, '_' + key, out);
    }

    void children(const Item &item, const QString &name, const std::string &key,
                  const std::string &extensionKey, Collection &out)
    {
        if (!item.isNode())
            return;
        const json *j = item.json();
        if (!j || !j->is_object()) {
            // A primitive: its id and extensions live in the `_name` sibling.
            if (const json *x = item.primitiveExtension(); x && x->is_object()) {
                const TypeNode *t = nullptr;
                if (index && (name == "extension"_L1 || name == "id"_L1)) {
                    if (const TypeNode *el = index->typeRoot(u"Element"_s)) {
                        if (const ChildOptions *o = index->child(el, name))
                            t = o->isEmpty() ? nullptr : o->first().type;
                    }
                }
                if (name == "extension"_L1 || name == "id"_L1)
                    addChild(*x, key, extensionKey, t, out);
            }
            return;
        }
        if (index && item.typeNode()) {
            if (const ChildOptions *options = index->child(item.typeNode(), name)) {
                if (options->size() > 1 && options->size() <= 64) {
                    // A choice: one pass over the object's keys beats a lookup per type.
                    quint64 matched = 0;
                    for (auto it = j->begin(); it != j->end(); ++it) {
                        const std::string &k = it.key();
                        const size_t at = !k.empty() && k[0] == '_' ? 1 : 0;
                        if (k.size() <= at + key.size() || k.compare(at, key.size(), key) != 0)
                            continue;
                        for (qsizetype i = 0; i < options->size(); ++i) {
                            if (k.compare(at, std::string::npos, options->at(i).jsonName) == 0)
                                matched |= quint64(1) << i;
                        }
                    }
                    for (qsizetype i = 0; matched && i < options->size(); ++i) {
                        if (matched & (quint64(1) << i)) {
                            const ChildOption &o = options->at(i);
                            addChild(*j, o.jsonName, o.extensionName, o.type, out);
                        }
                    }
                    return;
                }
                for (const ChildOption &o : *options)
                    addChild(*j, o.jsonName, o.extensionName, o.type, out);
                return;
            }
        }
        addChild(*j, key, extensionKey, nullptr, out);
    }

    void allChildren(const Item &item, Collection &out)
    {
        if (!item.isNode())
            return;
        const json *j = item.json();
        if (!j || !j->is_object()) {
            if (const json *x = item.primitiveExtension(); x && x->is_object()) {
                addChild(*x, "id", "_id", nullptr, out);
                addChild(*x, "extension", "_extension", nullptr, out);
            }
            return;
        }
        if (index && item.typeNode()) {
            const ChildOptions *options = index->allChildren(item.typeNode());
            if (options && !options->isEmpty()) {
                for (const ChildOption &o : *options)
                    addChild(*j, o.jsonName, o.extensionName, o.type, out);
                return;
            }
        }
        for (auto it = j->begin(); it != j->end(); ++it) {
            if (it.key().empty() || it.key()[0] == '_' || it.key() == "resourceType")
                continue;
            addChild(*j, it.key(), '_' + it.key(), nullptr, out);
        }
        // Primitives that only have their extension part.
        for (auto it = j->begin(); it != j->end(); ++it) {
            if (it.key().size() > 1 && it.key()[0] == '_' && !j->contains(it.key().substr(1)))
                addChild(*j, it.key().substr(1), it.key(), nullptr, out);
        }
    }

    // Type tests: FHIR types for nodes, System types for values (spec §"Types").
    bool isType(const Item &item, const QString &spec)
    {
        enum { Any, System, Fhir } ns = Any;
        QStringView name = spec;
        if (spec.startsWith("System."_L1)) {
            ns = System;
            name = name.mid(7);
        } else if (spec.startsWith("FHIR."_L1)) {
            ns = Fhir;
            name = name.mid(5);
        }
        if (item.isNode()) {
            if (ns == System)
                return false;
            if (const TypeNode *t = item.typeNode()) {
                if (t->typeName == name)
                    return true;
                for (const QString &ancestor : t->ancestors) {
                    if (ancestor == name)
                        return true;
                }
                return false;
            }
            const QString type = item.typeName();
            if (type.isEmpty())
                return false;
            if (type == name)
                return true;
            return (name == "Resource"_L1 || name == "DomainResource"_L1) && item.json()
                && item.json()->is_object() && item.json()->contains("resourceType");
        }
        if (ns == Fhir)
            return false;
        return item.typeName() == name;
    }

    QString typeSpecifierOf(const Node &n)
    {
        if (n.type == Node::Type::Identifier)
            return n.name;
        if (n.type == Node::Type::Member && n.target)
            return typeSpecifierOf(*n.target) + u'.' + n.name;
        if (n.type == Node::Type::Literal && n.value.kind() == Item::Kind::String)
            return n.value.asString();
        return {};
    }

    Result<Collection> arg(const Node &call, int i, const Collection &input, const Frame &frame)
    {
        return eval(*call.args[size_t(i)], input, frame);
    }

    // An argument evaluated on the original $this (not per item), as a singleton.
    Result<std::optional<Item>> singleArg(const Node &call, int i, const Frame &frame,
                                          const Collection &input)
    {
        Q_UNUSED(input);
        const Collection root = frame.thisItem ? Collection{*frame.thisItem} : resourceOr();
        TRY(c, eval(*call.args[size_t(i)], root, frame));
        if (c.isEmpty())
            return std::optional<Item>();
        if (c.size() > 1)
            return errorAt(call,
                           u"%1(): argument %2 has more than one item"_s.arg(call.name).arg(i + 1));
        return std::optional<Item>(c.first().toSystem());
    }

    Collection resourceOr()
    {
        return contextCollection.isEmpty() ? resourceCollection : contextCollection;
    }

    Result<Collection> resolve(const Collection &input);
};

Result<Collection> binary(Evaluator &ev, const Node &n, const Collection &input,
                          const Frame &frame);
Result<Collection> callFunction(Evaluator &ev, const Node &n, const Collection &input,
                                const Frame &frame);

Result<Collection> Evaluator::eval(const Node &n, const Collection &input, const Frame &frame)
{
    struct Guard
    {
        int &d;
        ~Guard() { --d; }
    } guard{++depth};
    if (depth > kMaxDepth)
        return errorAt(n, u"expression nested too deeply"_s);

    switch (n.type) {
    case Node::Type::Literal:
        return Collection{n.value};
    case Node::Type::Empty:
        return Collection{};
    case Node::Type::This:
        return frame.thisItem ? Collection{*frame.thisItem} : input;
    case Node::Type::Index:
        return frame.index >= 0 ? Collection{Item::integer(frame.index)} : Collection{};
    case Node::Type::Total:
        return frame.total ? *frame.total : Collection{};
    case Node::Type::Variable: {
        const QString &v = n.name;
        if (v == "resource"_L1 || v == "rootResource"_L1)
            return resourceCollection;
        if (v == "context"_L1)
            return resourceOr();
        if (v == "ucum"_L1)
            return Collection{Item::string(u"http://unitsofmeasure.org"_s)};
        if (v == "sct"_L1)
            return Collection{Item::string(u"http://snomed.info/sct"_s)};
        if (v == "loinc"_L1)
            return Collection{Item::string(u"http://loinc.org"_s)};
        if (const auto it = env.variables.constFind(v); it != env.variables.cend())
            return *it;
        if (v.startsWith("vs-"_L1))
            return Collection{Item::string(u"http://hl7.org/fhir/ValueSet/"_s + v.mid(3))};
        if (v.startsWith("ext-"_L1))
            return Collection{
                Item::string(u"http://hl7.org/fhir/StructureDefinition/"_s + v.mid(4))};
        return errorAt(n, u"unknown variable %%1"_s.arg(v));
    }
    case Node::Type::Identifier: {
        // At the start of a path: a type name filters the input ("Patient.name"), else a
        // member of the input.
        Collection out;
        const bool typeLike = !n.name.isEmpty() && n.name.at(0).isUpper();
        for (const Item &item : input) {
            if (typeLike && isType(item, n.name))
                out.append(item);
            else
                children(item, n.name, n.key, n.extensionKey, out);
        }
        return out;
    }
    case Node::Type::Member: {
        TRY(target, eval(*n.target, input, frame));
        Collection out;
        for (const Item &item : target)
            children(item, n.name, n.key, n.extensionKey, out);
        return out;
    }
    case Node::Type::Indexer: {
        TRY(target, eval(*n.target, input, frame));
        TRY(index, eval(*n.args[0], input, frame));
        if (index.isEmpty())
            return Collection{};
        const Item i = index.first().toSystem();
        if (index.size() > 1 || i.kind() != Item::Kind::Integer)
            return errorAt(n, u"an index must be a single Integer"_s);
        if (i.asInteger() < 0 || i.asInteger() >= target.size())
            return Collection{};
        return Collection{target.at(i.asInteger())};
    }
    case Node::Type::Unary: {
        TRY(operand, eval(*n.args[0], input, frame));
        if (operand.isEmpty())
            return Collection{};
        if (operand.size() > 1)
            return errorAt(n, u"unary %1 on more than one item"_s.arg(n.name));
        const Item v = operand.first().toSystem();
        if (n.name == "+"_L1 && (isNumber(v) || v.kind() == Item::Kind::Quantity))
            return Collection{v};
        switch (v.kind()) {
        case Item::Kind::Integer:
            if (v.asInteger() == std::numeric_limits<qint64>::min())
                return Collection{}; // no positive counterpart
            return Collection{Item::integer(-v.asInteger())};
        case Item::Kind::Decimal:
            return Collection{Item::decimal({-v.asDecimal().value, v.asDecimal().scale})};
        case Item::Kind::Quantity: {
            Quantity q = v.asQuantity();
            q.value.value = -q.value.value;
            return Collection{Item::quantity(q)};
        }
        default:
            return errorAt(n, u"unary %1 needs a number or a quantity"_s.arg(n.name));
        }
    }
    case Node::Type::TypeOp: {
        TRY(operand, eval(*n.args[0], input, frame));
        const QString type = n.value.asString();
        if (n.name == "is"_L1) {
            if (operand.isEmpty())
                return Collection{};
            if (operand.size() > 1)
                return errorAt(n, u"'is' on more than one item"_s);
            return Collection{Item::boolean(isType(operand.first(), type))};
        }
        // 'as' filters (lenient on several items, as FHIR R4's search expressions need).
        Collection out;
        for (const Item &item : operand) {
            if (isType(item, type))
                out.append(item);
        }
        return out;
    }
    case Node::Type::Binary:
        return binary(*this, n, input, frame);
    case Node::Type::Function:
        return callFunction(*this, n, input, frame);
    }
    return Collection{};
}

// --- operators ---

Result<Collection> arithmetic(const Node &n, const Item &x, const Item &y)
{
    const QString &op = n.name;
    Item a = x.toSystem(), b = y.toSystem();
    if (a.kind() == Item::Kind::String && b.kind() == Item::Kind::String && op == "+"_L1)
        return Collection{Item::string(a.asString() + b.asString())};
    if (a.kind() == Item::Kind::Integer && b.kind() == Item::Kind::Integer && op != "/"_L1) {
        const qint64 l = a.asInteger(), r = b.asInteger();
        qint64 out = 0;
        if (op == "+"_L1) {
            if (__builtin_add_overflow(l, r, &out))
                return Collection{};
        } else if (op == "-"_L1) {
            if (__builtin_sub_overflow(l, r, &out))
                return Collection{};
        } else if (op == "*"_L1) {
            if (__builtin_mul_overflow(l, r, &out))
                return Collection{};
        } else if (op == "div"_L1 || op == "mod"_L1) {
            if (r == 0 || (l == std::numeric_limits<qint64>::min() && r == -1))
                return Collection{};
            out = op == "div"_L1 ? l / r : l % r;
        }
        return Collection{Item::integer(out)};
    }
    if (isNumber(a) && isNumber(b)) {
        const Decimal l = toDecimal(a), r = toDecimal(b);
        if (op == "+"_L1 || op == "-"_L1) {
            const double v = op == "+"_L1 ? l.value + r.value : l.value - r.value;
            return Collection{Item::decimal(clampScale(v, std::max(l.scale, r.scale)))};
        }
        if (op == "*"_L1)
            return Collection{Item::decimal(clampScale(l.value * r.value, l.scale + r.scale))};
        if (r.value == 0)
            return Collection{};
        if (op == "/"_L1) {
            const double v = l.value / r.value;
            return Collection{Item::decimal(
                clampScale(v, std::max(1, Decimal::fromDouble(roundTo(v, 8)).scale)))};
        }
        if (op == "div"_L1)
            return integerOf(std::trunc(l.value / r.value));
        if (op == "mod"_L1) {
            const double v = std::fmod(l.value, r.value);
            return Collection{Item::decimal(clampScale(v, std::max(l.scale, r.scale)))};
        }
    }
    if (a.kind() == Item::Kind::Quantity && (b.kind() == Item::Kind::Quantity || isNumber(b))) {
        const Quantity &q = a.asQuantity();
        if (isNumber(b) && (op == "*"_L1 || op == "/"_L1)) {
            const Decimal r = toDecimal(b);
            if (op == "/"_L1 && r.value == 0)
                return Collection{};
            const double v = op == "*"_L1 ? q.value.value * r.value : q.value.value / r.value;
            const int scale
                = op == "*"_L1 ? q.value.scale + r.scale : Decimal::fromDouble(roundTo(v, 8)).scale;
            return Collection{Item::quantity({clampScale(v, scale), q.unit})};
        }
        if (b.kind() == Item::Kind::Quantity && (op == "+"_L1 || op == "-"_L1)) {
            const Quantity &r = b.asQuantity();
            const auto v = commonUnits(q, r, false);
            if (!v)
                return errorAt(n,
                               u"cannot %1 quantities in '%2' and '%3'"_s.arg(
                                   op == "+"_L1 ? u"add"_s : u"subtract"_s, q.unit, r.unit));
            // commonUnits gives canonical units unless both units are the same.
            double factor = 1;
            if (singularCalendar(q.unit) != singularCalendar(r.unit)) {
                if (const auto info = unitInfo(singularCalendar(q.unit)))
                    factor = info->factor;
            }
            const double sum
                = (op == "+"_L1 ? v->first + v->second : v->first - v->second) / factor;
            const int scale = std::max(
                {q.value.scale, r.value.scale, Decimal::fromDouble(roundTo(sum, 8)).scale});
            return Collection{Item::quantity({clampScale(sum, scale), q.unit})};
        }
    }
    if (isNumber(a) && b.kind() == Item::Kind::Quantity && op == "*"_L1) {
        const Decimal l = toDecimal(a);
        const Quantity &q = b.asQuantity();
        return Collection{
            Item::quantity({clampScale(l.value * q.value.value, l.scale + q.value.scale), q.unit})};
    }
    if (isTemporal(a) && b.kind() == Item::Kind::Quantity && (op == "+"_L1 || op == "-"_L1)) {
        const auto v = addToTemporal(a.asDateTime(), b.asQuantity(), op == "+"_L1 ? 1 : -1,
                                     a.kind() == Item::Kind::Time);
        if (!v)
            return errorAt(n, u"cannot add '%1' to a date or time"_s.arg(b.asQuantity().unit));
        switch (a.kind()) {
        case Item::Kind::Date:
            return Collection{Item::date(*v)};
        case Item::Kind::Time:
            return Collection{Item::time(*v)};
        default:
            return Collection{Item::dateTime(*v)};
        }
    }
    return errorAt(n, u"cannot apply '%1' to %2 and %3"_s.arg(op, a.typeName(), b.typeName()));
}

Result<Collection> compare(const Node &n, const Item &x, const Item &y)
{
    Item a = x.toSystem(), b = y.toSystem();
    a = coerceTo(a, b);
    b = coerceTo(b, a);
    std::optional<int> c;
    if (isNumber(a) && isNumber(b)) {
        const Decimal l = toDecimal(a), r = toDecimal(b);
        c = compareDecimals(l, r, std::max(l.scale, r.scale));
    } else if (isTemporal(a) && isTemporal(b)) {
        if ((a.kind() == Item::Kind::Time) != (b.kind() == Item::Kind::Time))
            return errorAt(n, u"cannot compare a time with a date"_s);
        c = compareTemporalItems(a, b);
        if (!c)
            return Collection{};
    } else if (a.kind() == Item::Kind::String && b.kind() == Item::Kind::String) {
        c = a.asString().compare(b.asString());
    } else if (a.kind() == Item::Kind::Quantity && b.kind() == Item::Kind::Quantity) {
        const auto v = commonUnits(a.asQuantity(), b.asQuantity(), false);
        if (!v)
            return Collection{};
        c = v->first < v->second ? -1 : (v->first > v->second ? 1 : 0);
    } else {
        return errorAt(n, u"cannot compare %1 with %2"_s.arg(a.typeName(), b.typeName()));
    }
    const QString &op = n.name;
    const int r = *c;
    const bool v = op == "<"_L1 ? r < 0 : op == ">"_L1 ? r > 0 : op == "<="_L1 ? r <= 0 : r >= 0;
    return Collection{Item::boolean(v)};
}

Result<Collection> binary(Evaluator &ev, const Node &n, const Collection &input, const Frame &frame)
{
    const QString &op = n.name;
    TRY(left, ev.eval(*n.args[0], input, frame));

    // Boolean operators: three-valued logic, right side evaluated only when needed.
    const Op code = n.op;
    if (code == Op::And || code == Op::Or || code == Op::Xor || code == Op::Implies) {
        bool bad = false;
        const std::optional<bool> l = singletonBool(left, &bad);
        if (bad)
            return errorAt(n, u"'%1' needs a single Boolean on the left"_s.arg(op));
        if (code == Op::And && l == false)
            return Collection{Item::boolean(false)};
        if (code == Op::Or && l == true)
            return Collection{Item::boolean(true)};
        if (code == Op::Implies && l == false)
            return Collection{Item::boolean(true)};
        TRY(right, ev.eval(*n.args[1], input, frame));
        const std::optional<bool> r = singletonBool(right, &bad);
        if (bad)
            return errorAt(n, u"'%1' needs a single Boolean on the right"_s.arg(op));
        if (code == Op::And) {
            if (r == false)
                return Collection{Item::boolean(false)};
            return l && r ? Collection{Item::boolean(true)} : Collection{};
        }
        if (code == Op::Or) {
            if (r == true)
                return Collection{Item::boolean(true)};
            return l && r ? Collection{Item::boolean(false)} : Collection{};
        }
        if (code == Op::Xor)
            return l && r ? Collection{Item::boolean(*l != *r)} : Collection{};
        // implies, with l true or empty
        if (r == true)
            return Collection{Item::boolean(true)};
        return l ? boolResult(r) : Collection{};
    }

    TRY(right, ev.eval(*n.args[1], input, frame));
    if (code == Op::Union) {
        Collection out = distinct(left);
        appendDistinct(out, right);
        return out;
    }
    if (code == Op::Equal)
        return boolResult(collectionEquals(left, right));
    if (code == Op::NotEqual) {
        const auto e = collectionEquals(left, right);
        return e ? Collection{Item::boolean(!*e)} : Collection{};
    }
    if (code == Op::Equivalent)
        return Collection{Item::boolean(collectionEquivalent(left, right))};
    if (code == Op::NotEquivalent)
        return Collection{Item::boolean(!collectionEquivalent(left, right))};
    if (code == Op::In || code == Op::Contains) {
        const Collection &element = code == Op::In ? left : right;
        const Collection &container = code == Op::In ? right : left;
        if (element.isEmpty())
            return Collection{};
        if (element.size() > 1)
            return errorAt(n, u"'%1' needs a single item"_s.arg(op));
        return Collection{Item::boolean(contains(container, element.first()))};
    }
    if (code == Op::Concatenate) {
        if (left.size() > 1 || right.size() > 1)
            return errorAt(n, u"'&' on more than one item"_s);
        auto text = [](const Collection &c) {
            if (c.isEmpty())
                return QString();
            const Item v = c.first().toSystem();
            return v.kind() == Item::Kind::String ? v.asString() : v.toDisplayString();
        };
        return Collection{Item::string(text(left) + text(right))};
    }
    if (left.isEmpty() || right.isEmpty())
        return Collection{};
    if (left.size() > 1 || right.size() > 1)
        return errorAt(n, u"'%1' on more than one item"_s.arg(op));
    if (code == Op::Less || code == Op::Greater || code == Op::LessOrEqual
        || code == Op::GreaterOrEqual)
        return compare(n, left.first(), right.first());
    return arithmetic(n, left.first(), right.first());
}

} // namespace

// The functions live in functions.cpp-like section below.
#include "schemas/fhirpath/functions.inc"

Result<Expression> Expression::parse(const QString &text)
{
    Result<std::unique_ptr<Node>> root = parseExpression(text);
    if (!root)
        return Error{root.error()};
    if (Result<bool> resolved = resolveFunctions(**root); !resolved)
        return Error{resolved.error()};
    Expression e;
    e.m_text = text;
    e.m_root = std::shared_ptr<const Node>(std::move(root).value());
    return e;
}

QString Expression::text() const
{
    return m_text;
}

namespace {
QString dumpNode(const Node &n)
{
    QStringList args;
    for (const auto &a : n.args)
        args << dumpNode(*a);
    switch (n.type) {
    case Node::Type::Literal:
        return n.value.kind() == Item::Kind::String ? u"'"_s + n.value.asString() + u"'"_s
                                                    : n.value.toDisplayString();
    case Node::Type::Empty:
        return u"{}"_s;
    case Node::Type::Identifier:
        return n.name;
    case Node::Type::Function:
        return (n.target ? dumpNode(*n.target) + u'.' : QString()) + n.name + u'('
            + args.join(u", "_s) + u')';
    case Node::Type::Member:
        return dumpNode(*n.target) + u'.' + n.name;
    case Node::Type::Indexer:
        return dumpNode(*n.target) + u'[' + args.value(0) + u']';
    case Node::Type::Unary:
        return u"("_s + n.name + args.value(0) + u')';
    case Node::Type::Binary:
        return u'(' + args.value(0) + u' ' + n.name + u' ' + args.value(1) + u')';
    case Node::Type::TypeOp:
        return u'(' + args.value(0) + u' ' + n.name + u' ' + n.value.asString() + u')';
    case Node::Type::Variable:
        return u'%' + n.name;
    case Node::Type::This:
        return u"$this"_s;
    case Node::Type::Index:
        return u"$index"_s;
    case Node::Type::Total:
        return u"$total"_s;
    }
    return {};
}
} // namespace

QString Expression::dump() const
{
    return m_root ? dumpNode(*m_root) : QString();
}

Result<Collection> Expression::evaluate(const json &resource, const Environment &env) const
{
    return evaluate(Collection{}, resource, env);
}

Result<Collection> Expression::evaluate(const Collection &input, const json &resource,
                                        const Environment &env) const
{
    if (!m_root)
        return Error{u"empty expression"_s};
    try {
        Evaluator ev(env, resource, input);
        const Collection start = input.isEmpty() ? ev.resourceCollection : input;
        return ev.eval(*m_root, start, Frame{});
    } catch (const std::exception &e) {
        return Error{u"evaluation failed: %1"_s.arg(QString::fromUtf8(e.what()))};
    }
}

Item typedNode(const json &value, const QString &fhirType, const Environment &env)
{
    const auto index = ModelIndex::of(env.model);
    return Item::node(&value, nullptr, index ? index->typeRoot(fhirType) : nullptr);
}

std::optional<bool> toBoolean(const Collection &items)
{
    bool bad = false;
    const auto b = singletonBool(items, &bad);
    return bad ? std::nullopt : b;
}

} // namespace fhir::fhirpath
