// A helper for tst_crashsafety: opens the store in a folder and writes `count` Patients in
// one transaction, saying on stdout how far it got ("writing" once a good part of the
// transaction has spilled into the WAL, "committing" just before the commit, "committed"
// after it), so that the test can SIGKILL it at a known point.
//
//   storewriter FOLDER COUNT

#include "embedded_server/sqlstatement.h"
#include "embedded_server/store.h"

#include <QCoreApplication>
#include <QDateTime>

#include <cstdio>

using namespace fhir::server;
using namespace Qt::StringLiterals;

namespace {

void say(const char *what)
{
    std::printf("%s\n", what);
    std::fflush(stdout);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 3) {
        std::fprintf(stderr, "usage: storewriter FOLDER COUNT\n");
        return 2;
    }
    const int count = args[2].toInt();
    auto store = Store::open(args[1]);
    if (!store) {
        std::fprintf(stderr, "%s\n", qPrintable(store.error()));
        return 1;
    }
    // The store keeps a 32 MB page cache, which would hold this whole transaction in memory;
    // a small one makes SQLite spill the uncommitted pages into the WAL, as a larger
    // transaction would, and that is the state this writer is killed in.
    auto pragma = (*store)->prepare(QByteArrayLiteral("PRAGMA cache_size = -1000"), false);
    if (!pragma || pragma.value().step() != SQLITE_DONE) {
        std::fprintf(stderr, "cannot shrink the page cache\n");
        return 1;
    }
    // About 2 kB each: a few thousand overflow SQLite's page cache, so the uncommitted
    // transaction is written into the WAL file long before its commit.
    const QByteArray padding(2000, 'x');
    Store::Transaction tx(**store);
    if (!tx.isActive()) {
        std::fprintf(stderr, "%s\n", qPrintable(tx.error()));
        return 1;
    }
    for (int i = 0; i < count; ++i) {
        StoredVersion v;
        v.type = u"Patient"_s;
        v.id = u"w%1"_s.arg(i);
        v.version = 1;
        v.lastUpdatedMs = QDateTime::currentMSecsSinceEpoch();
        v.method = "POST";
        v.content = R"({"resourceType":"Patient","id":")" + v.id.toLatin1()
            + R"(","text":{"status":"generated","div":")" + padding + R"("}})";
        if (auto ok = (*store)->append(v); !ok) {
            std::fprintf(stderr, "%s\n", qPrintable(ok.error()));
            return 1;
        }
        if (i == count / 4)
            say("writing");
    }
    say("committing");
    if (auto ok = tx.commit(); !ok) {
        std::fprintf(stderr, "%s\n", qPrintable(ok.error()));
        return 1;
    }
    say("committed");
    return 0;
}
