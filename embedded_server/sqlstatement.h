#pragma once

#include <QByteArray>
#include <QString>

#include <sqlite3.h>

#include <utility>

namespace fhir::server {

/// A prepared SQLite statement: either borrowed from the Store's cache (reset on destruction)
/// or owned (finalized on destruction). Values are only ever bound, never pasted into SQL.
///
///     auto stmt = store.prepare("SELECT id FROM resource WHERE type = ?1");
///     if (!stmt) return Error{stmt.error()};
///     stmt.value().bind(1, type);
///     while (stmt.value().step() == SQLITE_ROW) ids.append(stmt.value().text(0));
class Statement
{
public:
    Statement(sqlite3_stmt *stmt, bool owned)
        : m_stmt(stmt)
        , m_owned(owned)
    {
    }
    Statement(Statement &&other) noexcept
        : m_stmt(std::exchange(other.m_stmt, nullptr))
        , m_owned(other.m_owned)
    {
    }
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;
    Statement &operator=(Statement &&) = delete;
    ~Statement()
    {
        if (!m_stmt)
            return;
        if (m_owned) {
            sqlite3_finalize(m_stmt);
        } else {
            sqlite3_reset(m_stmt);
            sqlite3_clear_bindings(m_stmt);
        }
    }

    void bind(int index, const QString &text)
    {
        if (text.isNull()) {
            sqlite3_bind_null(m_stmt, index);
            return;
        }
        const QByteArray utf8 = text.toUtf8();
        sqlite3_bind_text(m_stmt, index, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
    }
    void bind(int index, const QByteArray &blob)
    {
        if (blob.isNull())
            sqlite3_bind_null(m_stmt, index);
        else
            sqlite3_bind_blob(m_stmt, index, blob.constData(), int(blob.size()), SQLITE_TRANSIENT);
    }
    void bind(int index, qint64 value) { sqlite3_bind_int64(m_stmt, index, value); }
    void bind(int index, double value) { sqlite3_bind_double(m_stmt, index, value); }
    void bindNull(int index) { sqlite3_bind_null(m_stmt, index); }

    /// SQLITE_ROW, SQLITE_DONE or an error code.
    int step() { return sqlite3_step(m_stmt); }
    /// Resets a borrowed statement so it can run again with new bindings.
    void reset()
    {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }

    qint64 int64(int column) const { return sqlite3_column_int64(m_stmt, column); }
    bool isNull(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }
    QString text(int column) const
    {
        const auto *data = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
        return data ? QString::fromUtf8(data, sqlite3_column_bytes(m_stmt, column)) : QString();
    }
    QByteArray blob(int column) const
    {
        const auto *data = static_cast<const char *>(sqlite3_column_blob(m_stmt, column));
        return data ? QByteArray(data, sqlite3_column_bytes(m_stmt, column)) : QByteArray();
    }

private:
    sqlite3_stmt *m_stmt = nullptr;
    bool m_owned = false;
};

} // namespace fhir::server
