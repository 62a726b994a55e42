#include "applogging.h"

Q_LOGGING_CATEGORY(lcApp, "fhir.app", QtInfoMsg)
