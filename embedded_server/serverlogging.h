#pragma once

#include <QLoggingCategory>

/// The embedded server's one logging category, "fhir.server" (QtInfoMsg and above by default).
/// Never log PHI (resource contents, search values) or secrets.
Q_DECLARE_LOGGING_CATEGORY(lcServer)
