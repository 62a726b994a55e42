#pragma once

// Reading fields of FHIR JSON without exceptions: a missing key or a value of another JSON
// type gives an empty answer, as item models want it.

#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

namespace fhir::ui::jsonfields {

/// A member of an object, or a null json when `object` is not an object or lacks `key`.
const nlohmann::json &member(const nlohmann::json &object, const char *key);
/// A string, number or boolean member as text; empty otherwise.
QString text(const nlohmann::json &object, const char *key);
/// The strings of an array member.
QStringList strings(const nlohmann::json &object, const char *key);

} // namespace fhir::ui::jsonfields
