#include "serverlogging.h"

Q_LOGGING_CATEGORY(lcServer, "fhir.server", QtInfoMsg)
