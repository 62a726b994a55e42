#pragma once

// Internal: text to syntax tree.

#include "schemas/fhirpath/ast.h"
#include "schemas/result.h"

#include <memory>

namespace fhir::fhirpath {

Result<std::unique_ptr<Node>> parseExpression(const QString &text);

} // namespace fhir::fhirpath
