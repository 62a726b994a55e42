#pragma once

namespace fhir::server {

/// The name of a SQLite VFS (registered on first call, not as the default) that is the
/// default VFS with one change: the writes to a WAL file are gathered in memory and written
/// in pieces of 64 KiB instead of with two pwrites per page (a frame header and its page):
/// 32 times fewer system calls.
///
/// Nothing is reported written that is not: the buffer is written out, and its error returned,
/// in the write of a commit frame's page (the last write of a commit, before SQLite publishes
/// the commit in the WAL index), when it passes 1 MiB, before a write elsewhere in the file,
/// and before any other operation on the file (read, sync, size, truncate, locks, close). So
/// readers never see a frame that is not in the file, and the durability of the database is
/// that of `PRAGMA synchronous` as without this VFS.
const char *walWriteVfsName();

} // namespace fhir::server
