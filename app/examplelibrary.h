#pragma once

#include "schemas/model.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <memory>

namespace fhir::app {

/// An example payload offered for a resource type.
struct Example
{
    QString name; ///< "patient-example-a", or "generated" for a model-made one
    QString resourceType; ///< the resource it is; "Bundle" for the transaction example
    QString description; ///< one line for a drop-down
    QByteArray json; ///< pretty-printed, `resourceType` first
    bool curated = false;
};

/// The examples for each resource type: the curated payloads shipped under
/// resources/examples (compiled in at `:/examples`), then one generated from the model, so
/// every type has at least one.
///
///     ExampleLibrary library(model);
///     const QList<Example> forPatient = library.examplesFor(u"Patient"_s);
class ExampleLibrary
{
public:
    explicit ExampleLibrary(std::shared_ptr<const schema::Model> model,
                            const QString &curatedDir = QStringLiteral(":/examples"));

    /// Curated examples of the type first, then the generated one. Empty for a type the
    /// model does not know.
    QList<Example> examplesFor(const QString &resourceType) const;

    /// Every curated example, whatever its type.
    const QList<Example> &curated() const { return m_curated; }

private:
    std::shared_ptr<const schema::Model> m_model;
    QList<Example> m_curated;
};

/// Pretty JSON with `resourceType` first, as people write FHIR by hand; with a model, the
/// resource's elements follow in the spec's order.
QByteArray prettyResource(const nlohmann::json &resource, const schema::Model *model = nullptr);

} // namespace fhir::app
