#pragma once

#include "schemas/model.h"

#include <QTest>

/// The FHIR model the build made, for tests; fails the test run loudly when it is missing.
inline std::shared_ptr<const fhir::schema::Model> loadTestModel()
{
    auto model = fhir::schema::Model::loadDefault();
    if (!model)
        qFatal("cannot load the FHIR model: %s", qPrintable(model.error()));
    return *model;
}
