#pragma once

#include "fhirserver.h"

#include "embedded_server/import/importreader.h"

#include <QList>
#include <QString>

#include <atomic>
#include <functional>

namespace fhir::server {

/// What importing one file did.
struct FileImportReport
{
    QString path;
    qint64 loaded = 0; ///< resources (or batch entries) the server accepted
    QList<ImportProblem> problems; ///< entries or lines not loaded, each with why
    QString error; ///< set when the file as a whole was not loaded: nothing of it was written
    bool cancelled = false;

    bool ok() const { return error.isEmpty() && problems.isEmpty() && !cancelled; }
    /// "FILE: 98 loaded, 2 not loaded" and one indented line per problem.
    QString text() const;
};

/// Imports one FHIR JSON file into a server (through its handle(), so every resource is
/// validated as any client's would be), reading it with ImportReader:
/// - a transaction Bundle is posted whole: all or nothing, and a refusal names the entry;
/// - a batch Bundle is posted whole: each failed entry is reported by its index;
/// - a single resource, the entries of any other Bundle and the lines of NDJSON are written
///   as batches of up to `chunk` (PUT Type/id when they have an id, else POST), so a bad one
///   is reported by entry or line number and the others still load.
/// NDJSON streams: memory stays bounded whatever the file's size. `cancel` is checked
/// between two batches; `progress` gets bytes read and the file's size.
FileImportReport importFile(FhirServer &server, const QString &path,
                            const std::function<void(qint64 done, qint64 total)> &progress = {},
                            const std::atomic_bool *cancel = nullptr, int chunk = 500);

} // namespace fhir::server
