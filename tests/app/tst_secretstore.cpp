// SecretStore against a real Secret Service (registered twice: under run-with-keyring.sh with
// an unlocked gnome-keyring, and plainly with a session bus that leads nowhere).

#include "app/secretstore.h"

#include <QRandomGenerator>
#include <QTest>

#include <optional>

using namespace fhir::app;
using namespace Qt::StringLiterals;
using Status = SecretResult::Status;

namespace {

bool keyringExpected()
{
    return qEnvironmentVariable("FHIR_PORTAL_TEST_KEYRING") == u"1"_s;
}

// A key no earlier run can have left behind.
QString freshKey()
{
    return u"test-"_s + QString::number(QRandomGenerator::global()->generate64(), 16);
}

// Runs one store operation and waits for its answer; a timeout is a failure with a message.
template<typename Operation> std::optional<SecretResult> await(Operation operation)
{
    std::optional<SecretResult> result;
    QObject context;
    operation(&context, [&result](const SecretResult &r) { result = r; });
    if (!QTest::qWaitFor([&result] { return result.has_value(); }, 10000))
        result = SecretResult{Status::Failed, {}, u"no answer within 10 s"_s};
    return result;
}

} // namespace

class TestSecretStore : public QObject
{
    Q_OBJECT

    const QString m_service = u"FHIR Portal tests"_s;

private Q_SLOTS:
    void writeThenReadThroughAnotherInstance()
    {
        if (!keyringExpected())
            QSKIP("needs the Secret Service of run-with-keyring.sh");
        const QString key = freshKey();
        const QByteArray secret
            = "fhp_" + QByteArray::number(QRandomGenerator::global()->generate64());
        {
            SecretStore writer(m_service);
            const auto written
                = await([&](QObject *c, auto done) { writer.write(key, secret, c, done); });
            QVERIFY(written);
            QVERIFY2(written->status == Status::Ok, qPrintable(written->error));
            QVERIFY(!writer.isMemoryOnly());
        }
        // A second instance has no memory of the first: the secret must come from the keychain.
        SecretStore reader(m_service);
        const auto read = await([&](QObject *c, auto done) { reader.read(key, c, done); });
        QVERIFY(read);
        QVERIFY2(read->status == Status::Ok, qPrintable(read->error));
        QCOMPARE(read->secret, secret);

        const auto removed = await([&](QObject *c, auto done) { reader.remove(key, c, done); });
        QVERIFY(removed && removed->status == Status::Ok);
        SecretStore third(m_service);
        const auto gone = await([&](QObject *c, auto done) { third.read(key, c, done); });
        QVERIFY(gone);
        QCOMPARE(gone->status, Status::NotFound);
        QVERIFY(gone->secret.isEmpty());
    }

    void overwriteKeepsTheNewest()
    {
        if (!keyringExpected())
            QSKIP("needs the Secret Service of run-with-keyring.sh");
        const QString key = freshKey();
        SecretStore store(m_service);
        QVERIFY(await([&](QObject *c, auto done) { store.write(key, "old", c, done); })->ok());
        QVERIFY(await([&](QObject *c, auto done) { store.write(key, "new", c, done); })->ok());
        SecretStore other(m_service);
        QCOMPARE(await([&](QObject *c, auto done) { other.read(key, c, done); })->secret, "new");
        // Services are separate namespaces: the app's own entries are not these.
        SecretStore app(u"FHIR Portal other service"_s);
        QCOMPARE(await([&](QObject *c, auto done) { app.read(key, c, done); })->status,
                 Status::NotFound);
        QVERIFY(await([&](QObject *c, auto done) { store.remove(key, c, done); })->ok());
    }

    void withoutKeychainKeepsInMemoryAndSaysSo()
    {
        if (keyringExpected())
            QSKIP("runs where no Secret Service answers");
        const QString key = freshKey();
        SecretStore store(m_service);
        const auto written
            = await([&](QObject *c, auto done) { store.write(key, "s3cret", c, done); });
        QVERIFY(written);
        QCOMPARE(written->status, Status::MemoryOnly);
        QVERIFY2(written->error.contains(u"this run only"_s), qPrintable(written->error));
        QVERIFY(!written->error.contains(u"s3cret"_s));
        QVERIFY(store.isMemoryOnly());

        const auto read = await([&](QObject *c, auto done) { store.read(key, c, done); });
        QCOMPARE(read->status, Status::MemoryOnly);
        QCOMPARE(read->secret, "s3cret");

        // Nothing went anywhere else: a second instance cannot find it.
        SecretStore other(m_service);
        const auto elsewhere = await([&](QObject *c, auto done) { other.read(key, c, done); });
        QVERIFY(elsewhere && !elsewhere->ok());
        QVERIFY(elsewhere->secret.isEmpty());

        QVERIFY(await([&](QObject *c, auto done) { store.remove(key, c, done); })->ok());
        const auto after = await([&](QObject *c, auto done) { store.read(key, c, done); });
        QVERIFY(after && !after->ok());
    }

    void noCallbackAfterTheContextIsGone()
    {
        SecretStore store(m_service);
        bool called = false;
        auto *context = new QObject;
        store.read(freshKey(), context, [&called](const SecretResult &) { called = true; });
        delete context;
        // Let the job finish; a second read proves the store still answers.
        const auto later = await([&](QObject *c, auto done) { store.read(freshKey(), c, done); });
        QVERIFY(later);
        QVERIFY(!called);
    }
};

QTEST_GUILESS_MAIN(TestSecretStore)
#include "tst_secretstore.moc"
