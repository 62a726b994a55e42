#pragma once

#include "schemas/result.h"

#include <nlohmann/json.hpp>

namespace fhir::server {

/// A JSON Patch document (RFC 6902): add, remove, replace, move, copy and test, with JSON
/// Pointers (RFC 6901: `~0` is '~', `~1` is '/', `-` the end of an array). Pure: it knows
/// nothing of FHIR or HTTP.
///
/// Two steps that fail for different reasons: parse() refuses a malformed document (the
/// server answers 400), apply() refuses a patch the target cannot take, a failing `test` or a
/// path that does not exist (409: RFC 5789 §2.2, "conflicting state"). Either way the target
/// is untouched; apply() is all or nothing.
///
///     auto patch = JsonPatch::parse(nlohmann::json::parse(body));
///     if (!patch) return badRequest(patch.error());       // "operation 1: ..."
///     auto patched = patch->apply(resource);
///     if (!patched) return conflict(patched.error());
class JsonPatch
{
public:
    /// Checks the document's shape: an array of objects, each with a known `op`, a valid
    /// `path`, a valid `from` for move and copy, and a `value` for add, replace and test.
    static Result<JsonPatch> parse(const nlohmann::json &document);

    /// The target with every operation applied in order, or the first one that failed.
    Result<nlohmann::json> apply(const nlohmann::json &target) const;

    size_t size() const { return m_operations.size(); }

private:
    explicit JsonPatch(nlohmann::json operations);
    nlohmann::json m_operations; // an array, checked by parse()
};

} // namespace fhir::server
