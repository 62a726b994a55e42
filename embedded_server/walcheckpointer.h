#pragma once

#include "schemas/result.h"

#include <QString>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

struct sqlite3;

namespace fhir::server {

/// Copies a WAL-mode database's committed pages from its write-ahead log back into the
/// database (a checkpoint) on a thread and connection of its own, so that no commit on the
/// writing connection waits for one. SQLite's own automatic checkpoint runs inside the commit
/// that crosses its threshold: tens of milliseconds for a single create, 150 ms after a large
/// transaction.
///
/// Once a commit leaves `thresholdPages` pages in the log, the thread runs a PASSIVE
/// checkpoint, which never blocks the writer. Under writes that never pause the log cannot
/// start over, so past four times the threshold the writer checkpoints itself, as SQLite
/// would have: the log stays bounded.
///
///     auto checkpointer = WalCheckpointer::start(db, path, 8000);  // replaces autocheckpoint
///     ... commits on db ...
///     checkpointer.reset();  // before db is closed
class WalCheckpointer
{
public:
    /// Takes over `writer`'s checkpoints (its WAL hook) until destroyed. `path` is the
    /// database file, opened again for the thread's own connection with `vfs`.
    static Result<std::unique_ptr<WalCheckpointer>> start(sqlite3 *writer, const QString &path,
                                                          const char *vfs, int thresholdPages);
    ~WalCheckpointer();

    /// The checkpoints the thread has run.
    qint64 checkpoints() const { return m_done.load(); }

    WalCheckpointer(const WalCheckpointer &) = delete;
    WalCheckpointer &operator=(const WalCheckpointer &) = delete;

private:
    WalCheckpointer(sqlite3 *writer, sqlite3 *own, int thresholdPages);
    static int committed(void *self, sqlite3 *db, const char *schema, int pages);
    void run();

    sqlite3 *m_writer; ///< not owned
    sqlite3 *m_own; ///< owned: the thread's connection
    int m_threshold;
    int m_askedAt = 0; ///< the log's pages when the thread was last asked; the writer's only
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_wanted = false; ///< under m_mutex
    bool m_stopping = false; ///< under m_mutex
    bool m_running = false; ///< under m_mutex: the thread is checkpointing
    std::condition_variable m_idle; ///< m_running went false
    std::atomic<qint64> m_done{0};
    std::thread m_thread;
};

} // namespace fhir::server
