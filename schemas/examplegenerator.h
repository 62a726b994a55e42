#pragma once

#include "schemas/model.h"

#include <nlohmann/json.hpp>

#include <memory>

namespace fhir::schema {

/// Makes an example instance of any resource type from the model: every required element
/// (min ≥ 1, recursively), plus the type's top-level summary elements of simple types, with
/// values that fit each element's type and, where the spec's files define the codes, its
/// binding. The result passes `Validator`; it is a starting point to edit, not clinical data.
///
///     ExampleGenerator examples(model);
///     nlohmann::json claim = *examples.generate(u"Claim"_s);
class ExampleGenerator
{
public:
    explicit ExampleGenerator(std::shared_ptr<const Model> model);

    /// An example of a resource type, or an error for a type the model does not know.
    Result<nlohmann::json> generate(const QString &resourceType) const;

private:
    nlohmann::json valueFor(const ElementNode &node, const QString &type, int depth) const;
    nlohmann::json complexValue(const ElementNode &node, const QString &type, int depth) const;
    void fillRequired(nlohmann::json &object, const ElementNode &node, int depth,
                      bool withSummary) const;
    std::shared_ptr<const Model> m_model;
};

} // namespace fhir::schema
