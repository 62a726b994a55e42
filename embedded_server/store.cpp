#include "store.h"

#include "serverlogging.h"
#include "sqlstatement.h"
#include "walcheckpointer.h"
#include "walwritevfs.h"

#include <QDir>
#include <QHash>

#include <sqlite3.h>

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

// Numbered migrations: entry N-1 takes a database from user_version N-1 to N. Never edit a
// migration that has shipped; append a new one and raise Store::SchemaVersion.
const char *const migrations[] = {
    // 1: resources and their history.
    R"sql(
CREATE TABLE resource_version (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    last_updated INTEGER NOT NULL,
    deleted INTEGER NOT NULL CHECK (deleted IN (0, 1)),
    method TEXT NOT NULL,
    content BLOB,
    UNIQUE (type, id, version)
);
CREATE INDEX resource_version_type_seq ON resource_version (type, seq);
CREATE INDEX resource_version_time ON resource_version (last_updated);
CREATE TABLE resource (
    pk INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL REFERENCES resource_version (seq),
    last_updated INTEGER NOT NULL,
    deleted INTEGER NOT NULL CHECK (deleted IN (0, 1)),
    UNIQUE (type, id)
);
CREATE INDEX resource_type_updated ON resource (type, last_updated);
)sql",
    // 2: API keys. Only a hash of each key is kept (see auth/apikeys.h); `id` is the public
    // part of the key, used to find the row and to revoke it.
    R"sql(
CREATE TABLE api_key (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hint TEXT NOT NULL,
    secret_hash BLOB NOT NULL,
    created INTEGER NOT NULL,
    last_used INTEGER
);
)sql",
    // 3: search: one typed index table per search-parameter type, keyed by resource.pk, and
    // the parameters they index. Resources stored before this migration are queued in
    // index_pending; the server indexes them when it opens the store.
    R"sql(
CREATE TABLE search_param (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    code TEXT NOT NULL,
    kind TEXT NOT NULL,
    UNIQUE (type, code)
);
CREATE TABLE idx_string (pk INTEGER NOT NULL, param INTEGER NOT NULL, norm TEXT NOT NULL,
    exact TEXT NOT NULL);
CREATE INDEX idx_string_value ON idx_string (param, norm);
CREATE INDEX idx_string_pk ON idx_string (pk, param);
CREATE TABLE idx_token (pk INTEGER NOT NULL, param INTEGER NOT NULL, system TEXT, code TEXT,
    text TEXT);
CREATE INDEX idx_token_value ON idx_token (param, code, system);
CREATE INDEX idx_token_pk ON idx_token (pk, param);
CREATE TABLE idx_date (pk INTEGER NOT NULL, param INTEGER NOT NULL, low INTEGER NOT NULL,
    high INTEGER NOT NULL);
CREATE INDEX idx_date_value ON idx_date (param, low);
CREATE INDEX idx_date_pk ON idx_date (pk, param);
CREATE TABLE idx_number (pk INTEGER NOT NULL, param INTEGER NOT NULL, value REAL NOT NULL);
CREATE INDEX idx_number_value ON idx_number (param, value);
CREATE INDEX idx_number_pk ON idx_number (pk, param);
CREATE TABLE idx_quantity (pk INTEGER NOT NULL, param INTEGER NOT NULL, value REAL NOT NULL,
    system TEXT, code TEXT, unit TEXT);
CREATE INDEX idx_quantity_value ON idx_quantity (param, value);
CREATE INDEX idx_quantity_pk ON idx_quantity (pk, param);
CREATE TABLE idx_reference (pk INTEGER NOT NULL, param INTEGER NOT NULL, target_type TEXT,
    target_id TEXT, url TEXT);
CREATE INDEX idx_reference_target ON idx_reference (target_id, target_type, param);
CREATE INDEX idx_reference_url ON idx_reference (url) WHERE url IS NOT NULL;
CREATE INDEX idx_reference_pk ON idx_reference (pk, param);
CREATE TABLE idx_uri (pk INTEGER NOT NULL, param INTEGER NOT NULL, uri TEXT NOT NULL);
CREATE INDEX idx_uri_value ON idx_uri (param, uri);
CREATE INDEX idx_uri_pk ON idx_uri (pk, param);
CREATE TABLE index_pending (pk INTEGER PRIMARY KEY);
INSERT INTO index_pending (pk) SELECT pk FROM resource WHERE deleted = 0;
)sql",
    // 4 (composite search index): composite parameters (search.html#composite). One row per
    // component value, with the columns of its type's own table; `grp` numbers the element a
    // composite's expression reached (one Observation.component), so that the values of one
    // search match within the same element, and `part` is the component's position. Every
    // resource is indexed again on open (the index tables are emptied and queued) so that
    // resources stored before get their composite rows.
    R"sql(
CREATE TABLE idx_composite (pk INTEGER NOT NULL, param INTEGER NOT NULL, grp INTEGER NOT NULL,
    part INTEGER NOT NULL, system TEXT, code TEXT, text TEXT, value REAL, unit TEXT,
    low INTEGER, high INTEGER, norm TEXT, exact TEXT, target_type TEXT, target_id TEXT, url TEXT,
    uri TEXT);
CREATE INDEX idx_composite_value ON idx_composite (param, part, code);
CREATE INDEX idx_composite_pk ON idx_composite (pk, param, grp, part);
DELETE FROM idx_string;
DELETE FROM idx_token;
DELETE FROM idx_date;
DELETE FROM idx_number;
DELETE FROM idx_quantity;
DELETE FROM idx_reference;
DELETE FROM idx_uri;
INSERT OR IGNORE INTO index_pending (pk) SELECT pk FROM resource WHERE deleted = 0;
)sql",
    // 5 (clustered search index): each index table becomes a WITHOUT ROWID table keyed by
    // the resource first, so that the rows of one resource are stored together and the
    // per-resource index (idx_*_pk) is gone: one b-tree less to write per index row. `n`
    // numbers a resource's rows (two rows may hold the same values); rows kept from schema 4
    // take their old rowid, unique per table. The tables are converted in place: new table,
    // copy, drop the old one (with its indexes), rename, value indexes again.
    R"sql(
CREATE TABLE idx_string_new (pk INTEGER NOT NULL, param INTEGER NOT NULL, n INTEGER NOT NULL,
    norm TEXT NOT NULL, exact TEXT NOT NULL,
    PRIMARY KEY (pk, param, n)) WITHOUT ROWID;
INSERT INTO idx_string_new (pk, param, n, norm, exact)
    SELECT pk, param, rowid, norm, exact FROM idx_string;
DROP TABLE idx_string;
ALTER TABLE idx_string_new RENAME TO idx_string;
CREATE INDEX idx_string_value ON idx_string (param, norm);
CREATE TABLE idx_token_new (pk INTEGER NOT NULL, param INTEGER NOT NULL, n INTEGER NOT NULL,
    system TEXT, code TEXT, text TEXT,
    PRIMARY KEY (pk, param, n)) WITHOUT ROWID;
INSERT INTO idx_token_new (pk, param, n, system, code, text)
    SELECT pk, param, rowid, system, code, text FROM idx_token;
DROP TABLE idx_token;
ALTER TABLE idx_token_new RENAME TO idx_token;
CREATE INDEX idx_token_value ON idx_token (param, code, system);
CREATE TABLE idx_date_new (pk INTEGER NOT NULL, param INTEGER NOT NULL, n INTEGER NOT NULL,
    low INTEGER NOT NULL, high INTEGER NOT NULL,
    PRIMARY KEY (pk, param, n)) WITHOUT ROWID;
INSERT INTO idx_date_new (pk, param, n, low, high)
    SELECT pk, param, rowid, low, high FROM idx_date;
DROP TABLE idx_date;
ALTER TABLE idx_date_new RENAME TO idx_date;
CREATE INDEX idx_date_value ON idx_date (param, low);
CREATE TABLE idx_number_new (pk INTEGER NOT NULL, param INTEGER NOT NULL, n INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (pk, param, n)) WITHOUT ROWID;
INSERT INTO idx_number_new (pk, param, n, value)
    SELECT pk, param, rowid, value FROM idx_number;
DROP TABLE idx_number;
ALTER TABLE idx_number_new RENAME TO idx_number;
CREATE INDEX idx_number_value ON idx_number (param, value);
CREATE TABLE idx_quantity_new (pk INTEGER NOT NULL, param INTEGER NOT NULL, n INTEGER NOT NULL,
    value REAL NOT NULL, system TEXT, code TEXT, unit TEXT,
    PRIMARY KEY (pk, param, n)) WITHOUT ROWID;
INSERT INTO idx_quantity_new (pk, param, n, value, system, code, unit)
    SELECT pk, param, rowid, value, system, code, unit FROM idx_quantity;
DROP TABLE idx_quantity;
ALTER TABLE idx_quantity_new RENAME TO idx_quantity;
CREATE INDEX idx_quantity_value ON idx_quantity (param, value);
CREATE TABLE idx_reference_new (pk INTEGER NOT NULL, param INTEGER NOT NULL, n INTEGER NOT NULL,
    target_type TEXT, target_id TEXT, url TEXT,
    PRIMARY KEY (pk, param, n)) WITHOUT ROWID;
INSERT INTO idx_reference_new (pk, param, n, target_type, target_id, url)
    SELECT pk, param, rowid, target_type, target_id, url FROM idx_reference;
DROP TABLE idx_reference;
ALTER TABLE idx_reference_new RENAME TO idx_reference;
CREATE INDEX idx_reference_target ON idx_reference (target_id, target_type, param);
CREATE INDEX idx_reference_url ON idx_reference (url) WHERE url IS NOT NULL;
CREATE TABLE idx_uri_new (pk INTEGER NOT NULL, param INTEGER NOT NULL, n INTEGER NOT NULL,
    uri TEXT NOT NULL,
    PRIMARY KEY (pk, param, n)) WITHOUT ROWID;
INSERT INTO idx_uri_new (pk, param, n, uri)
    SELECT pk, param, rowid, uri FROM idx_uri;
DROP TABLE idx_uri;
ALTER TABLE idx_uri_new RENAME TO idx_uri;
CREATE INDEX idx_uri_value ON idx_uri (param, uri);
CREATE TABLE idx_composite_new (pk INTEGER NOT NULL, param INTEGER NOT NULL, n INTEGER NOT NULL,
    grp INTEGER NOT NULL, part INTEGER NOT NULL, system TEXT, code TEXT, text TEXT, value REAL,
    unit TEXT, low INTEGER, high INTEGER, norm TEXT, exact TEXT, target_type TEXT, target_id TEXT,
    url TEXT, uri TEXT,
    PRIMARY KEY (pk, param, grp, part, n)) WITHOUT ROWID;
INSERT INTO idx_composite_new (pk, param, n, grp, part, system, code, text, value, unit, low,
    high, norm, exact, target_type, target_id, url, uri)
    SELECT pk, param, rowid, grp, part, system, code, text, value, unit, low, high, norm, exact,
    target_type, target_id, url, uri FROM idx_composite;
DROP TABLE idx_composite;
ALTER TABLE idx_composite_new RENAME TO idx_composite;
CREATE INDEX idx_composite_value ON idx_composite (param, part, code);
)sql",
    // 6: OAuth 2.0 / SMART (auth/): users, registered applications, the keys that sign access
    // tokens, and the state of the flows. A secret (password, client secret, code, refresh
    // token) is kept only as a hash. A grant is one approval (or one client_credentials
    // request): the codes and tokens issued from it point at it, so revoking it revokes them.
    R"sql(
CREATE TABLE oauth_user (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    fhir_user TEXT,
    created INTEGER NOT NULL
);
CREATE TABLE oauth_client (
    client_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_hash BLOB,
    redirect_uris TEXT NOT NULL,
    scopes TEXT NOT NULL,
    grant_types TEXT NOT NULL,
    created INTEGER NOT NULL
);
CREATE TABLE oauth_signing_key (
    kid TEXT PRIMARY KEY,
    private_key BLOB NOT NULL,
    created INTEGER NOT NULL,
    retired INTEGER
);
CREATE TABLE oauth_request (
    id TEXT PRIMARY KEY,
    session_hash BLOB NOT NULL,
    csrf TEXT NOT NULL,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    state TEXT,
    code_challenge TEXT NOT NULL,
    nonce TEXT,
    user_id INTEGER,
    patient TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL
);
CREATE TABLE oauth_grant (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    user_id INTEGER,
    scope TEXT NOT NULL,
    patient TEXT,
    fhir_user TEXT,
    created INTEGER NOT NULL,
    revoked INTEGER
);
CREATE INDEX oauth_grant_client ON oauth_grant (client_id);
CREATE INDEX oauth_grant_user ON oauth_grant (user_id);
CREATE TABLE oauth_code (
    hash BLOB PRIMARY KEY,
    grant_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    nonce TEXT,
    created INTEGER NOT NULL,
    used INTEGER
);
CREATE TABLE oauth_refresh_token (
    hash BLOB PRIMARY KEY,
    grant_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    created INTEGER NOT NULL,
    expires INTEGER NOT NULL,
    used INTEGER
);
CREATE INDEX oauth_refresh_token_grant ON oauth_refresh_token (grant_id);
CREATE TABLE oauth_access_token (
    jti TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL,
    expires INTEGER NOT NULL,
    revoked INTEGER
);
CREATE INDEX oauth_access_token_grant ON oauth_access_token (grant_id);
)sql",
};
static_assert(std::size(migrations) == Store::SchemaVersion);

QString sqliteError(sqlite3 *db, const QString &what)
{
    return what + u": "_s + QString::fromUtf8(sqlite3_errmsg(db));
}

} // namespace

struct Store::Private
{
    sqlite3 *db = nullptr;
    QString path;
    QHash<QByteArray, sqlite3_stmt *> cache; // owned; finalized in ~Store
    int depth = 0; // open Transactions: 1 is BEGIN, more are savepoints
    bool allOrNothing = false; // the outermost one was opened with Nesting::AllOrNothing
    bool nestedRolledBack = false; // in an AllOrNothing one: a nested one was not committed
    qint64 changes = 0; // rows changed by the last query()
    std::unique_ptr<WalCheckpointer> checkpointer; // stopped before db is closed

    Result<Statement> prepare(const QByteArray &sql, bool cached = true)
    {
        if (cached) {
            if (sqlite3_stmt *stmt = cache.value(sql))
                return Statement(stmt, false);
        }
        sqlite3_stmt *stmt = nullptr;
        const int rc = sqlite3_prepare_v3(db, sql.constData(), int(sql.size()),
                                          cached ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
        if (rc != SQLITE_OK)
            return Error{sqliteError(db, u"cannot prepare a statement"_s)};
        if (cached)
            cache.insert(sql, stmt);
        return Statement(stmt, !cached);
    }

    /// Runs a statement that returns no rows (or whose rows do not matter).
    Result<bool> run(const QByteArray &sql)
    {
        auto stmt = prepare(sql);
        if (!stmt)
            return Error{stmt.error()};
        int rc;
        while ((rc = stmt.value().step()) == SQLITE_ROW) { }
        if (rc != SQLITE_DONE)
            return Error{sqliteError(db, QString::fromUtf8(sql.left(40)))};
        return true;
    }

    /// Runs a script of several statements, each prepared in turn (schema migrations).
    Result<bool> runScript(const char *script)
    {
        const char *next = script;
        while (next && *next) {
            sqlite3_stmt *stmt = nullptr;
            const char *tail = nullptr;
            if (sqlite3_prepare_v2(db, next, -1, &stmt, &tail) != SQLITE_OK)
                return Error{sqliteError(db, u"migration"_s)};
            next = tail;
            if (!stmt) // whitespace or a comment at the end
                continue;
            int rc;
            while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) { }
            sqlite3_finalize(stmt);
            if (rc != SQLITE_DONE)
                return Error{sqliteError(db, u"migration"_s)};
        }
        return true;
    }

    Result<qint64> queryInt(const QByteArray &sql)
    {
        auto stmt = prepare(sql, false);
        if (!stmt)
            return Error{stmt.error()};
        if (stmt.value().step() != SQLITE_ROW)
            return Error{sqliteError(db, QString::fromUtf8(sql))};
        return stmt.value().int64(0);
    }

    Result<bool> migrate()
    {
        auto current = queryInt("PRAGMA user_version");
        if (!current)
            return Error{current.error()};
        if (*current > Store::SchemaVersion) {
            return Error{
                u"the database %1 has schema version %2, newer than this build's %3"_s.arg(path)
                    .arg(*current)
                    .arg(Store::SchemaVersion)};
        }
        for (qint64 version = *current + 1; version <= Store::SchemaVersion; ++version) {
            if (auto ok = run("BEGIN IMMEDIATE"); !ok)
                return ok;
            auto ok = runScript(migrations[version - 1]);
            // PRAGMA takes no bound parameters; the number is our own constant.
            if (ok)
                ok = run("PRAGMA user_version = " + QByteArray::number(version));
            if (ok)
                ok = run("COMMIT");
            if (!ok) {
                run("ROLLBACK").hasValue();
                return Error{u"migration to schema %1 failed: %2"_s.arg(version).arg(ok.error())};
            }
            qCInfo(lcServer) << "database migrated to schema" << version;
        }
        return true;
    }

    static StoredVersion readVersion(const Statement &stmt)
    {
        // Column order of every SELECT below: type, id, version, last_updated, deleted,
        // method, content, seq, pk (of the resource row joined as r).
        StoredVersion v;
        v.type = stmt.text(0);
        v.id = stmt.text(1);
        v.version = stmt.int64(2);
        v.lastUpdatedMs = stmt.int64(3);
        v.deleted = stmt.int64(4) != 0;
        v.method = stmt.text(5).toLatin1();
        v.content = stmt.blob(6);
        v.sequence = stmt.int64(7);
        v.pk = stmt.int64(8);
        return v;
    }

    Result<std::optional<StoredVersion>> one(Statement &stmt)
    {
        const int rc = stmt.step();
        if (rc == SQLITE_DONE)
            return std::optional<StoredVersion>();
        if (rc != SQLITE_ROW)
            return Error{sqliteError(db, u"read"_s)};
        return std::optional<StoredVersion>(readVersion(stmt));
    }

    Result<QList<StoredVersion>> all(Statement &stmt)
    {
        QList<StoredVersion> list;
        int rc;
        while ((rc = stmt.step()) == SQLITE_ROW)
            list.append(readVersion(stmt));
        if (rc != SQLITE_DONE)
            return Error{sqliteError(db, u"read"_s)};
        return list;
    }
};

Store::Store()
    : d(std::make_unique<Private>())
{
}

Store::~Store()
{
    d->checkpointer.reset();
    for (sqlite3_stmt *stmt : std::as_const(d->cache))
        sqlite3_finalize(stmt);
    sqlite3_close_v2(d->db);
}

Result<std::unique_ptr<Store>> Store::open(const QString &folder)
{
    if (!QDir().mkpath(folder))
        return Error{u"cannot create the folder %1"_s.arg(folder)};
    std::unique_ptr<Store> store(new Store);
    store->d->path = QDir(folder).filePath(fileName());
    // walwritevfs.h: the default VFS, with a commit's WAL frames written in a few large writes.
    // A connection is only ever used by one thread at a time (each server and each load has
    // its own), so SQLite's per-call mutexes are not needed, nor its allocation statistics,
    // which take a global mutex on every allocation. The latter can only be configured before
    // SQLite initializes itself, which its first use in the process does.
    static const bool configured = [] {
        return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
    }();
    Q_UNUSED(configured);
    const int rc = sqlite3_open_v2(store->d->path.toUtf8().constData(), &store->d->db,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   walWriteVfsName());
    if (rc != SQLITE_OK) {
        const QString message = store->d->db
            ? sqliteError(store->d->db, u"cannot open %1"_s.arg(store->d->path))
            : u"cannot open %1"_s.arg(store->d->path);
        return Error{message};
    }
    sqlite3_extended_result_codes(store->d->db, 1);
    sqlite3_busy_timeout(store->d->db, 5000);

    // WAL: readers never block the writer. synchronous=NORMAL is safe from corruption in WAL
    // mode; a power cut may lose the last commits, a crashed process loses nothing.
    {
        auto mode = store->d->prepare("PRAGMA journal_mode = WAL", false);
        if (!mode)
            return Error{mode.error()};
        if (mode.value().step() != SQLITE_ROW
            || mode.value().text(0).compare(u"wal"_s, Qt::CaseInsensitive) != 0)
            return Error{u"cannot switch %1 to WAL mode"_s.arg(store->d->path)};
    } // finalized here: a statement left running would block COMMIT
    // A write touches many index pages: a page cache of up to 32 MB (used as needed) keeps a
    // transaction's dirty pages in memory instead of spilling them to the WAL more than once.
    // Checkpoints run on a thread of their own (WalCheckpointer, below).
    // temp_store=MEMORY keeps the statement journal of each savepoint (every entry of a FHIR
    // transaction is one) in memory: on disk, each page an entry first changed was copied to a
    // temporary file with pwrite, half the CPU time of a transaction import.
    for (const QByteArray &pragma : {QByteArrayLiteral("PRAGMA synchronous = NORMAL"),
                                     QByteArrayLiteral("PRAGMA foreign_keys = ON"),
                                     QByteArrayLiteral("PRAGMA temp_store = MEMORY"),
                                     QByteArrayLiteral("PRAGMA cache_size = -32768")}) {
        if (auto ok = store->d->run(pragma); !ok)
            return Error{ok.error()};
    }
    if (auto ok = store->d->migrate(); !ok)
        return Error{ok.error()};
    // Every 2,000 WAL pages (8 MB), off the writing thread; past 8,000 the writer does it, as
    // its own automatic checkpoint did.
    auto checkpointer
        = WalCheckpointer::start(store->d->db, store->d->path, walWriteVfsName(), 2000);
    if (!checkpointer)
        return Error{checkpointer.error()};
    store->d->checkpointer = std::move(checkpointer).value();
    return store;
}

QString Store::filePath() const
{
    return d->path;
}

qint64 Store::backgroundCheckpoints() const
{
    return d->checkpointer ? d->checkpointer->checkpoints() : 0;
}

Result<int> Store::userVersion()
{
    auto v = d->queryInt("PRAGMA user_version");
    if (!v)
        return Error{v.error()};
    return int(*v);
}

Result<QString> Store::journalMode()
{
    auto stmt = d->prepare("PRAGMA journal_mode", false);
    if (!stmt)
        return Error{stmt.error()};
    if (stmt.value().step() != SQLITE_ROW)
        return Error{sqliteError(d->db, u"journal_mode"_s)};
    return stmt.value().text(0);
}

Store::Transaction::Transaction(Store &store, Nesting nesting)
    : m_store(store)
    , m_depth(store.d->depth)
    , m_flat(store.d->depth > 0 && store.d->allOrNothing)
{
    // The outermost transaction takes the write lock at once (IMMEDIATE), so two writers
    // queue instead of failing half-way; nested ones are savepoints inside it.
    Result<bool> ok = true;
    if (m_depth == 0)
        ok = m_store.d->run("BEGIN IMMEDIATE");
    else if (!m_flat)
        ok = m_store.d->run("SAVEPOINT " + savepointName(m_depth));
    m_active = ok.hasValue();
    m_error = ok.error();
    if (m_flat)
        m_changesAtStart = sqlite3_total_changes64(m_store.d->db);
    if (m_active) {
        ++m_store.d->depth;
        if (m_depth == 0) {
            m_store.d->allOrNothing = nesting == Nesting::AllOrNothing;
            m_store.d->nestedRolledBack = false;
        }
    }
}

QByteArray Store::Transaction::savepointName(int depth)
{
    return "nested_" + QByteArray::number(depth); // our own counter, never client data
}

Store::Transaction::~Transaction()
{
    if (!m_active)
        return;
    --m_store.d->depth;
    if (m_flat) {
        // One that only read (a conditional create that found its match) undoes nothing.
        if (sqlite3_total_changes64(m_store.d->db) != m_changesAtStart)
            m_store.d->nestedRolledBack = true;
        return;
    }
    auto ok = m_depth == 0 ? m_store.d->run("ROLLBACK")
                           : m_store.d->run("ROLLBACK TO " + savepointName(m_depth));
    if (ok && m_depth > 0)
        ok = m_store.d->run("RELEASE " + savepointName(m_depth));
    if (!ok)
        qCWarning(lcServer) << "rollback failed:" << ok.error();
}

Result<bool> Store::Transaction::commit()
{
    if (!m_active)
        return Error{u"no transaction to commit"_s};
    if (m_store.d->depth != m_depth + 1)
        return Error{u"a nested transaction is still open"_s};
    if (m_depth == 0 && m_store.d->allOrNothing && m_store.d->nestedRolledBack)
        return Error{u"a part of the transaction failed and was not undone alone"_s};
    Result<bool> ok = true;
    if (m_depth == 0)
        ok = m_store.d->run("COMMIT");
    else if (!m_flat)
        ok = m_store.d->run("RELEASE " + savepointName(m_depth));
    if (!ok)
        return ok; // still active: the destructor rolls back
    m_active = false;
    --m_store.d->depth;
    return true;
}

static const QByteArray versionColumnList
    = QByteArrayLiteral("v.type, v.id, v.version, v.last_updated, v.deleted, v.method, "
                        "v.content, v.seq, r.pk");

QByteArray Store::versionColumns()
{
    return versionColumnList;
}

Result<Statement> Store::prepare(const QByteArray &sql, bool cached)
{
    return d->prepare(sql, cached);
}

QString Store::lastError() const
{
    return QString::fromUtf8(sqlite3_errmsg(d->db));
}

Result<QList<StoredVersion>> Store::versions(Statement &statement)
{
    return d->all(statement);
}

Result<std::optional<StoredVersion>> Store::current(const QString &type, const QString &id)
{
    auto stmt = d->prepare("SELECT " + versionColumnList
                           + " FROM resource r JOIN resource_version v ON v.seq = r.seq"
                             " WHERE r.type = ?1 AND r.id = ?2");
    if (!stmt)
        return Error{stmt.error()};
    stmt.value().bind(1, type);
    stmt.value().bind(2, id);
    return d->one(stmt.value());
}

Result<std::optional<StoredVersion>> Store::version(const QString &type, const QString &id,
                                                    qint64 version)
{
    auto stmt = d->prepare("SELECT " + versionColumnList
                           + " FROM resource_version v JOIN resource r ON r.type = v.type"
                             " AND r.id = v.id WHERE v.type = ?1 AND v.id = ?2 AND v.version = ?3");
    if (!stmt)
        return Error{stmt.error()};
    stmt.value().bind(1, type);
    stmt.value().bind(2, id);
    stmt.value().bind(3, version);
    return d->one(stmt.value());
}

Result<bool> Store::append(StoredVersion &version)
{
    auto insert = d->prepare("INSERT INTO resource_version"
                             " (type, id, version, last_updated, deleted, method, content)"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!insert)
        return Error{insert.error()};
    Statement &ins = insert.value();
    ins.bind(1, version.type);
    ins.bind(2, version.id);
    ins.bind(3, version.version);
    ins.bind(4, version.lastUpdatedMs);
    ins.bind(5, qint64(version.deleted ? 1 : 0));
    ins.bind(6, QString::fromLatin1(version.method));
    ins.bind(7, version.deleted ? QByteArray() : version.content);
    if (ins.step() != SQLITE_DONE)
        return Error{sqliteError(d->db, u"cannot store a version"_s)};
    version.sequence = sqlite3_last_insert_rowid(d->db);

    auto upsert = d->prepare("INSERT INTO resource (type, id, version, seq, last_updated, deleted)"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                             " ON CONFLICT (type, id) DO UPDATE SET version = excluded.version,"
                             " seq = excluded.seq, last_updated = excluded.last_updated,"
                             " deleted = excluded.deleted RETURNING pk");
    if (!upsert)
        return Error{upsert.error()};
    Statement &up = upsert.value();
    up.bind(1, version.type);
    up.bind(2, version.id);
    up.bind(3, version.version);
    up.bind(4, version.sequence);
    up.bind(5, version.lastUpdatedMs);
    up.bind(6, qint64(version.deleted ? 1 : 0));
    if (up.step() != SQLITE_ROW)
        return Error{sqliteError(d->db, u"cannot store the current version"_s)};
    version.pk = up.int64(0);
    if (up.step() != SQLITE_DONE)
        return Error{sqliteError(d->db, u"cannot store the current version"_s)};
    return true;
}

Result<Page> Store::history(const HistoryQuery &query)
{
    // Fixed SQL per shape; empty type or id means "any". Values are always bound.
    QByteArray where = " WHERE 1";
    if (!query.type.isEmpty())
        where += " AND v.type = ?1";
    if (!query.id.isEmpty())
        where += " AND v.id = ?2";
    if (query.sinceMs)
        where += " AND v.last_updated >= ?3";
    // Current during the period: written before its end, and not replaced by a later
    // version written at or before its start.
    if (query.atMs)
        where += " AND v.last_updated < ?7 AND NOT EXISTS (SELECT 1 FROM resource_version n"
                 " WHERE n.type = v.type AND n.id = v.id AND n.version > v.version"
                 " AND n.last_updated <= ?6)";
    auto bindAll = [&](Statement &stmt) {
        if (!query.type.isEmpty())
            stmt.bind(1, query.type);
        if (!query.id.isEmpty())
            stmt.bind(2, query.id);
        if (query.sinceMs)
            stmt.bind(3, *query.sinceMs);
        if (query.atMs) {
            stmt.bind(6, query.atMs->first);
            stmt.bind(7, query.atMs->second);
        }
    };

    Page page;
    auto count = d->prepare("SELECT COUNT(*) FROM resource_version v" + where);
    if (!count)
        return Error{count.error()};
    bindAll(count.value());
    if (count.value().step() != SQLITE_ROW)
        return Error{sqliteError(d->db, u"history"_s)};
    page.total = count.value().int64(0);
    if (query.count <= 0)
        return page;

    auto select = d->prepare("SELECT " + versionColumnList
                             + " FROM resource_version v JOIN resource r ON r.type = v.type"
                               " AND r.id = v.id"
                             + where + " ORDER BY v.seq DESC LIMIT ?4 OFFSET ?5");
    if (!select)
        return Error{select.error()};
    bindAll(select.value());
    select.value().bind(4, query.count);
    select.value().bind(5, query.offset);
    auto rows = d->all(select.value());
    if (!rows)
        return Error{rows.error()};
    page.versions = std::move(rows).value();
    return page;
}

Result<QList<QVariantList>> Store::query(const QByteArray &sql, const QVariantList &values)
{
    auto prepared = d->prepare(sql);
    if (!prepared)
        return Error{prepared.error()};
    Statement &stmt = prepared.value();
    for (int i = 0; i < int(values.size()); ++i) {
        const QVariant &value = values.at(i);
        if (value.isNull())
            stmt.bindNull(i + 1);
        else if (value.typeId() == QMetaType::QByteArray)
            stmt.bind(i + 1, value.toByteArray());
        else if (value.typeId() == QMetaType::QString)
            stmt.bind(i + 1, value.toString());
        else
            stmt.bind(i + 1, value.toLongLong());
    }
    QList<QVariantList> rows;
    int rc;
    while ((rc = stmt.step()) == SQLITE_ROW) {
        QVariantList row;
        for (int c = 0; c < stmt.columnCount(); ++c) {
            switch (stmt.columnType(c)) {
            case SQLITE_INTEGER:
                row.append(stmt.int64(c));
                break;
            case SQLITE_TEXT:
                row.append(stmt.text(c));
                break;
            case SQLITE_BLOB:
                row.append(stmt.blob(c));
                break;
            default:
                row.append(QVariant());
            }
        }
        rows.append(std::move(row));
    }
    if (rc != SQLITE_DONE)
        return Error{sqliteError(d->db, u"query"_s)};
    d->changes = sqlite3_changes64(d->db);
    return rows;
}

qint64 Store::changes() const
{
    return d->changes;
}

} // namespace fhir::server
