#pragma once

#include <QString>

namespace fhir::app {

/// Where an element sits in a JSON text, in QString positions.
struct JsonSpan
{
    qsizetype start = -1; ///< the element's key (its opening quote), or the value in an array
    qsizetype end = -1; ///< one past the value's last character
    bool exact = false; ///< false when only an enclosing element was found

    bool isValid() const { return start >= 0; }
};

/// Finds the element a FHIRPath location names in the text of a resource:
/// "Patient.name[0].given[1]" (the first step is the resource type, as the validator and
/// OperationOutcome.issue.expression write it). A step without an index is its first item
/// (or the whole repeating element); a choice element is found by its name ("deceased",
/// "deceased[x]" or "deceased.ofType(boolean)" all name "deceasedBoolean"). When the element
/// itself is absent (a missing required element) or the path goes on with a function
/// (`where(...)`), the nearest enclosing element that exists is returned, not exact.
/// An invalid span when the text is not JSON.
JsonSpan locateJsonPath(const QString &json, const QString &location);

} // namespace fhir::app
