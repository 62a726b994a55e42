#pragma once

#include <QLoggingCategory>

// "fhir.app": deployments, secrets, history. Log a secret's name, never its value.
Q_DECLARE_LOGGING_CATEGORY(lcApp)
