#pragma once

#include "schemas/model.h"

namespace fhir::app {

/// A plain-text description of an element and its children, as `fhir-portal schema PATH`
/// prints it: cardinality, type, flags (Σ ?! I), short text, binding, the search parameters
/// that index it, and one line per child.
Result<QString> describeElement(const schema::Model &model, const QString &path);

/// The spec's flag letters for an element: "Σ", "?!", "I", "S" (must support).
QString elementFlags(const schema::ElementDefinition &definition);

} // namespace fhir::app
