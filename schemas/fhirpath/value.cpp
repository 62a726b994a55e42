#include "schemas/fhirpath/value.h"

#include "schemas/fhirpath/modelindex.h"

#include <QDate>
#include <QRegularExpression>

#include <cmath>

using namespace Qt::StringLiterals;
using JsonValue = nlohmann::json;

namespace fhir::fhirpath {

// --- Decimal ---

std::optional<Decimal> Decimal::parse(const QString &text)
{
    static const QRegularExpression re(u"^[+-]?\\d+(\\.\\d+)?$"_s);
    if (!re.match(text).hasMatch())
        return std::nullopt;
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (!ok || !std::isfinite(v))
        return std::nullopt;
    const qsizetype dot = text.indexOf(u'.');
    const int scale = dot < 0 ? 0 : int(std::min<qsizetype>(text.size() - dot - 1, 15));
    return Decimal{v, scale};
}

Decimal Decimal::fromDouble(double value)
{
    for (int scale = 0; scale < 15; ++scale) {
        const double p = std::pow(10.0, scale);
        if (std::abs(std::round(value * p) / p - value) <= std::abs(value) * 1e-15)
            return {value, scale};
    }
    return {value, 15};
}

QString Decimal::toString() const
{
    QString s = QString::number(value, 'f', scale);
    if (s.startsWith(u'-')
        && s.count(QLatin1Char('0')) == s.size() - 1 - (s.contains(u'.') ? 1 : 0))
        s.remove(0, 1); // no "-0.0"
    return s;
}

// --- dates and times ---

namespace {

std::optional<int> parseTz(const QString &tz)
{
    if (tz.isEmpty())
        return std::nullopt;
    if (tz == "Z"_L1)
        return 0;
    const int sign = tz.at(0) == u'-' ? -1 : 1;
    return sign * (tz.mid(1, 2).toInt() * 60 + tz.mid(4, 2).toInt());
}

QString two(int v)
{
    return u"%1"_s.arg(v, 2, 10, QLatin1Char('0'));
}

QString tzText(const std::optional<int> &tz)
{
    if (!tz)
        return {};
    if (*tz == 0)
        return u"Z"_s;
    const int a = std::abs(*tz);
    return (*tz < 0 ? u"-"_s : u"+"_s) + two(a / 60) + u':' + two(a % 60);
}

bool validDate(const PartialDateTime &v)
{
    if (v.month < 1 || v.month > 12)
        return false;
    if (v.precision >= PartialDateTime::Day && !QDate::isValid(v.year, v.month, v.day))
        return false;
    return true;
}

bool validTime(const PartialDateTime &v)
{
    return v.hour >= 0 && v.hour < 24 && v.minute >= 0 && v.minute < 60 && v.second >= 0
        && v.second < 60;
}

int msecs(const QString &fraction)
{
    // ".5" is 500 ms; digits after the third are dropped.
    QString f = fraction.left(3);
    while (f.size() < 3)
        f += u'0';
    return f.toInt();
}

} // namespace

std::optional<PartialDateTime> PartialDateTime::parseDate(const QString &text)
{
    static const QRegularExpression re(u"^(\\d{4})(-(\\d{2})(-(\\d{2}))?)?$"_s);
    const auto m = re.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    PartialDateTime v;
    v.year = m.captured(1).toInt();
    v.precision = Year;
    if (m.hasCaptured(3)) {
        v.month = m.captured(3).toInt();
        v.precision = Month;
    }
    if (m.hasCaptured(5)) {
        v.day = m.captured(5).toInt();
        v.precision = Day;
    }
    if (!validDate(v))
        return std::nullopt;
    return v;
}

std::optional<PartialDateTime> PartialDateTime::parseDateTime(const QString &text)
{
    static const QRegularExpression re(
        u"^(\\d{4})(-(\\d{2})(-(\\d{2}))?)?(T((\\d{2})(:(\\d{2})(:(\\d{2})(\\.(\\d+))?)?)?)?"
        "(Z|[+-]\\d{2}:\\d{2})?)?$"_s);
    const auto m = re.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    PartialDateTime v;
    v.year = m.captured(1).toInt();
    v.precision = Year;
    if (m.hasCaptured(3)) {
        v.month = m.captured(3).toInt();
        v.precision = Month;
    }
    if (m.hasCaptured(5)) {
        v.day = m.captured(5).toInt();
        v.precision = Day;
    }
    if (m.hasCaptured(8)) {
        v.hour = m.captured(8).toInt();
        v.precision = Hour;
    }
    if (m.hasCaptured(10)) {
        v.minute = m.captured(10).toInt();
        v.precision = Minute;
    }
    if (m.hasCaptured(12)) {
        v.second = m.captured(12).toInt();
        v.precision = Second;
    }
    if (m.hasCaptured(14)) {
        v.millisecond = msecs(m.captured(14));
        v.precision = Millisecond;
    }
    v.tzMinutes = parseTz(m.captured(15));
    if (!validDate(v) || !validTime(v))
        return std::nullopt;
    return v;
}

std::optional<PartialDateTime> PartialDateTime::parseTime(const QString &text)
{
    static const QRegularExpression re(u"^(\\d{2})(:(\\d{2})(:(\\d{2})(\\.(\\d+))?)?)?$"_s);
    const auto m = re.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    PartialDateTime v;
    v.hour = m.captured(1).toInt();
    v.precision = Hour;
    if (m.hasCaptured(3)) {
        v.minute = m.captured(3).toInt();
        v.precision = Minute;
    }
    if (m.hasCaptured(5)) {
        v.second = m.captured(5).toInt();
        v.precision = Second;
    }
    if (m.hasCaptured(7)) {
        v.millisecond = msecs(m.captured(7));
        v.precision = Millisecond;
    }
    if (!validTime(v))
        return std::nullopt;
    return v;
}

QString PartialDateTime::dateText() const
{
    QString s = u"%1"_s.arg(year, 4, 10, QLatin1Char('0'));
    if (precision >= Month)
        s += u'-' + two(month);
    if (precision >= Day)
        s += u'-' + two(day);
    return s;
}

QString PartialDateTime::timeText() const
{
    QString s = two(hour);
    if (precision >= Minute)
        s += u':' + two(minute);
    if (precision >= Second)
        s += u':' + two(second);
    if (precision >= Millisecond)
        s += u'.' + u"%1"_s.arg(millisecond, 3, 10, QLatin1Char('0'));
    return s;
}

QString PartialDateTime::dateTimeText() const
{
    QString s = dateText();
    if (precision >= Hour)
        s += u'T' + timeText() + tzText(tzMinutes);
    return s;
}

QString Quantity::toString() const
{
    static const QRegularExpression word(u"^[a-z]+$"_s);
    const bool calendar = word.match(unit).hasMatch() && unit.size() > 2
        && QStringList{u"year"_s, u"month"_s,  u"week"_s,   u"day"_s,
                       u"hour"_s, u"minute"_s, u"second"_s, u"millisecond"_s}
               .contains(unit.endsWith(u's') ? unit.chopped(1) : unit);
    return value.toString() + u' ' + (calendar ? unit : u'\'' + unit + u'\'');
}

// --- Item ---

Item Item::node(const JsonValue *value, const JsonValue *primitiveExtension, const TypeNode *type)
{
    Item i;
    i.m_kind = Kind::Node;
    i.m_json = value;
    i.m_ext = primitiveExtension;
    i.m_type = type;
    return i;
}

#define FHIRPATH_ITEM_FACTORY(fn, K, T, expr)                                                      \
    Item Item::fn(T v)                                                                             \
    {                                                                                              \
        Item i;                                                                                    \
        i.m_kind = Kind::K;                                                                        \
        i.m_value = expr;                                                                          \
        return i;                                                                                  \
    }
FHIRPATH_ITEM_FACTORY(boolean, Boolean, bool, v)
FHIRPATH_ITEM_FACTORY(integer, Integer, qint64, v)
FHIRPATH_ITEM_FACTORY(decimal, Decimal, Decimal, v)
FHIRPATH_ITEM_FACTORY(string, String, const QString &, v)
FHIRPATH_ITEM_FACTORY(date, Date, const PartialDateTime &, v)
FHIRPATH_ITEM_FACTORY(dateTime, DateTime, const PartialDateTime &, v)
FHIRPATH_ITEM_FACTORY(time, Time, const PartialDateTime &, v)
FHIRPATH_ITEM_FACTORY(quantity, Quantity, const Quantity &, v)
#undef FHIRPATH_ITEM_FACTORY

QString Item::typeName() const
{
    switch (m_kind) {
    case Kind::Node:
        if (m_type)
            return m_type->typeName;
        if (!m_json)
            return {};
        if (m_json->is_object() && m_json->contains("resourceType")
            && (*m_json)["resourceType"].is_string())
            return QString::fromStdString((*m_json)["resourceType"].get<std::string>());
        if (m_json->is_boolean())
            return u"boolean"_s;
        if (m_json->is_number_integer())
            return u"integer"_s;
        if (m_json->is_number())
            return u"decimal"_s;
        if (m_json->is_string())
            return u"string"_s;
        return {};
    case Kind::Boolean:
        return u"Boolean"_s;
    case Kind::Integer:
        return u"Integer"_s;
    case Kind::Decimal:
        return u"Decimal"_s;
    case Kind::String:
        return u"String"_s;
    case Kind::Date:
        return u"Date"_s;
    case Kind::DateTime:
        return u"DateTime"_s;
    case Kind::Time:
        return u"Time"_s;
    case Kind::Quantity:
        return u"Quantity"_s;
    }
    return {};
}

Item Item::toSystem() const
{
    if (m_kind != Kind::Node)
        return *this;
    if (!m_json)
        return {};
    const JsonValue &j = *m_json;
    using Special = TypeNode::Special;
    const Special special = m_type ? m_type->special : Special::None;
    if (j.is_object()) {
        // FHIR's Quantity and its profiles are System Quantities (UCUM code first).
        if (special != Special::Quantity)
            return {};
        const auto value = j.find("value");
        if (value == j.end() || !value->is_number())
            return {};
        QString unit;
        for (const char *key : {"code", "unit"}) {
            const auto u = j.find(key);
            if (unit.isEmpty() && u != j.end() && u->is_string())
                unit = QString::fromStdString(u->get<std::string>());
        }
        const Decimal d = value->is_number_integer() ? Decimal{value->get<double>(), 0}
                                                     : Decimal::fromDouble(value->get<double>());
        return quantity({d, unit.isEmpty() ? u"1"_s : unit});
    }
    if (j.is_boolean())
        return boolean(j.get<bool>());
    if (j.is_number_integer()) {
        if (special == Special::Decimal)
            return decimal({double(j.get<qint64>()), 0});
        return integer(j.get<qint64>());
    }
    if (j.is_number())
        return decimal(Decimal::fromDouble(j.get<double>()));
    if (j.is_string()) {
        const QString s = QString::fromStdString(j.get_ref<const std::string &>());
        std::optional<PartialDateTime> v;
        switch (special) {
        case Special::Date:
            if ((v = PartialDateTime::parseDate(s)))
                return date(*v);
            break;
        case Special::DateTime:
            if ((v = PartialDateTime::parseDateTime(s)))
                return dateTime(*v);
            break;
        case Special::Time:
            if ((v = PartialDateTime::parseTime(s)))
                return time(*v);
            break;
        case Special::Decimal:
            if (auto d = Decimal::parse(s))
                return decimal(*d);
            break;
        default:
            break;
        }
        return string(s);
    }
    return {};
}

JsonValue Item::toJson() const
{
    JsonValue out = JsonValue::object();
    out["type"] = typeName().toStdString();
    switch (m_kind) {
    case Kind::Node: {
        // Dates, times and quantities print as their FHIRPath literal text, whether they
        // come from the resource or from the expression: the System value says it.
        const Item system = toSystem();
        const Kind kind = system.kind();
        if (kind == Kind::Date || kind == Kind::DateTime || kind == Kind::Time
            || kind == Kind::Quantity) {
            out["value"] = system.toJson()["value"];
            break;
        }
        out["value"] = m_json ? *m_json : JsonValue();
        break;
    }
    case Kind::Boolean:
        out["value"] = asBool();
        break;
    case Kind::Integer:
        out["value"] = asInteger();
        break;
    case Kind::Decimal:
        out["value"] = JsonValue::parse(asDecimal().toString().toStdString(), nullptr, false);
        break;
    case Kind::String:
        out["value"] = asString().toStdString();
        break;
    case Kind::Date:
        out["value"] = QString(u'@' + asDateTime().dateText()).toStdString();
        break;
    case Kind::DateTime:
        out["value"]
            = QString(u'@' + asDateTime().dateTimeText()
                      + (asDateTime().precision <= PartialDateTime::Day ? u"T"_s : QString()))
                  .toStdString();
        break;
    case Kind::Time:
        out["value"] = QString(u"@T"_s + asDateTime().timeText()).toStdString();
        break;
    case Kind::Quantity:
        out["value"] = asQuantity().toString().toStdString();
        break;
    }
    return out;
}

QString Item::toDisplayString() const
{
    switch (m_kind) {
    case Kind::Node:
        if (!m_json)
            return u"(no value)"_s;
        if (m_json->is_string())
            return QString::fromStdString(m_json->get<std::string>());
        return QString::fromStdString(m_json->dump());
    case Kind::Boolean:
        return asBool() ? u"true"_s : u"false"_s;
    case Kind::Integer:
        return QString::number(asInteger());
    case Kind::Decimal:
        return asDecimal().toString();
    case Kind::String:
        return asString();
    case Kind::Date:
        return asDateTime().dateText();
    case Kind::DateTime:
        return asDateTime().dateTimeText();
    case Kind::Time:
        return asDateTime().timeText();
    case Kind::Quantity:
        return asQuantity().toString();
    }
    return {};
}

} // namespace fhir::fhirpath
