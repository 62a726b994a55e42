// The SQLite store: migrations, WAL, versions and history, and all-or-nothing writes.

#include "embedded_server/store.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <algorithm>
#include <sys/wait.h>
#include <unistd.h>

using namespace fhir::server;
using namespace Qt::StringLiterals;

class TestStore : public QObject
{
    Q_OBJECT

private:
    static StoredVersion version(const QString &id, qint64 number, qint64 ms, bool deleted = false)
    {
        StoredVersion v;
        v.type = u"Patient"_s;
        v.id = id;
        v.version = number;
        v.lastUpdatedMs = ms;
        v.deleted = deleted;
        v.method = deleted ? "DELETE" : "PUT";
        if (!deleted)
            v.content = "{\"resourceType\":\"Patient\",\"id\":\"" + id.toUtf8() + "\"}";
        return v;
    }

    static void write(Store &store, StoredVersion v)
    {
        Store::Transaction tx(store);
        QVERIFY2(tx.isActive(), qPrintable(tx.error()));
        const auto ok = store.append(v);
        QVERIFY2(ok, qPrintable(ok.error()));
        QVERIFY(v.sequence > 0);
        const auto committed = tx.commit();
        QVERIFY2(committed, qPrintable(committed.error()));
    }

private Q_SLOTS:
    void opensMigratedInWalMode()
    {
        QTemporaryDir dir;
        auto store = Store::open(dir.path() + u"/sub/folder"_s);
        QVERIFY2(store, qPrintable(store.error()));
        QCOMPARE(*(*store)->userVersion(), Store::SchemaVersion);
        QCOMPARE(*(*store)->journalMode(), u"wal"_s);
        QVERIFY((*store)->filePath().endsWith(u"/sub/folder/fhir.sqlite"_s));
    }

    void reopenKeepsData()
    {
        QTemporaryDir dir;
        {
            auto store = Store::open(dir.path());
            QVERIFY2(store, qPrintable(store.error()));
            write(**store, version(u"a"_s, 1, 1000));
        }
        auto store = Store::open(dir.path());
        QVERIFY2(store, qPrintable(store.error()));
        QCOMPARE(*(*store)->userVersion(), Store::SchemaVersion);
        const auto current = (*store)->current(u"Patient"_s, u"a"_s);
        QVERIFY(current && current->has_value());
        QCOMPARE((*current)->version, 1);
        QCOMPARE((*current)->lastUpdatedMs, 1000);
    }

    // A database from a newer build is refused, not "migrated" down.
    void refusesNewerSchema()
    {
        QTemporaryDir dir;
        {
            auto store = Store::open(dir.path());
            QVERIFY(store);
        }
        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open(QString(dir.path() + u"/fhir.sqlite"_s).toUtf8().constData(), &db),
                 SQLITE_OK);
        QCOMPARE(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr),
                 SQLITE_OK);
        sqlite3_close(db);
        auto store = Store::open(dir.path());
        QVERIFY(!store);
        QVERIFY2(store.error().contains(u"99"_s), qPrintable(store.error()));
    }

    void versionsAndCurrent()
    {
        QTemporaryDir dir;
        auto store = Store::open(dir.path());
        QVERIFY(store);
        Store &s = **store;
        write(s, version(u"a"_s, 1, 1000));
        write(s, version(u"a"_s, 2, 2000));
        write(s, version(u"a"_s, 3, 3000, true));

        const auto current = s.current(u"Patient"_s, u"a"_s);
        QVERIFY(current && current->has_value());
        QCOMPARE((*current)->version, 3);
        QVERIFY((*current)->deleted);
        QVERIFY((*current)->content.isEmpty());

        const auto second = s.version(u"Patient"_s, u"a"_s, 2);
        QVERIFY(second && second->has_value());
        QCOMPARE((*second)->lastUpdatedMs, 2000);
        QVERIFY((*second)->content.contains("\"id\":\"a\""));
        QVERIFY(!s.version(u"Patient"_s, u"a"_s, 4)->has_value());
        QVERIFY(!s.current(u"Patient"_s, u"b"_s)->has_value());
        QVERIFY(!s.current(u"Observation"_s, u"a"_s)->has_value());
    }

    // A transaction destroyed before commit leaves no trace: never half a write.
    void uncommittedWriteRollsBack()
    {
        QTemporaryDir dir;
        auto store = Store::open(dir.path());
        QVERIFY(store);
        Store &s = **store;
        write(s, version(u"a"_s, 1, 1000));
        {
            Store::Transaction tx(s);
            QVERIFY(tx.isActive());
            StoredVersion second = version(u"a"_s, 2, 2000);
            QVERIFY(s.append(second));
            StoredVersion other = version(u"b"_s, 1, 2000);
            QVERIFY(s.append(other));
            // no commit: an error on the way out
        }
        QCOMPARE((*s.current(u"Patient"_s, u"a"_s))->version, 1);
        QVERIFY(!s.current(u"Patient"_s, u"b"_s)->has_value());
        QCOMPARE(s.history({}).value().total, 1);
    }

    // The same version twice is refused by the schema, and the transaction keeps the store as
    // it was.
    void duplicateVersionRefused()
    {
        QTemporaryDir dir;
        auto store = Store::open(dir.path());
        QVERIFY(store);
        Store &s = **store;
        write(s, version(u"a"_s, 1, 1000));
        Store::Transaction tx(s);
        StoredVersion again = version(u"a"_s, 1, 2000);
        QVERIFY(!s.append(again));
    }

    // A transaction inside a transaction is a savepoint: rolling it back keeps the outer
    // one's writes, and rolling back the outer one drops everything.
    void nestedTransactions()
    {
        QTemporaryDir dir;
        auto store = Store::open(dir.path());
        QVERIFY(store);
        Store &s = **store;
        {
            Store::Transaction outer(s);
            QVERIFY(outer.isActive());
            StoredVersion a = version(u"a"_s, 1, 1000);
            QVERIFY(s.append(a));
            {
                Store::Transaction inner(s);
                QVERIFY(inner.isActive());
                StoredVersion b = version(u"b"_s, 1, 1000);
                QVERIFY(s.append(b));
            } // rolled back
            {
                Store::Transaction inner(s);
                StoredVersion c = version(u"c"_s, 1, 1000);
                QVERIFY(s.append(c));
                QVERIFY(inner.commit());
            }
            QVERIFY(outer.commit());
        }
        QVERIFY(s.current(u"Patient"_s, u"a"_s)->has_value());
        QVERIFY(!s.current(u"Patient"_s, u"b"_s)->has_value());
        QVERIFY(s.current(u"Patient"_s, u"c"_s)->has_value());
        {
            Store::Transaction outer(s);
            Store::Transaction inner(s);
            StoredVersion d = version(u"d"_s, 1, 1000);
            QVERIFY(s.append(d));
            QVERIFY(!outer.commit()); // the inner one is still open
            QVERIFY(inner.commit());
        } // outer rolled back: d is gone with it
        QVERIFY(!s.current(u"Patient"_s, u"d"_s)->has_value());
        QCOMPARE(s.history({}).value().total, 2);
    }

    // An all-or-nothing transaction (a FHIR transaction Bundle) takes no savepoints: its
    // nested writes commit with it, and one nested transaction left uncommitted makes the whole
    // commit fail and roll back, so a half-done entry can never be committed.
    void allOrNothingNesting()
    {
        QTemporaryDir dir;
        auto store = Store::open(dir.path());
        QVERIFY(store);
        Store &s = **store;
        using Nesting = Store::Transaction::Nesting;
        {
            Store::Transaction outer(s, Nesting::AllOrNothing);
            for (const QString &id : {u"a"_s, u"b"_s}) {
                Store::Transaction inner(s);
                QVERIFY(inner.isActive());
                StoredVersion v = version(id, 1, 1000);
                QVERIFY(s.append(v));
                QVERIFY(inner.commit());
            }
            QVERIFY(outer.commit());
        }
        QVERIFY(s.current(u"Patient"_s, u"a"_s)->has_value());
        QVERIFY(s.current(u"Patient"_s, u"b"_s)->has_value());
        {
            Store::Transaction outer(s, Nesting::AllOrNothing);
            {
                Store::Transaction readOnly(s);
                QVERIFY(s.current(u"Patient"_s, u"a"_s)->has_value());
            } // wrote nothing: the outer one still commits
            StoredVersion g = version(u"g"_s, 1, 1000);
            QVERIFY(s.append(g));
            QVERIFY(outer.commit());
        }
        QVERIFY(s.current(u"Patient"_s, u"g"_s)->has_value());
        {
            Store::Transaction outer(s, Nesting::AllOrNothing);
            StoredVersion c = version(u"c"_s, 1, 1000);
            QVERIFY(s.append(c));
            {
                Store::Transaction inner(s);
                StoredVersion d = version(u"d"_s, 1, 1000);
                QVERIFY(s.append(d));
            } // not committed: not undone alone
            {
                Store::Transaction readOnly(s); // wrote nothing: leaving it changes nothing
            }
            QVERIFY(!outer.commit());
        }
        QVERIFY(!s.current(u"Patient"_s, u"c"_s)->has_value());
        QVERIFY(!s.current(u"Patient"_s, u"d"_s)->has_value());

        // The next transaction nests with savepoints again.
        {
            Store::Transaction outer(s);
            StoredVersion e = version(u"e"_s, 1, 1000);
            QVERIFY(s.append(e));
            {
                Store::Transaction inner(s);
                StoredVersion f = version(u"f"_s, 1, 1000);
                QVERIFY(s.append(f));
            }
            QVERIFY(outer.commit());
        }
        QVERIFY(s.current(u"Patient"_s, u"e"_s)->has_value());
        QVERIFY(!s.current(u"Patient"_s, u"f"_s)->has_value());
    }
    // A process that dies in the middle of a transaction (no rollback, no close) leaves a
    // consistent database: what was committed is there, the rest is not.
    /// A version whose content is `bytes` long: a few of them fill the WAL quickly.
    static StoredVersion large(const QString &id, qsizetype bytes)
    {
        StoredVersion v = version(id, 1, 1000);
        v.content = QByteArray(bytes, 'x');
        return v;
    }

    // Commits do not copy the WAL back into the database themselves: once the log passes its
    // threshold (2,000 pages, 8 MB) a thread of the store's own does it, and the data is whole.
    void checkpointsRunOnTheirOwnThread()
    {
        QTemporaryDir dir;
        {
            auto store = Store::open(dir.path());
            QVERIFY2(store, qPrintable(store.error()));
            QCOMPARE((*store)->backgroundCheckpoints(), 0);
            for (int i = 0; i < 100; ++i)
                write(**store, large(u"big%1"_s.arg(i), 100 * 1024));
            QTRY_VERIFY((*store)->backgroundCheckpoints() > 0);
        }
        auto reopened = Store::open(dir.path());
        QVERIFY2(reopened, qPrintable(reopened.error()));
        const auto rows = (*reopened)->query("SELECT count(*) FROM resource");
        QVERIFY2(rows, qPrintable(rows.error()));
        QCOMPARE(rows->first().first().toLongLong(), 100);
    }

    // Writes that never pause leave the log no moment to start over while the thread copies it;
    // past four times the threshold the writer checkpoints, so the log stays bounded.
    void walStaysBoundedUnderSteadyWrites()
    {
        QTemporaryDir dir;
        auto store = Store::open(dir.path());
        QVERIFY2(store, qPrintable(store.error()));
        const QString wal = (*store)->filePath() + u"-wal"_s;
        qint64 largest = 0;
        for (int i = 0; i < 450; ++i) { // ~45 MB through the log
            write(**store, large(u"steady%1"_s.arg(i), 100 * 1024));
            largest = std::max(largest, QFileInfo(wal).size());
        }
        // 8,000 pages of 4 KiB and one commit's worth more, each frame with its 24-byte header.
        const qint64 bound = (8000 + 100) * (4096 + 24) + 32;
        QVERIFY2(largest < bound, qPrintable(u"the WAL grew to %1 bytes"_s.arg(largest)));
    }

    void killedMidTransaction()
    {
        QTemporaryDir dir;
        const pid_t child = fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            auto store = Store::open(dir.path());
            if (!store)
                _exit(2);
            Store &s = **store;
            {
                Store::Transaction tx(s);
                StoredVersion kept = version(u"kept"_s, 1, 1000);
                if (!s.append(kept) || !tx.commit())
                    _exit(3);
            }
            auto *tx = new Store::Transaction(s); // never finished
            for (int i = 0; i < 100; ++i) {
                StoredVersion lost = version(u"lost%1"_s.arg(i), 1, 2000);
                if (!s.append(lost))
                    _exit(4);
            }
            Q_UNUSED(tx);
            _exit(0); // as if killed: no destructors, no rollback, no close
        }
        int status = 0;
        QCOMPARE(waitpid(child, &status, 0), child);
        QVERIFY(WIFEXITED(status));
        QCOMPARE(WEXITSTATUS(status), 0);

        auto store = Store::open(dir.path());
        QVERIFY2(store, qPrintable(store.error()));
        QVERIFY((*store)->current(u"Patient"_s, u"kept"_s)->has_value());
        QVERIFY(!(*store)->current(u"Patient"_s, u"lost0"_s)->has_value());
        QCOMPARE((*store)->history({}).value().total, 1);

        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open((*store)->filePath().toUtf8().constData(), &db), SQLITE_OK);
        sqlite3_stmt *check = nullptr;
        QCOMPARE(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &check, nullptr), SQLITE_OK);
        QCOMPARE(sqlite3_step(check), SQLITE_ROW);
        const QByteArray result(reinterpret_cast<const char *>(sqlite3_column_text(check, 0)));
        sqlite3_finalize(check);
        sqlite3_close(db);
        QCOMPARE(result, QByteArray("ok"));
    }

    void historyNewestFirstWithPaging()
    {
        QTemporaryDir dir;
        auto store = Store::open(dir.path());
        QVERIFY(store);
        Store &s = **store;
        write(s, version(u"a"_s, 1, 1000));
        write(s, version(u"b"_s, 1, 2000));
        write(s, version(u"a"_s, 2, 3000));

        auto all = s.history({});
        QVERIFY(all);
        QCOMPARE(all->total, 3);
        QCOMPARE(all->versions.size(), 3);
        QCOMPARE(all->versions.at(0).lastUpdatedMs, 3000);
        QCOMPARE(all->versions.at(2).lastUpdatedMs, 1000);

        HistoryQuery instance;
        instance.type = u"Patient"_s;
        instance.id = u"a"_s;
        instance.count = 1;
        instance.offset = 1;
        auto page = s.history(instance);
        QCOMPARE(page->total, 2);
        QCOMPARE(page->versions.size(), 1);
        QCOMPARE(page->versions.at(0).version, 1);

        HistoryQuery since;
        since.sinceMs = 2000;
        QCOMPARE(s.history(since)->total, 2);
    }
};

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
