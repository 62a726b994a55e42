#include "walwritevfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>

namespace fhir::server {

namespace {

constexpr int frameHeaderBytes = 24; // the WAL file format's frame header
constexpr size_t flushBytes = 1 << 20;

sqlite3_vfs *realVfs = nullptr;

/// An open file: ours first (SQLite sees this), the real VFS's file after it.
struct File
{
    sqlite3_file base;
    sqlite3_file *real;
    bool wal;
    bool commitFrame; // the last write was the header of a commit frame
    sqlite3_int64 pendingOffset;
    std::string *pending; // owned; only for a WAL file
};

File *self(sqlite3_file *file)
{
    return reinterpret_cast<File *>(file);
}

int flush(File *f)
{
    if (!f->pending || f->pending->empty())
        return SQLITE_OK;
    // In pieces of 64 KiB: SQLite's unix VFS writes at most 128 KiB - 1 in one call (it never
    // gets more than a page, 64 KiB at most, from SQLite itself).
    constexpr size_t piece = 1 << 16;
    int rc = SQLITE_OK;
    for (size_t done = 0; done < f->pending->size() && rc == SQLITE_OK; done += piece) {
        const size_t size = std::min(piece, f->pending->size() - done);
        rc = f->real->pMethods->xWrite(f->real, f->pending->data() + done, int(size),
                                       f->pendingOffset + sqlite3_int64(done));
    }
    f->pending->clear();
    return rc;
}

int xClose(sqlite3_file *file)
{
    File *f = self(file);
    const int flushed = flush(f);
    const int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
    delete f->pending;
    f->pending = nullptr;
    return flushed != SQLITE_OK ? flushed : rc;
}

int xRead(sqlite3_file *file, void *buffer, int amount, sqlite3_int64 offset)
{
    File *f = self(file);
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xRead(f->real, buffer, amount, offset);
}

int xWrite(sqlite3_file *file, const void *buffer, int amount, sqlite3_int64 offset)
{
    File *f = self(file);
    if (!f->wal)
        return f->real->pMethods->xWrite(f->real, buffer, amount, offset);
    std::string &pending = *f->pending;
    if (!pending.empty() && offset != f->pendingOffset + sqlite3_int64(pending.size())) {
        if (const int rc = flush(f); rc != SQLITE_OK)
            return rc;
    }
    if (pending.empty())
        f->pendingOffset = offset;
    pending.append(static_cast<const char *>(buffer), size_t(amount));
    // A frame header's bytes 4-7 hold the database size after a commit, zero on other frames:
    // the write after a commit frame's header is its page, the last write of the commit.
    const bool pageOfCommit = f->commitFrame;
    f->commitFrame = amount == frameHeaderBytes
        && std::memcmp(static_cast<const char *>(buffer) + 4, "\0\0\0\0", 4) != 0;
    if (pageOfCommit || pending.size() >= flushBytes)
        return flush(f);
    return SQLITE_OK;
}

int xTruncate(sqlite3_file *file, sqlite3_int64 size)
{
    File *f = self(file);
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xTruncate(f->real, size);
}

int xSync(sqlite3_file *file, int flags)
{
    File *f = self(file);
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xSync(f->real, flags);
}

int xFileSize(sqlite3_file *file, sqlite3_int64 *size)
{
    File *f = self(file);
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xFileSize(f->real, size);
}

int xLock(sqlite3_file *file, int lock)
{
    File *f = self(file);
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xLock(f->real, lock);
}

int xUnlock(sqlite3_file *file, int lock)
{
    File *f = self(file);
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xUnlock(f->real, lock);
}

int xCheckReservedLock(sqlite3_file *file, int *out)
{
    File *f = self(file);
    return f->real->pMethods->xCheckReservedLock(f->real, out);
}

int xFileControl(sqlite3_file *file, int op, void *arg)
{
    File *f = self(file);
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xFileControl(f->real, op, arg);
}

int xSectorSize(sqlite3_file *file)
{
    File *f = self(file);
    return f->real->pMethods->xSectorSize(f->real);
}

int xDeviceCharacteristics(sqlite3_file *file)
{
    File *f = self(file);
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

int xShmMap(sqlite3_file *file, int page, int pageSize, int extend, void volatile **out)
{
    File *f = self(file);
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xShmMap(f->real, page, pageSize, extend, out);
}

int xShmLock(sqlite3_file *file, int offset, int n, int flags)
{
    File *f = self(file);
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

void xShmBarrier(sqlite3_file *file)
{
    File *f = self(file);
    flush(f); // a commit's frames were written with its last page; nothing is pending here
    f->real->pMethods->xShmBarrier(f->real);
}

int xShmUnmap(sqlite3_file *file, int deleteFlag)
{
    File *f = self(file);
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xShmUnmap(f->real, deleteFlag);
}

int xFetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out)
{
    File *f = self(file);
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return f->real->pMethods->xFetch(f->real, offset, amount, out);
}

int xUnfetch(sqlite3_file *file, sqlite3_int64 offset, void *page)
{
    File *f = self(file);
    return f->real->pMethods->xUnfetch(f->real, offset, page);
}

sqlite3_io_methods methodsFor(int version)
{
    sqlite3_io_methods m{};
    m.iVersion = version;
    m.xClose = xClose;
    m.xRead = xRead;
    m.xWrite = xWrite;
    m.xTruncate = xTruncate;
    m.xSync = xSync;
    m.xFileSize = xFileSize;
    m.xLock = xLock;
    m.xUnlock = xUnlock;
    m.xCheckReservedLock = xCheckReservedLock;
    m.xFileControl = xFileControl;
    m.xSectorSize = xSectorSize;
    m.xDeviceCharacteristics = xDeviceCharacteristics;
    if (version >= 2) {
        m.xShmMap = xShmMap;
        m.xShmLock = xShmLock;
        m.xShmBarrier = xShmBarrier;
        m.xShmUnmap = xShmUnmap;
    }
    if (version >= 3) {
        m.xFetch = xFetch;
        m.xUnfetch = xUnfetch;
    }
    return m;
}

const sqlite3_io_methods methods[3] = {methodsFor(1), methodsFor(2), methodsFor(3)};

int xOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *outFlags)
{
    File *f = self(file);
    f->real = reinterpret_cast<sqlite3_file *>(f + 1);
    f->wal = (flags & SQLITE_OPEN_WAL) != 0;
    f->commitFrame = false;
    f->pendingOffset = 0;
    f->pending = nullptr;
    f->base.pMethods = nullptr;
    (void)vfs;
    const int rc = realVfs->xOpen(realVfs, name, f->real, flags, outFlags);
    // SQLite calls xClose (only) on a file whose open failed but whose pMethods is set, and
    // nothing on one whose pMethods is null: mirror the real file.
    if (!f->real->pMethods)
        return rc;
    if (f->wal && rc == SQLITE_OK)
        f->pending = new std::string;
    const int version = f->real->pMethods->iVersion;
    f->base.pMethods = &methods[version < 1 ? 0 : version > 3 ? 2 : version - 1];
    return rc;
}

// The rest of the VFS is the real one's, called with the real one.
int xDelete(sqlite3_vfs *, const char *name, int syncDir)
{
    return realVfs->xDelete(realVfs, name, syncDir);
}

int xAccess(sqlite3_vfs *, const char *name, int flags, int *out)
{
    return realVfs->xAccess(realVfs, name, flags, out);
}

int xFullPathname(sqlite3_vfs *, const char *name, int size, char *out)
{
    return realVfs->xFullPathname(realVfs, name, size, out);
}

int xRandomness(sqlite3_vfs *, int size, char *out)
{
    return realVfs->xRandomness(realVfs, size, out);
}

int xSleep(sqlite3_vfs *, int microseconds)
{
    return realVfs->xSleep(realVfs, microseconds);
}

int xCurrentTime(sqlite3_vfs *, double *out)
{
    return realVfs->xCurrentTime(realVfs, out);
}

int xGetLastError(sqlite3_vfs *, int size, char *out)
{
    return realVfs->xGetLastError(realVfs, size, out);
}

int xCurrentTimeInt64(sqlite3_vfs *, sqlite3_int64 *out)
{
    return realVfs->xCurrentTimeInt64(realVfs, out);
}

} // namespace

const char *walWriteVfsName()
{
    static sqlite3_vfs vfs;
    static std::once_flag once;
    std::call_once(once, [] {
        realVfs = sqlite3_vfs_find(nullptr);
        vfs = *realVfs;
        vfs.iVersion = realVfs->iVersion;
        vfs.szOsFile = int(sizeof(File)) + realVfs->szOsFile;
        vfs.zName = "walwrite";
        vfs.pNext = nullptr;
        vfs.xOpen = xOpen;
        vfs.xDelete = xDelete;
        vfs.xAccess = xAccess;
        vfs.xFullPathname = xFullPathname;
        vfs.xRandomness = xRandomness;
        vfs.xSleep = xSleep;
        vfs.xCurrentTime = xCurrentTime;
        vfs.xGetLastError = xGetLastError;
        if (realVfs->iVersion >= 2 && realVfs->xCurrentTimeInt64)
            vfs.xCurrentTimeInt64 = xCurrentTimeInt64;
        sqlite3_vfs_register(&vfs, 0);
    });
    return vfs.zName;
}

} // namespace fhir::server
