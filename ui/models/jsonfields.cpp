#include "jsonfields.h"

using Json = nlohmann::json;

namespace fhir::ui::jsonfields {

const Json &member(const Json &object, const char *key)
{
    static const Json none;
    if (!object.is_object())
        return none;
    const auto it = object.find(key);
    return it == object.end() ? none : *it;
}

QString text(const Json &object, const char *key)
{
    const Json &value = member(object, key);
    if (value.is_string())
        return QString::fromStdString(value.get<std::string>());
    if (value.is_number_integer())
        return QString::number(value.get<qint64>());
    if (value.is_number())
        return QString::number(value.get<double>());
    if (value.is_boolean())
        return value.get<bool>() ? QStringLiteral("true") : QStringLiteral("false");
    return {};
}

QStringList strings(const Json &object, const char *key)
{
    QStringList out;
    const Json &value = member(object, key);
    if (!value.is_array())
        return out;
    for (const Json &item : value) {
        if (item.is_string())
            out.append(QString::fromStdString(item.get<std::string>()));
    }
    return out;
}

} // namespace fhir::ui::jsonfields
