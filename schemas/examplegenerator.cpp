#include "examplegenerator.h"

using nlohmann::json;

namespace fhir::schema {

namespace {

constexpr int kMaxDepth = 8;
constexpr const char *kUcum = "http://unitsofmeasure.org";

QString capitalized(const QString &s)
{
    return s.isEmpty() ? s : s.left(1).toUpper() + s.mid(1);
}

bool isPlumbing(const QString &name)
{
    // Elements every resource or element has, which an example does not need.
    static const QStringList names = {QStringLiteral("id"),
                                      QStringLiteral("meta"),
                                      QStringLiteral("implicitRules"),
                                      QStringLiteral("language"),
                                      QStringLiteral("text"),
                                      QStringLiteral("contained"),
                                      QStringLiteral("extension"),
                                      QStringLiteral("modifierExtension")};
    return names.contains(name);
}

bool isSimpleType(const QString &type)
{
    static const QStringList simple = {QStringLiteral("boolean"),
                                       QStringLiteral("code"),
                                       QStringLiteral("string"),
                                       QStringLiteral("date"),
                                       QStringLiteral("dateTime"),
                                       QStringLiteral("instant"),
                                       QStringLiteral("uri"),
                                       QStringLiteral("url"),
                                       QStringLiteral("canonical"),
                                       QStringLiteral("integer"),
                                       QStringLiteral("decimal"),
                                       QStringLiteral("markdown"),
                                       QStringLiteral("positiveInt"),
                                       QStringLiteral("unsignedInt"),
                                       QStringLiteral("CodeableConcept"),
                                       QStringLiteral("Coding"),
                                       QStringLiteral("Identifier"),
                                       QStringLiteral("Reference"),
                                       QStringLiteral("HumanName"),
                                       QStringLiteral("ContactPoint"),
                                       QStringLiteral("Period")};
    return simple.contains(type);
}

json quantity(double value, const char *unit)
{
    return {{"value", value}, {"unit", unit}, {"system", kUcum}, {"code", unit}};
}

} // namespace

ExampleGenerator::ExampleGenerator(std::shared_ptr<const Model> model)
    : m_model(std::move(model))
{
}

Result<json> ExampleGenerator::generate(const QString &resourceType) const
{
    if (!m_model || !m_model->isResourceType(resourceType))
        return Error{QStringLiteral("\"%1\" is not a resource type").arg(resourceType)};
    const Result<ElementNode> root = m_model->element(resourceType);
    if (!root)
        return Error{root.error()};
    json out = {{"resourceType", resourceType.toStdString()}};
    fillRequired(out, *root, 0, true);
    return out;
}

void ExampleGenerator::fillRequired(json &object, const ElementNode &node, int depth,
                                    bool withSummary) const
{
    const Result<QList<ElementNode>> children = m_model->children(node.path);
    if (!children)
        return;
    for (const ElementNode &child : *children) {
        const ElementDefinition &def = *child.definition;
        const QString name = def.name();
        if (isPlumbing(name) || def.max == QLatin1String("0"))
            continue;
        if (def.min < 1) {
            // Beside what is required, the resource's own simple summary elements make the
            // example read like one.
            if (!withSummary || !def.isSummary || def.isChoice() || def.types.size() != 1
                || !isSimpleType(def.types.first().code))
                continue;
        }
        ElementNode target = child;
        QString jsonName = name;
        QString type;
        if (def.isChoice()) {
            type = def.types.value(0).code;
            jsonName = name.chopped(3) + capitalized(type);
            target.path = node.path + QLatin1Char('.') + jsonName;
            target.choiceType = type;
        } else if (def.types.size() == 1) {
            type = def.types.first().code;
        }
        const json value = valueFor(target, type, depth + 1);
        if (value.is_null())
            continue;
        object[jsonName.toStdString()] = def.isArray() ? json::array({value}) : value;
    }
}

json ExampleGenerator::valueFor(const ElementNode &node, const QString &type, int depth) const
{
    if (depth > kMaxDepth)
        return nullptr;
    const ElementDefinition &def = *node.definition;
    const std::string name = def.name().chopped(def.isChoice() ? 3 : 0).toStdString();
    if (type == QLatin1String("boolean"))
        return true;
    if (type == QLatin1String("integer") || type == QLatin1String("positiveInt"))
        return 1;
    if (type == QLatin1String("unsignedInt"))
        return 0;
    if (type == QLatin1String("decimal"))
        return 1.5;
    if (type == QLatin1String("string") || type == QLatin1String("markdown"))
        return "Example " + name;
    if (type == QLatin1String("id"))
        return "example";
    if (type == QLatin1String("uri") || type == QLatin1String("url"))
        return "http://example.org/fhir/" + name;
    if (type == QLatin1String("canonical"))
        return "http://example.org/fhir/" + name + "/example";
    if (type == QLatin1String("oid"))
        return "urn:oid:2.16.840.1.113883.19.5";
    if (type == QLatin1String("uuid"))
        return "urn:uuid:4f4a1b7e-8c1d-4f2a-9a5e-0d3c6b2e1f10";
    if (type == QLatin1String("date"))
        return "2024-01-15";
    if (type == QLatin1String("dateTime"))
        return "2024-01-15T10:30:00Z";
    if (type == QLatin1String("instant"))
        return "2024-01-15T10:30:00.000Z";
    if (type == QLatin1String("time"))
        return "10:30:00";
    if (type == QLatin1String("base64Binary"))
        return "SGVsbG8sIEZISVIh"; // "Hello, FHIR!"
    if (type == QLatin1String("xhtml"))
        return "<div xmlns=\"http://www.w3.org/1999/xhtml\">Example</div>";
    if (type == QLatin1String("code")) {
        if (def.binding) {
            const QString vsUrl = def.binding->valueSet;
            if (const auto vs = m_model->valueSet(vsUrl); vs && !(*vs)->codes.isEmpty())
                return (*vs)->codes.first().code.toStdString();
            if (vsUrl.contains(QLatin1String("mimetypes")))
                return "text/plain";
            if (vsUrl.contains(QLatin1String("languages")))
                return "en-US";
            if (vsUrl.contains(QLatin1String("currencies")))
                return "USD";
            if (vsUrl.contains(QLatin1String("ucum")))
                return "mg";
        }
        return "example";
    }
    if (type.isEmpty() && def.contentReference.isEmpty())
        return nullptr;
    return complexValue(node, type, depth);
}

json ExampleGenerator::complexValue(const ElementNode &node, const QString &type, int depth) const
{
    const ElementDefinition &def = *node.definition;
    if (type == QLatin1String("Resource"))
        return nullptr; // a nested resource is the user's to choose
    if (type == QLatin1String("CodeableConcept") || type == QLatin1String("Coding")) {
        json coding;
        if (def.binding) {
            if (const auto vs = m_model->valueSet(def.binding->valueSet);
                vs && !(*vs)->codes.isEmpty()) {
                const ValueSetCode &c = (*vs)->codes.first();
                coding = {{"system", c.system.toStdString()}, {"code", c.code.toStdString()}};
                if (!c.display.isEmpty())
                    coding["display"] = c.display.toStdString();
            }
        }
        if (type == QLatin1String("Coding"))
            return coding.is_null()
                ? json{{"system", "http://example.org/codes"}, {"code", "example"}}
                : coding;
        if (coding.is_null())
            return {{"text", "Example " + def.name().toStdString()}};
        return {{"coding", json::array({coding})}};
    }
    if (type == QLatin1String("Reference")) {
        QString target = QStringLiteral("Patient");
        for (const TypeRef &t : def.types) {
            if (t.code != QLatin1String("Reference"))
                continue;
            for (const QString &candidate : t.targetTypes()) {
                if (m_model->isResourceType(candidate)) {
                    target = candidate;
                    break;
                }
            }
        }
        const std::string name = target.toStdString();
        return {{"reference", name + "/example"}, {"display", "Example " + name}};
    }
    if (type == QLatin1String("Quantity"))
        return quantity(1, "mg");
    if (type == QLatin1String("Age"))
        return {{"value", 42}, {"unit", "years"}, {"system", kUcum}, {"code", "a"}};
    if (type == QLatin1String("Duration"))
        return {{"value", 1}, {"unit", "hours"}, {"system", kUcum}, {"code", "h"}};
    if (type == QLatin1String("Distance"))
        return quantity(1, "m");
    if (type == QLatin1String("Count"))
        return {{"value", 1}, {"system", kUcum}, {"code", "1"}};
    if (type == QLatin1String("Money"))
        return {{"value", 10}, {"currency", "USD"}};
    if (type == QLatin1String("Identifier"))
        return {{"system", "http://example.org/identifiers"}, {"value", "12345"}};
    if (type == QLatin1String("HumanName"))
        return {{"family", "Example"}, {"given", json::array({"Alex"})}};
    if (type == QLatin1String("ContactPoint"))
        return {{"system", "phone"}, {"value", "555-0100"}};
    if (type == QLatin1String("Address"))
        return {{"line", json::array({"1 Example Street"})},
                {"city", "Springfield"},
                {"country", "US"}};
    if (type == QLatin1String("Period"))
        return {{"start", "2024-01-15"}};
    if (type == QLatin1String("Range"))
        return {{"low", quantity(1, "mg")}};
    if (type == QLatin1String("Ratio"))
        return {{"numerator", quantity(1, "mg")}, {"denominator", quantity(1, "mL")}};
    if (type == QLatin1String("Attachment"))
        return {{"contentType", "text/plain"}, {"data", "SGVsbG8sIEZISVIh"}, {"title", "Example"}};
    if (type == QLatin1String("Annotation"))
        return {{"text", "Example note"}};
    if (type == QLatin1String("Narrative"))
        return {{"status", "generated"},
                {"div", "<div xmlns=\"http://www.w3.org/1999/xhtml\">Example</div>"}};
    if (type == QLatin1String("Timing"))
        return {{"repeat", {{"frequency", 1}, {"period", 1}, {"periodUnit", "d"}}}};

    // Backbone elements and other data types: what they require; failing that, their first
    // simple element, so that the object is never empty.
    json object = json::object();
    fillRequired(object, node, depth, false);
    if (!object.empty())
        return object;
    const Result<QList<ElementNode>> children = m_model->children(node.path);
    if (!children)
        return nullptr;
    for (const ElementNode &child : *children) {
        const ElementDefinition &c = *child.definition;
        if (isPlumbing(c.name()) || c.isChoice() || c.types.size() != 1
            || !isSimpleType(c.types.first().code))
            continue;
        const json value = valueFor(child, c.types.first().code, depth + 1);
        if (value.is_null())
            continue;
        object[c.name().toStdString()] = c.isArray() ? json::array({value}) : value;
        return object;
    }
    return nullptr;
}

} // namespace fhir::schema
