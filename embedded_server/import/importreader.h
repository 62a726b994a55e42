#pragma once

#include "schemas/result.h"

#include <QFile>
#include <QList>
#include <QString>

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace fhir::server {

/// What a file to import holds.
enum class ImportFileKind {
    Resource, ///< one resource
    Bundle, ///< a Bundle: a transaction or batch is sent whole, any other type entry by entry
    Ndjson ///< one resource a line, as bulk export writes it
};

/// One resource (or one transaction/batch Bundle) read from a file, and where it came from.
struct ImportItem
{
    nlohmann::json resource;
    qint64 line = 0; ///< 1-based line of an NDJSON file, else 0
    int entry = -1; ///< index in Bundle.entry, else -1
};

/// Something in the file that cannot be imported; the rest of the file still can.
struct ImportProblem
{
    qint64 line = 0;
    int entry = -1;
    QString message;

    /// "line 12: ..." / "entry 3: ..." / the message alone.
    QString text() const;
};

/// Reads FHIR JSON files for import: a single resource, a Bundle, or NDJSON. NDJSON streams:
/// it is read a chunk of lines at a time, never whole, so a file of any size imports in
/// bounded memory; a bad line is reported by number and the good ones still come through.
///
///     auto reader = ImportReader::open(path);
///     std::vector<ImportItem> items;
///     QList<ImportProblem> problems;
///     while ((*reader)->next(items, problems, 500)) { load(items); items.clear(); }
class ImportReader
{
public:
    /// Opens the file and finds out what it holds. A file that is neither JSON nor NDJSON,
    /// or is empty, is an error.
    static Result<std::unique_ptr<ImportReader>> open(const QString &path);

    ImportFileKind kind() const { return m_kind; }
    /// Bundle.type for a Bundle file ("transaction", "batch", "collection"...), else empty.
    QString bundleType() const { return m_bundleType; }
    /// Whether the Bundle must be sent whole (transaction or batch).
    bool sendsWholeBundle() const;

    /// Appends up to `max` items to `items` and any problems found on the way to `problems`.
    /// Returns false once the file is exhausted (items may still have been appended).
    bool next(std::vector<ImportItem> &items, QList<ImportProblem> &problems, int max = 500);

    /// For progress: bytes consumed so far, and the file's size.
    qint64 bytesRead() const;
    qint64 size() const { return m_size; }

    /// The longest NDJSON line accepted (bytes); a longer one is reported and skipped.
    static constexpr qint64 kMaxLineBytes = 64 * 1024 * 1024;

private:
    ImportReader() = default;
    static std::optional<QString> checkResource(const nlohmann::json &value);

    QFile m_file;
    qint64 m_size = 0;
    ImportFileKind m_kind = ImportFileKind::Resource;
    QString m_bundleType;
    // Resource and Bundle files are parsed whole at open; `m_pending` holds what next() hands out.
    std::vector<ImportItem> m_pending;
    size_t m_pendingAt = 0;
    QList<ImportProblem> m_openProblems;
    qint64 m_line = 0;
    QByteArray m_lineBuffer; // reused for every NDJSON line
    bool m_done = false;
};

} // namespace fhir::server
