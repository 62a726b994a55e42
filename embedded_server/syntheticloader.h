#pragma once

#include "fhirserver.h"

#include "embedded_server/synthetic/generator.h"

#include <atomic>
#include <functional>

namespace fhir::server {

/// What a load did.
struct LoadReport
{
    int patientsLoaded = 0;
    qint64 resourcesLoaded = 0;
    bool cancelled = false;
};

/// Loads a synthetic clinic into a server as transactions: the shared resources first, then
/// `patientsPerTransaction` patient records at a time, each resource PUT under its generated
/// id (so a seed loads the same ids every time). Each transaction is all or nothing, so a
/// cancel or an error between two of them leaves the store consistent: whole records only.
///
///     std::atomic_bool cancel = false;
///     auto report = loadSynthetic(server, Generator({.seed = 1, .patients = 100}),
///                                 [](int done, int total) { showProgress(done, total); },
///                                 &cancel);
Result<LoadReport> loadSynthetic(FhirServer &server, const synthetic::Generator &generator,
                                 const std::function<void(int done, int total)> &progress = {},
                                 const std::atomic_bool *cancel = nullptr,
                                 int patientsPerTransaction = 10);

} // namespace fhir::server
