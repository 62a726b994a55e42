#pragma once

#include <nlohmann/json.hpp>

namespace fhir::server {

/// Reads JSON text into an nlohmann::ordered_json, members in the order written, as
/// ordered_json::parse() does, in about half the time.
///
///     nlohmann::ordered_json resource;
///     if (readOrderedJson(body.constData(), body.constData() + body.size(), 100, resource)
///         != JsonReadStatus::Ok) ...
///
/// ordered_json keeps an object's members in a vector whose elements have const keys, so each
/// time it grows it copies, deep, every member added so far; parse() adds members one at a
/// time, so each large value is copied again and again. This reader gathers an object's
/// members first and moves them in once. A key written twice keeps its last value, as with
/// parse().
enum class JsonReadStatus {
    Ok,
    Malformed,
    TooDeep, ///< objects and arrays nest deeper than the limit
};

JsonReadStatus readOrderedJson(const char *begin, const char *end, int maxDepth,
                               nlohmann::ordered_json &out);

} // namespace fhir::server
