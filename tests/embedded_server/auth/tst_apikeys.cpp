// The API key store on a real SQLite database: format, hashing, revocation, last use.
// SECURITY.md "API keys (RS)": CSPRNG, shown once, stored only as a hash, constant-time
// comparison, revocable, last use recorded.

#include "embedded_server/auth/apikeys.h"
#include "embedded_server/store.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace fhir::server;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 t0 = 1'700'000'000'000; // 2023-11-14T22:13:20Z

QByteArray fileBytes(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestApiKeys : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Store> m_store;
    std::unique_ptr<ApiKeyStore> m_keys;
    qint64 m_now = t0;

    NewApiKey make(const QString &name)
    {
        auto made = m_keys->create(name);
        if (!made)
            qFatal("cannot make a key: %s", qPrintable(made.error()));
        return *made;
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        auto store = Store::open(m_dir->path());
        QVERIFY2(store, qPrintable(store.error()));
        m_store = std::move(store).value();
        m_now = t0;
        m_keys = std::make_unique<ApiKeyStore>(*m_store, [this] { return m_now; });
    }

    void cleanup()
    {
        m_keys.reset();
        m_store.reset();
        m_dir.reset();
    }

    void newKeyHasPrefixIdAndSecret()
    {
        const NewApiKey made = make(u"Postman"_s);
        static const QRegularExpression shape(u"^fpk_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$"_s);
        const auto match = shape.match(made.secret);
        QVERIFY2(match.hasMatch(), qPrintable(made.secret));
        QCOMPARE(made.info.id, match.captured(1));
        QCOMPARE(made.info.hint, made.secret.left(16));
        QCOMPARE(made.info.name, u"Postman"_s);
        QCOMPARE(made.info.created, QDateTime::fromMSecsSinceEpoch(t0, Qt::UTC));
        QVERIFY(!made.info.lastUsed);
        // 32 bytes of secret: base64url without padding decodes back to them.
        const QByteArray secret
            = QByteArray::fromBase64(made.secret.mid(17).toLatin1(), QByteArray::Base64UrlEncoding);
        QCOMPARE(secret.size(), 32);
    }

    void keysAreDistinct()
    {
        QSet<QString> secrets;
        QSet<QString> ids;
        for (int i = 0; i < 20; ++i) {
            const NewApiKey made = make(u"k%1"_s.arg(i));
            secrets.insert(made.secret);
            ids.insert(made.info.id);
        }
        QCOMPARE(secrets.size(), 20);
        QCOMPARE(ids.size(), 20);
    }

    void secretNeverReachesTheDatabaseFile()
    {
        QList<NewApiKey> made;
        for (int i = 0; i < 3; ++i)
            made.append(make(u"key %1"_s.arg(i)));
        QVERIFY(*m_keys->verify(made[0].secret.toLatin1()));
        m_keys.reset();
        m_store.reset(); // closing checkpoints the WAL into the file
        QByteArray bytes;
        for (const QString &name : QDir(m_dir->path()).entryList(QDir::Files))
            bytes += fileBytes(m_dir->filePath(name));
        QVERIFY(bytes.contains("fpk_")); // the hints are there: the file was read
        for (const NewApiKey &key : std::as_const(made)) {
            const QByteArray secretPart = key.secret.mid(17).toLatin1();
            QVERIFY(!bytes.contains(key.secret.toLatin1()));
            QVERIFY(!bytes.contains(secretPart));
            QVERIFY(
                !bytes.contains(QByteArray::fromBase64(secretPart, QByteArray::Base64UrlEncoding)));
        }
    }

    void listsEveryKeyOldestFirst()
    {
        const NewApiKey first = make(u"first"_s);
        m_now = t0 + 5000;
        const NewApiKey second = make(u"second"_s);
        const auto keys = m_keys->list();
        QVERIFY2(keys, qPrintable(keys.error()));
        QCOMPARE(keys->size(), 2);
        QCOMPARE(keys->at(0).id, first.info.id);
        QCOMPARE(keys->at(0).name, u"first"_s);
        QCOMPARE(keys->at(0).hint, first.info.hint);
        QCOMPARE(keys->at(1).id, second.info.id);
        QCOMPARE(keys->at(1).created, QDateTime::fromMSecsSinceEpoch(t0 + 5000, Qt::UTC));
        QCOMPARE(keys->at(1).created.timeSpec(), Qt::UTC);
    }

    void verify_data()
    {
        QTest::addColumn<QString>("presented"); // "GOOD" is the key made by the test
        QTest::addColumn<bool>("accepted");
        QTest::newRow("the key") << u"GOOD"_s << true;
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("last character changed") << u"GOOD~"_s << false;
        QTest::newRow("id of another key") << u"OTHERID"_s << false;
        QTest::newRow("without prefix") << u"NOPREFIX"_s << false;
        QTest::newRow("one character short") << u"SHORT"_s << false;
        QTest::newRow("upper-case id") << u"UPPERID"_s << false;
        QTest::newRow("hint only") << u"HINT"_s << false;
        QTest::newRow("garbage") << u"not a key at all"_s << false;
    }
    void verify()
    {
        QFETCH(QString, presented);
        QFETCH(bool, accepted);
        const QString good = make(u"k"_s).secret;
        QString key = presented;
        if (presented == u"GOOD"_s)
            key = good;
        else if (presented == u"GOOD~"_s)
            key = good.chopped(1) + (good.endsWith(u'A') ? u'B' : u'A');
        else if (presented == u"OTHERID"_s)
            key = good.left(4) + u"000000000000"_s + good.mid(16);
        else if (presented == u"NOPREFIX"_s)
            key = u"xyz_"_s + good.mid(4);
        else if (presented == u"SHORT"_s)
            key = good.chopped(1);
        else if (presented == u"UPPERID"_s)
            key = good.left(4) + good.mid(4, 12).toUpper() + good.mid(16);
        else if (presented == u"HINT"_s)
            key = good.left(16);
        if (presented == u"UPPERID"_s && key == good)
            QSKIP("the id has no letters this time");
        const auto verdict = m_keys->verify(key.toLatin1());
        QVERIFY2(verdict, qPrintable(verdict.error()));
        QCOMPARE(*verdict, accepted);
    }

    void revokedKeyIsRefused()
    {
        const NewApiKey kept = make(u"kept"_s);
        const NewApiKey gone = make(u"gone"_s);
        QVERIFY(*m_keys->verify(gone.secret.toLatin1()));
        QCOMPARE(*m_keys->revoke(gone.info.id), true);
        QCOMPARE(*m_keys->revoke(gone.info.id), false); // already gone
        QCOMPARE(*m_keys->revoke(u"000000000000"_s), false);
        QCOMPARE(*m_keys->verify(gone.secret.toLatin1()), false);
        QCOMPARE(*m_keys->verify(kept.secret.toLatin1()), true);
        const auto keys = m_keys->list();
        QCOMPARE(keys->size(), 1);
        QCOMPARE(keys->first().id, kept.info.id);
    }

    // Written at most once a minute per key, and never more than a minute behind.
    void lastUseIsRecordedToTheMinute()
    {
        const NewApiKey made = make(u"k"_s);
        const QByteArray key = made.secret.toLatin1();
        auto lastUsed = [this] {
            // A second connection: what is stored, not what one object remembers.
            auto other = Store::open(m_dir->path());
            return ApiKeyStore(**other).list()->first().lastUsed;
        };
        QVERIFY(!lastUsed());
        m_now = t0 + 1000;
        QVERIFY(*m_keys->verify(key));
        QCOMPARE(lastUsed(), QDateTime::fromMSecsSinceEpoch(t0 + 1000, Qt::UTC));
        m_now = t0 + 1000 + 59'000;
        QVERIFY(*m_keys->verify(key));
        QCOMPARE(lastUsed(), QDateTime::fromMSecsSinceEpoch(t0 + 1000, Qt::UTC)); // not written
        m_now = t0 + 1000 + 60'000;
        QVERIFY(*m_keys->verify(key));
        QCOMPARE(lastUsed(), QDateTime::fromMSecsSinceEpoch(t0 + 61'000, Qt::UTC));
    }

    void refusedKeyIsNotUsed()
    {
        const NewApiKey made = make(u"k"_s);
        const QByteArray wrong = made.secret.chopped(1).toLatin1() + '!';
        QVERIFY(!*m_keys->verify(wrong));
        QVERIFY(!m_keys->list()->first().lastUsed);
    }

    void names_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("plain") << u"CI pipeline"_s << true;
        QTest::newRow("unicode") << u"Zoë's laptop"_s << true;
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("blank") << u"   "_s << false;
        QTest::newRow("200 characters") << QString(200, u'x') << true;
        QTest::newRow("201 characters") << QString(201, u'x') << false;
    }
    void names()
    {
        QFETCH(QString, name);
        QFETCH(bool, accepted);
        const auto made = m_keys->create(name);
        QCOMPARE(made.hasValue(), accepted);
        if (accepted)
            QCOMPARE(m_keys->list()->first().name, name.trimmed());
        else
            QVERIFY(m_keys->list()->isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestApiKeys)
#include "tst_apikeys.moc"
