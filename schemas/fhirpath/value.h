#pragma once

#include <QList>
#include <QString>

#include <nlohmann/json.hpp>

#include <optional>
#include <variant>

namespace fhir::fhirpath {

class TypeNode;

/// A FHIRPath Decimal: a double plus the number of digits after the point it carries, so that
/// `0.1 + 0.2 = 0.3` holds (values compare after rounding to the scale they were written with)
/// and `1.0` prints as "1.0".
struct Decimal
{
    double value = 0;
    int scale = 0; ///< digits after the decimal point, 0..15

    static std::optional<Decimal> parse(const QString &text);
    static Decimal fromDouble(double value); ///< the scale of the shortest exact representation
    QString toString() const;
};

/// A date, dateTime or time with the precision it was written with.
struct PartialDateTime
{
    enum Precision { Year, Month, Day, Hour, Minute, Second, Millisecond };
    Precision precision = Year;
    int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, millisecond = 0;
    std::optional<int> tzMinutes; ///< offset from UTC, when given

    /// "2012-04", "2012-04-15T10:00:00+02:00". Empty on malformed text.
    static std::optional<PartialDateTime> parseDate(const QString &text);
    static std::optional<PartialDateTime> parseDateTime(const QString &text);
    static std::optional<PartialDateTime> parseTime(const QString &text); ///< "10:00", no 'T'
    QString dateText() const; ///< as much of the date as is known
    QString dateTimeText() const;
    QString timeText() const;
};

struct Quantity
{
    Decimal value;
    QString unit; ///< UCUM code, or a calendar word ("year"); "1" when unitless
    QString toString() const; ///< FHIRPath literal text: 4.5 'mg', 1 year
};

/// One item of a collection: a node of the evaluated JSON (with its FHIR type), or a System
/// value the expression computed.
class Item
{
public:
    enum class Kind { Node, Boolean, Integer, Decimal, String, Date, DateTime, Time, Quantity };

    Item() = default;
    /// A node of the JSON; `type` (from the model) may be null.
    static Item node(const nlohmann::json *value, const nlohmann::json *primitiveExtension,
                     const TypeNode *type);
    static Item boolean(bool v);
    static Item integer(qint64 v);
    static Item decimal(Decimal v);
    static Item string(const QString &v);
    static Item date(const PartialDateTime &v);
    static Item dateTime(const PartialDateTime &v);
    static Item time(const PartialDateTime &v);
    static Item quantity(const Quantity &v);

    Kind kind() const { return m_kind; }
    bool isNode() const { return m_kind == Kind::Node; }

    /// The JSON node (null for a primitive that has only its `_name` extension part).
    const nlohmann::json *json() const { return m_json; }
    /// For primitives, the `_name` sibling with `id` and `extension`; else null.
    const nlohmann::json *primitiveExtension() const { return m_ext; }
    /// FHIR type name of a node ("HumanName", "date", "Patient"); empty when unknown (no
    /// model). For System values: "Boolean", "String"...
    QString typeName() const;
    /// Whether this is a System value (not a node), in the namespace "System".
    bool isSystem() const { return m_kind != Kind::Node; }
    const TypeNode *typeNode() const { return m_type; }

    /// The value as a System value: a node holding a FHIR primitive becomes Boolean, Integer,
    /// Decimal, String, Date, DateTime or Time; complex nodes, and primitives without a value,
    /// return an empty Item (kind Node, json null).
    Item toSystem() const;

    bool asBool() const { return std::get<bool>(m_value); }
    qint64 asInteger() const { return std::get<qint64>(m_value); }
    Decimal asDecimal() const { return std::get<Decimal>(m_value); }
    const QString &asString() const { return std::get<QString>(m_value); }
    const PartialDateTime &asDateTime() const { return std::get<PartialDateTime>(m_value); }
    const Quantity &asQuantity() const { return std::get<Quantity>(m_value); }

    /// The item as `{"type": ..., "value": ...}`: nodes with their FHIR type and JSON value,
    /// dates, times and quantities in their FHIRPath literal text.
    nlohmann::json toJson() const;
    /// Short text for display: the value, or the compact JSON of a complex node.
    QString toDisplayString() const;

private:
    Kind m_kind = Kind::Node;
    const nlohmann::json *m_json = nullptr;
    const nlohmann::json *m_ext = nullptr;
    const TypeNode *m_type = nullptr; // owned by the model's index
    std::variant<std::monostate, bool, qint64, Decimal, QString, PartialDateTime, Quantity> m_value;
};

using Collection = QList<Item>;

} // namespace fhir::fhirpath
