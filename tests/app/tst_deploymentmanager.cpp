// DeploymentManager end to end: a real embedded server on loopback, real SQLite, the real
// keychain (under run-with-keyring.sh) or none at all (the plain run), real HTTP requests.

#include "app/deploymentmanager.h"
#include "app/secretstore.h"

#include "testmodel.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace fhir;
using namespace fhir::app;
using namespace Qt::StringLiterals;

namespace {

bool keyringExpected()
{
    return qEnvironmentVariable("FHIR_PORTAL_TEST_KEYRING") == u"1"_s;
}

struct Reply
{
    int status = 0;
    QJsonObject json;
};

Reply get(const QUrl &url, const QByteArray &apiKey = {})
{
    QNetworkAccessManager network;
    QNetworkRequest request(url);
    if (!apiKey.isEmpty())
        request.setRawHeader("x-api-key", apiKey);
    QNetworkReply *reply = network.get(request);
    if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, 20000))
        return {};
    Reply result{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                 QJsonDocument::fromJson(reply->readAll()).object()};
    delete reply;
    return result;
}

QUrl at(const Endpoint &endpoint, const QString &path)
{
    return QUrl(endpoint.baseUrl.toString() + u'/' + path);
}

} // namespace

class TestDeploymentManager : public QObject
{
    Q_OBJECT

    std::shared_ptr<const schema::Model> m_model;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_service;

    // The app as it starts: settings, keychain, registry and manager made afresh.
    struct App
    {
        QSettings settings;
        SecretStore secrets;
        DeploymentRegistry registry;
        DeploymentManager manager;
        QStringList notices;

        App(const std::shared_ptr<const schema::Model> &model, const QTemporaryDir &dir,
            const QString &service)
            : settings(dir.filePath(u"settings.ini"_s), QSettings::IniFormat)
            , secrets(service)
            , registry(&settings, dir.filePath(u"data"_s))
            , manager(model, &registry, &secrets)
        {
            QObject::connect(&manager, &DeploymentManager::notice, &manager,
                             [this](const QString &text) { notices.append(text); });
        }

        // Waits until the current endpoint is usable: a base URL, and a key when wanted.
        bool waitForEndpoint(bool withKey)
        {
            return QTest::qWaitFor(
                [&] {
                    const Endpoint &e = manager.currentEndpoint();
                    return e.isValid() && (!withKey || !e.apiKey.isEmpty());
                },
                20000);
        }
    };
    std::unique_ptr<App> start() const { return std::make_unique<App>(m_model, *m_dir, m_service); }

private Q_SLOTS:
    void initTestCase()
    {
        m_model = loadTestModel();
        QCOMPARE(DeploymentManager::firstStartPatients, 100);
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        // A service of its own per test: keychain entries of another test never answer here.
        m_service = u"FHIR Portal test "_s + QFileInfo(m_dir->path()).fileName();
    }

    void firstStartMakesAnAuthorizedLocalServerWithData()
    {
        QByteArray key;
        {
            auto app = start();
            QSignalSpy loaded(&app->manager, &DeploymentManager::loadFinished);
            QSignalSpy progress(&app->manager, &DeploymentManager::loadProgress);
            QSignalSpy endpoints(&app->manager, &DeploymentManager::currentEndpointChanged);
            app->manager.initialize(3);

            QCOMPARE(app->registry.rowCount(), 1);
            const DeploymentEntry local = app->registry.entries().first();
            QCOMPARE(local.name, u"Local"_s);
            QVERIFY(local.isEmbedded());
            QVERIFY(local.requireApiKey);
            QCOMPARE(app->manager.currentId(), local.id);

            QVERIFY(app->waitForEndpoint(true));
            const Endpoint endpoint = app->manager.currentEndpoint();
            QVERIFY(endpoint.isEmbedded);
            QCOMPARE(endpoint.deploymentId, local.id);
            QCOMPARE(endpoint.baseUrl.host(), u"127.0.0.1"_s);
            QVERIFY(endpoint.baseUrl.path().endsWith(u"/fhir/r4"_s));
            QCOMPARE(app->manager.state(local.id), DeploymentManager::State::Running);
            key = endpoint.apiKey;

            QVERIFY(QTest::qWaitFor([&] { return loaded.size() == 1; }, 60000));
            QVERIFY2(loaded.at(0).at(1).toBool(), qPrintable(loaded.at(0).at(2).toString()));
            QVERIFY(progress.size() > 0);
            QCOMPARE(progress.last().at(1).toLongLong(), qint64(3));

            // The key works over real HTTP; no key is refused.
            const Reply withKey = get(at(endpoint, u"Patient?_count=0"_s), key);
            QCOMPARE(withKey.status, 200);
            QCOMPARE(withKey.json.value(u"total"_s).toInt(), 3);
            QCOMPARE(get(at(endpoint, u"Patient?_count=0"_s)).status, 401);

            const auto keys = app->manager.apiKeys(local.id);
            QVERIFY(keys);
            QCOMPARE(keys->size(), 1);
            QCOMPARE(keys->first().name, DeploymentManager::appKeyName());

            if (keyringExpected()) {
                QVERIFY2(app->notices.isEmpty(), qPrintable(app->notices.join(u'\n')));
                // Read back through another instance: it is in the keychain, not in memory.
                SecretStore other(m_service);
                std::optional<SecretResult> read;
                QObject context;
                other.read(secretKey(local.id), &context, [&](const SecretResult &r) { read = r; });
                QVERIFY(QTest::qWaitFor([&] { return read.has_value(); }, 10000));
                QCOMPARE(read->status, SecretResult::Status::Ok);
                QCOMPARE(read->secret, key);
            } else {
                QVERIFY(app->secrets.isMemoryOnly());
                QVERIFY(!app->notices.isEmpty());
                QVERIFY(app->notices.join(u'\n').contains(u"this run only"_s));
            }
        }
        // No secret in the settings file.
        QFile settings(m_dir->filePath(u"settings.ini"_s));
        QVERIFY(settings.open(QIODevice::ReadOnly));
        QVERIFY(!settings.readAll().contains(key));

        // Restart: the same deployment, its data, and (with a keychain) the same key.
        auto again = start();
        again->manager.initialize(3);
        QCOMPARE(again->registry.rowCount(), 1);
        QVERIFY(again->waitForEndpoint(true));
        const Endpoint endpoint = again->manager.currentEndpoint();
        if (keyringExpected()) {
            QCOMPARE(endpoint.apiKey, key);
        } else {
            // The key of the last run is out of reach: a fresh one for this run, the old revoked.
            QVERIFY(endpoint.apiKey != key);
            QCOMPARE(get(at(endpoint, u"metadata"_s), key).status, 200); // metadata is open
            QCOMPARE(get(at(endpoint, u"Patient?_count=0"_s), key).status, 401);
            QCOMPARE(again->manager.apiKeys(endpoint.deploymentId)->size(), 1);
        }
        const Reply count = get(at(endpoint, u"Patient?_count=0"_s), endpoint.apiKey);
        QCOMPARE(count.status, 200);
        QCOMPARE(count.json.value(u"total"_s).toInt(), 3);
    }

    void keysLogoutAndAuthorize()
    {
        auto app = start();
        app->manager.initialize(0);
        QVERIFY(app->waitForEndpoint(true));
        const QString id = app->manager.currentId();

        const auto made = app->manager.createApiKey(id, u"CI"_s);
        QVERIFY2(made, qPrintable(made.error()));
        QVERIFY(made->secret.startsWith("fpk_"));
        QCOMPARE(app->manager.apiKeys(id)->size(), 2);

        app->manager.logout(id);
        QVERIFY(QTest::qWaitFor([&] { return app->manager.currentEndpoint().apiKey.isEmpty(); },
                                10000));
        QVERIFY(app->manager.currentEndpoint().isValid());

        app->manager.setApiKey(id, made->secret);
        QVERIFY(QTest::qWaitFor(
            [&] { return app->manager.currentEndpoint().apiKey == made->secret; }, 10000));
        const Endpoint endpoint = app->manager.currentEndpoint();
        QCOMPARE(get(at(endpoint, u"Patient"_s), endpoint.apiKey).status, 200);

        QVERIFY(app->manager.revokeApiKey(id, made->info.id));
        QCOMPARE(get(at(endpoint, u"Patient"_s), endpoint.apiKey).status, 401);
        QVERIFY(!app->manager.createApiKey(u"nope"_s, u"x"_s));
    }

    void stopAndStart()
    {
        auto app = start();
        DeploymentEntry open;
        open.name = u"Open"_s;
        open.requireApiKey = false;
        const auto made = app->manager.createEmbedded(open, 0);
        QVERIFY2(made, qPrintable(made.error()));
        QVERIFY(app->waitForEndpoint(false));
        QVERIFY(app->manager.currentEndpoint().apiKey.isEmpty());
        QCOMPARE(app->manager.apiKeys(made->id)->size(), 0); // no key wanted, none made
        const QUrl url = at(app->manager.currentEndpoint(), u"Patient"_s);
        QCOMPARE(get(url).status, 200);

        QSignalSpy states(&app->manager, &DeploymentManager::stateChanged);
        app->manager.stop(made->id);
        QVERIFY(QTest::qWaitFor(
            [&] { return app->manager.state(made->id) == DeploymentManager::State::Stopped; },
            20000));
        QVERIFY(QTest::qWaitFor([&] { return !app->manager.currentEndpoint().isValid(); }, 10000));
        QCOMPARE(get(url).status, 0); // nobody listens
        app->manager.start(made->id);
        QVERIFY(app->waitForEndpoint(false));
        QVERIFY(states.size() >= 3);

        QVERIFY(app->manager.removeDeployment(made->id, true));
        QVERIFY(!QFileInfo::exists(app->registry.dataFolder(made->id) + u"/fhir.sqlite"_s));
        QCOMPARE(app->registry.rowCount(), 0);
        QVERIFY(app->manager.currentId().isEmpty());
    }

    void remoteEndpointWithSecretHeader()
    {
        auto app = start();
        DeploymentEntry remote;
        remote.name = u"Example"_s;
        remote.baseUrl = QUrl(u"https://fhir.example.org/r4"_s);
        remote.headers = {{"Prefer", "handling=strict"}};
        const auto added = app->manager.addRemote(remote, {{"Authorization", "Bearer T0KEN"}});
        QVERIFY2(added, qPrintable(added.error()));
        QVERIFY(QTest::qWaitFor([&] { return app->manager.currentEndpoint().headers.size() == 2; },
                                10000));
        const Endpoint endpoint = app->manager.currentEndpoint();
        QVERIFY(!endpoint.isEmbedded);
        QCOMPARE(endpoint.baseUrl, remote.baseUrl);
        QCOMPARE(endpoint.headers.at(0),
                 (QPair<QByteArray, QByteArray>{"Prefer", "handling=strict"}));
        QCOMPARE(endpoint.headers.at(1),
                 (QPair<QByteArray, QByteArray>{"Authorization", "Bearer T0KEN"}));
        QCOMPARE(app->manager.state(added->id), DeploymentManager::State::Remote);
        app->settings.sync();
        QFile settings(m_dir->filePath(u"settings.ini"_s));
        QVERIFY(settings.open(QIODevice::ReadOnly));
        QVERIFY(!settings.readAll().contains("T0KEN"));
        QVERIFY(app->manager.removeDeployment(added->id, false));
    }
};

QTEST_GUILESS_MAIN(TestDeploymentManager)
#include "tst_deploymentmanager.moc"
