#pragma once

#include "commandline.h"

namespace fhir::app {

/// `fhir-portal serve`: runs the embedded FHIR server without a window until SIGINT or
/// SIGTERM, then stops it cleanly. Needs a QCoreApplication; runs its event loop. Returns the
/// process's exit code: 0 after a clean stop, 1 when the server cannot start.
int runServe(const Invocation &invocation);

/// `fhir-portal import FILE...`: loads each file into the store and prints what became of it.
/// 0 when every file loaded whole, else 1.
int runImport(const Invocation &invocation);

/// `fhir-portal auth ...`: adds, removes or lists the users and applications of a
/// deployment's authorization server. A new user's password comes from standard input (one
/// line); a new confidential application's secret is printed once. 0 on success, else 1.
int runAuth(const Invocation &invocation);

/// Where `serve` and `import` keep their store when no --data is given: the "serve"
/// deployment under the app's data location.
QString defaultServeFolder();

} // namespace fhir::app
