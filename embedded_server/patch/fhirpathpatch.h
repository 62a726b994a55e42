#pragma once

#include "schemas/fhirpath/fhirpath.h"
#include "schemas/result.h"

#include <QList>
#include <QString>

#include <nlohmann/json.hpp>

#include <optional>

namespace fhir::server {

/// A FHIRPath Patch (R4 fhirpatch.html): a Parameters resource whose `operation` parameters
/// each name a type (add, insert, delete, replace, move), a FHIRPath `path`, and as the type
/// needs a `name`, a `value` (a value[x], or parts for an element without a data type), an
/// `index`, a `source` and a `destination`.
///
/// As with JsonPatch, parse() refuses a malformed Parameters (400) and apply() a patch the
/// resource cannot take (409, RFC 5789 §2.2): a path that matches nothing (except for
/// delete) or more than one element, an index outside the list, an element added twice.
/// apply() is all or nothing.
///
/// Choices where the page is silent: a delete that empties a list or an object removes it
/// (FHIR JSON has no empty arrays or objects), and the `_name` companion of a primitive goes
/// with it; `add` makes a list when the model says the element repeats.
///
///     auto patch = FhirPathPatch::parse(parameters);
///     if (!patch) return badRequest(patch.error());
///     auto patched = patch->apply(resource, {model});
class FhirPathPatch
{
public:
    enum class Type { Add, Insert, Delete, Replace, Move };

    static Result<FhirPathPatch> parse(const nlohmann::json &parameters);

    /// `env.model` lets paths reach choice elements (Observation.value) and tells add whether
    /// an element repeats; without it add makes a single value.
    Result<nlohmann::json> apply(const nlohmann::json &resource,
                                 const fhirpath::Environment &env) const;

    qsizetype size() const { return m_operations.size(); }

private:
    struct Operation
    {
        Type type = Type::Add;
        std::optional<fhirpath::Expression> path;
        QString pathText;
        QString name;
        std::optional<nlohmann::json> value;
        qint64 index = -1;
        qint64 source = -1;
        qint64 destination = -1;
    };
    FhirPathPatch() = default;
    QList<Operation> m_operations;
};

} // namespace fhir::server
