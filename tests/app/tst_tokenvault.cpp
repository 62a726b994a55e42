// A login's tokens in the OS keychain (SECURITY.md, Client: tokens and refresh tokens only in
// the keychain): a real Secret Service under run-with-keyring.sh, memory only without one.

#include "app/oauth/tokenvault.h"

#include <QRandomGenerator>
#include <QTest>

using namespace fhir::app;
using namespace Qt::StringLiterals;

namespace {

bool keyringExpected()
{
    return qEnvironmentVariable("FHIR_PORTAL_TEST_KEYRING") == u"1"_s;
}

QString freshId()
{
    return u"vault-"_s + QString::number(QRandomGenerator::global()->generate64(), 16);
}

TokenSet sample()
{
    TokenSet t;
    t.accessToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln";
    t.refreshToken = "frt_" + QByteArray::number(QRandomGenerator::global()->generate64());
    t.idToken = "eyJ.id.token";
    t.scope = u"patient/*.rs launch/patient offline_access"_s;
    t.patient = u"p1"_s;
    t.expiresAtMs = 1'800'000'000'000;
    return t;
}

} // namespace

class TestTokenVault : public QObject
{
    Q_OBJECT

    const QString m_service = u"FHIR Portal tests"_s;

private Q_SLOTS:
    void roundTripOfTheSerializedForm()
    {
        const TokenSet t = sample();
        const auto back = TokenVault::deserialize(TokenVault::serialize(t));
        QVERIFY(back);
        QCOMPARE(back->accessToken, t.accessToken);
        QCOMPARE(back->refreshToken, t.refreshToken);
        QCOMPARE(back->idToken, t.idToken);
        QCOMPARE(back->scope, t.scope);
        QCOMPARE(back->patient, t.patient);
        QCOMPARE(back->expiresAtMs, t.expiresAtMs);
        QVERIFY(!TokenVault::deserialize("not json"));
        QVERIFY(!TokenVault::deserialize("{}"));
    }

    void savedLoadedForgotten()
    {
        const QString id = freshId();
        const TokenSet t = sample();
        SecretStore writer(m_service);
        TokenVault vault(writer);
        std::optional<SecretResult> saved;
        QObject context;
        vault.save(id, t, &context, [&](const SecretResult &r) { saved = r; });
        QVERIFY(QTest::qWaitFor([&] { return saved.has_value(); }, 10000));
        QVERIFY2(saved->ok(), qPrintable(saved->error));
        QCOMPARE(saved->status == SecretResult::Status::Ok, keyringExpected());

        // With a keychain, another instance (a later run of the app) reads it back.
        SecretStore reader(m_service);
        TokenVault readVault(keyringExpected() ? reader : writer);
        std::optional<std::optional<TokenSet>> loaded;
        readVault.load(id, &context, [&](std::optional<TokenSet> tokens, const SecretResult &) {
            loaded = std::move(tokens);
        });
        QVERIFY(QTest::qWaitFor([&] { return loaded.has_value(); }, 10000));
        QVERIFY(loaded->has_value());
        QCOMPARE((*loaded)->refreshToken, t.refreshToken);
        QCOMPARE((*loaded)->patient, u"p1"_s);

        std::optional<SecretResult> forgotten;
        readVault.forget(id, &context, [&](const SecretResult &r) { forgotten = r; });
        QVERIFY(QTest::qWaitFor([&] { return forgotten.has_value(); }, 10000));
        QVERIFY(forgotten->ok());
        loaded.reset();
        std::optional<SecretResult> after;
        readVault.load(id, &context, [&](std::optional<TokenSet> tokens, const SecretResult &r) {
            loaded = std::move(tokens);
            after = r;
        });
        QVERIFY(QTest::qWaitFor([&] { return loaded.has_value(); }, 10000));
        QVERIFY(!loaded->has_value());
        // Without a keychain the read of a forgotten key fails as a read of the keychain does.
        if (keyringExpected())
            QCOMPARE(after->status, SecretResult::Status::NotFound);
        else
            QVERIFY(!after->ok());
    }
};

QTEST_GUILESS_MAIN(TestTokenVault)
#include "tst_tokenvault.moc"
