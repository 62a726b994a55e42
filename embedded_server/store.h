#pragma once

#include "schemas/result.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVariantList>

#include <limits>
#include <memory>
#include <optional>
#include <utility>

struct sqlite3;

namespace fhir::server {

class Statement;

/// One version of a resource, as the store keeps it.
struct StoredVersion
{
    QString type;
    QString id;
    qint64 version = 0; ///< 1, 2, 3... per resource
    qint64 lastUpdatedMs = 0; ///< milliseconds since the epoch, UTC
    bool deleted = false; ///< a logical delete: no content
    QByteArray method; ///< the interaction that made it: "POST", "PUT", "DELETE"
    QByteArray content; ///< the resource as compact JSON, meta included; empty when deleted
    qint64 sequence = 0; ///< store-wide order of writes, set by append()
    qint64 pk = 0; ///< the resource's row in `resource`, set by append() and every read
};

/// Versions, newest first: of one resource (type and id), of a type (type only) or of the
/// whole store (neither).
struct HistoryQuery
{
    QString type;
    QString id;
    std::optional<qint64> sinceMs; ///< only versions written at or after this time
    /// Only versions that were current at some moment of [atFromMs, atToMs) (`_at`).
    std::optional<std::pair<qint64, qint64>> atMs;
    qint64 offset = 0;
    qint64 count = 20;
};

struct Page
{
    qint64 total = 0; ///< matches in all, not only in this page
    QList<StoredVersion> versions;
};

/// The embedded server's SQLite database: one file in WAL mode, with numbered migrations
/// recorded in `PRAGMA user_version`. Every statement is prepared and bound.
///
/// Tables (schema 1): `resource_version` holds every version of every resource (the history),
/// `resource` has one row per resource pointing at its current version. Schema 2 adds
/// `api_key`, the hashes of the deployment's API keys (auth/apikeys.h). Schema 3 adds the
/// search index: `search_param` (one row per resource type and parameter code) and one
/// table per parameter type (`idx_string`, `idx_token`, `idx_date`, `idx_number`,
/// `idx_quantity`, `idx_reference`, `idx_uri`) keyed by `resource.pk`; the indexer in
/// search/ fills them, and `index_pending` lists resources still to index. Schema 4 adds
/// `idx_composite`, the components of composite parameters, grouped by the element they were
/// read from. Schema 5 makes the index tables WITHOUT ROWID tables keyed by (pk, param, n), `n`
/// numbering a resource's rows: a resource's rows are stored together, with no per-resource
/// index to write beside them. Schema 6 adds the OAuth 2.0 tables (`oauth_*`, see auth/).
///
/// Not thread-safe: one Store per thread (SQLite connections are cheap; WAL lets readers on
/// other connections run beside a writer).
///
///     auto store = Store::open(folder);
///     if (!store) return fail(store.error());
///     Store::Transaction tx(**store);
///     ... (*store)->append(version) ...
///     if (auto ok = tx.commit(); !ok) return fail(ok.error());
class Store
{
public:
    /// The schema version this build writes; open() migrates older databases up to it.
    static constexpr int SchemaVersion = 6;
    static QString fileName() { return QStringLiteral("fhir.sqlite"); }

    /// Opens (creating if needed) `folder`/fhir.sqlite and migrates it. Refuses a database
    /// written by a newer build.
    static Result<std::unique_ptr<Store>> open(const QString &folder);
    ~Store();
    Store(const Store &) = delete;
    Store &operator=(const Store &) = delete;

    QString filePath() const;
    /// The WAL checkpoints run so far on the store's own checkpoint thread (walcheckpointer.h).
    qint64 backgroundCheckpoints() const;
    /// `PRAGMA user_version`: the schema version of the open database.
    Result<int> userVersion();
    /// `PRAGMA journal_mode`: "wal" once open.
    Result<QString> journalMode();

    /// A write transaction (BEGIN IMMEDIATE). Rolled back when destroyed uncommitted, so an
    /// early return never leaves half a write. Transactions nest: one opened while another is
    /// active is a savepoint inside it, so an interaction can run alone or as one entry of a
    /// FHIR transaction, whose outer Transaction then decides for all of them. Destroy (or
    /// commit) nested ones before the outer one.
    class Transaction
    {
    public:
        /// How Transactions opened inside this one behave.
        enum class Nesting {
            Savepoints, ///< each is a savepoint, undone alone when it is not committed
            /// None is undone alone: the whole of this one is. For an all-or-nothing FHIR
            /// transaction, where savepoints would only copy pages; one that wrote and was left
            /// uncommitted makes this one's commit fail, so nothing half-done is committed.
            AllOrNothing
        };

        explicit Transaction(Store &store, Nesting nesting = Nesting::Savepoints);
        ~Transaction();
        Transaction(const Transaction &) = delete;
        Transaction &operator=(const Transaction &) = delete;

        bool isActive() const { return m_active; }
        QString error() const { return m_error; }
        Result<bool> commit();

    private:
        static QByteArray savepointName(int depth);

        Store &m_store;
        int m_depth = 0; // 0: the outermost
        bool m_flat = false; // inside an AllOrNothing one: no savepoint of its own
        qint64 m_changesAtStart = 0; // sqlite3_total_changes64 when a flat one began
        bool m_active = false;
        QString m_error;
    };

    /// The current version of a resource (possibly a deletion), or nullopt when it never
    /// existed.
    Result<std::optional<StoredVersion>> current(const QString &type, const QString &id);
    /// One version of a resource, or nullopt.
    Result<std::optional<StoredVersion>> version(const QString &type, const QString &id,
                                                 qint64 version);
    /// Stores a new version and makes it current; sets `version.sequence`. Call inside a
    /// Transaction. The caller picks the version number (current + 1).
    Result<bool> append(StoredVersion &version);

    Result<Page> history(const HistoryQuery &query);

    /// A statement for the search index and queries that live beside the store (search/).
    /// `cached` keeps it prepared for reuse: only for SQL texts of a bounded set.
    Result<Statement> prepare(const QByteArray &sql, bool cached = true);
    /// The columns readVersions() expects, in order, with `v` for resource_version and `r`
    /// for resource: "v.type, v.id, ..., r.pk".
    static QByteArray versionColumns();
    /// Every row of a SELECT of versionColumns().
    Result<QList<StoredVersion>> versions(Statement &statement);
    /// SQLite's message for the last failure.
    QString lastError() const;

    /// Runs one statement on a small table beside the resources (the auth tables) and returns
    /// its rows. `sql` is fixed text; `values` are bound to ?1, ?2... in order: QString as
    /// text, QByteArray as a blob, a null QVariant as NULL, anything else as an integer.
    /// Columns come back as qint64, QString, QByteArray or a null QVariant.
    Result<QList<QVariantList>> query(const QByteArray &sql, const QVariantList &values = {});
    /// Rows inserted, updated or deleted by the last query().
    qint64 changes() const;

private:
    Store();
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace fhir::server
