#include "walcheckpointer.h"

#include "serverlogging.h"

#include <sqlite3.h>

using namespace Qt::StringLiterals;

namespace fhir::server {

Result<std::unique_ptr<WalCheckpointer>>
WalCheckpointer::start(sqlite3 *writer, const QString &path, const char *vfs, int thresholdPages)
{
    sqlite3 *own = nullptr;
    const int rc = sqlite3_open_v2(path.toUtf8().constData(), &own,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, vfs);
    if (rc != SQLITE_OK) {
        const QString message = own ? QString::fromUtf8(sqlite3_errmsg(own)) : QString();
        sqlite3_close_v2(own);
        return Error{u"cannot open %1 for checkpoints: %2"_s.arg(path, message)};
    }
    sqlite3_busy_timeout(own, 5000);
    // A connection learns the database is in WAL mode when it first reads it; until then a
    // checkpoint on it does nothing.
    char *error = nullptr;
    if (sqlite3_exec(own, "PRAGMA schema_version", nullptr, nullptr, &error) != SQLITE_OK) {
        const QString message = QString::fromUtf8(error);
        sqlite3_free(error);
        sqlite3_close_v2(own);
        return Error{u"cannot read %1 for checkpoints: %2"_s.arg(path, message)};
    }
    return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(writer, own, thresholdPages));
}

WalCheckpointer::WalCheckpointer(sqlite3 *writer, sqlite3 *own, int thresholdPages)
    : m_writer(writer)
    , m_own(own)
    , m_threshold(thresholdPages)
{
    // The hook replaces SQLite's automatic checkpoint, which is a WAL hook too.
    sqlite3_wal_hook(m_writer, &WalCheckpointer::committed, this);
    m_thread = std::thread([this] { run(); });
}

WalCheckpointer::~WalCheckpointer()
{
    sqlite3_wal_hook(m_writer, nullptr, nullptr);
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    m_thread.join();
    sqlite3_close_v2(m_own);
}

int WalCheckpointer::committed(void *self, sqlite3 *db, const char *schema, int pages)
{
    auto *checkpointer = static_cast<WalCheckpointer *>(self);
    if (pages < checkpointer->m_threshold) {
        checkpointer->m_askedAt = 0;
        return SQLITE_OK;
    }
    if (pages >= 4 * checkpointer->m_threshold) {
        // The log has had no pause in which to start over: checkpoint here, in the commit, as
        // SQLite's own automatic checkpoint does, once the thread's run (which would make
        // this one fail as busy) is over; holding the mutex keeps it from starting another.
        std::unique_lock lock(checkpointer->m_mutex);
        checkpointer->m_idle.wait(lock, [checkpointer] { return !checkpointer->m_running; });
        const int rc
            = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            qCWarning(lcServer) << "checkpoint failed:" << sqlite3_errstr(rc);
        return SQLITE_OK;
    }
    // Under steady writes the log stays past the threshold: ask again only once it has grown
    // by a quarter of it, so that the thread copies pages in batches, not after every commit.
    if (pages < checkpointer->m_askedAt + checkpointer->m_threshold / 4)
        return SQLITE_OK;
    checkpointer->m_askedAt = pages;
    {
        std::lock_guard lock(checkpointer->m_mutex);
        checkpointer->m_wanted = true;
    }
    checkpointer->m_wake.notify_one();
    return SQLITE_OK;
}

void WalCheckpointer::run()
{
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_wanted || m_stopping; });
            if (m_stopping)
                return;
            m_wanted = false;
            m_running = true;
        }
        // PASSIVE: copies what no reader still needs, never waits for the writer or readers.
        // SQLITE_BUSY means another connection's checkpoint is running; the next commit asks
        // again.
        const int rc = sqlite3_wal_checkpoint_v2(m_own, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                                 nullptr);
        {
            std::lock_guard lock(m_mutex);
            m_running = false;
        }
        m_idle.notify_all();
        if (rc == SQLITE_OK)
            ++m_done;
        else if (rc != SQLITE_BUSY)
            qCWarning(lcServer) << "background checkpoint failed:" << sqlite3_errstr(rc);
    }
}

} // namespace fhir::server
