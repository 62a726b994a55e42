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

SecretResult readSecret(SecretStore &store, const QString &key)
{
    std::optional<SecretResult> read;
    QObject context;
    store.read(key, &context, [&](const SecretResult &r) { read = r; });
    if (!QTest::qWaitFor([&] { return read.has_value(); }, 10000))
        return {};
    return *read;
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

        // An embedded deployment that wants no key, running and current.
        Result<DeploymentEntry> createOpen(const QString &name)
        {
            DeploymentEntry open;
            open.name = name;
            open.requireApiKey = false;
            auto made = manager.createEmbedded(open, 0);
            if (made && !waitForEndpoint(false))
                return Error{u"%1 did not start"_s.arg(name)};
            return made;
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
        const auto made = app->createOpen(u"Open"_s);
        QVERIFY2(made, qPrintable(made.error()));
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

    // Issue 6, "Importing a user's data": NDJSON reports each bad line by number and loads
    // the good ones; the resources are then read over the running server.
    void importNdjsonReportsTheBadLineAndLoadsTheRest()
    {
        auto app = start();
        const auto made = app->createOpen(u"Import"_s);
        QVERIFY2(made, qPrintable(made.error()));

        const QString path = m_dir->filePath(u"patients.ndjson"_s);
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            const QStringList genders{u"female"_s, u"robot"_s, u"male"_s};
            for (qsizetype i = 0; i < genders.size(); ++i) {
                file.write(u"{\"resourceType\":\"Patient\",\"id\":\"imp-%1\",\"gender\":\"%2\"}\n"_s
                               .arg(i + 1)
                               .arg(genders.at(i))
                               .toUtf8());
            }
        }
        QSignalSpy started(&app->manager, &DeploymentManager::loadStarted);
        QSignalSpy progress(&app->manager, &DeploymentManager::loadProgress);
        QSignalSpy finished(&app->manager, &DeploymentManager::loadFinished);
        const auto imported = app->manager.importFiles(made->id, {path});
        QVERIFY2(imported, qPrintable(imported.error()));
        QCOMPARE(started.size(), 1);
        QCOMPARE(started.at(0).at(1).value<DeploymentManager::LoadKind>(),
                 DeploymentManager::LoadKind::Import);
        QCOMPARE(app->manager.loadKind(made->id), DeploymentManager::LoadKind::Import);
        // One load at a time.
        QVERIFY(!app->manager.importFiles(made->id, {path}));

        QVERIFY(QTest::qWaitFor([&] { return finished.size() == 1; }, 20000));
        QCOMPARE(finished.at(0).at(0).toString(), made->id);
        QVERIFY(!finished.at(0).at(1).toBool()); // not everything loaded
        const QString report = finished.at(0).at(2).toString();
        QVERIFY2(report.contains(u"patients.ndjson: 2 loaded, 1 not loaded"_s), qPrintable(report));
        QVERIFY2(report.contains(u"line 2: "_s), qPrintable(report));
        QVERIFY2(report.contains(u"robot"_s), qPrintable(report));
        QVERIFY(!progress.isEmpty());
        QCOMPARE(progress.last().at(1).toLongLong(), QFileInfo(path).size()); // bytes
        QCOMPARE(progress.last().at(2).toLongLong(), QFileInfo(path).size());
        QCOMPARE(app->manager.loadKind(made->id), DeploymentManager::LoadKind::None);

        const Endpoint endpoint = app->manager.currentEndpoint();
        const Reply first = get(at(endpoint, u"Patient/imp-1"_s));
        QCOMPARE(first.status, 200);
        QCOMPARE(first.json.value(u"gender"_s).toString(), u"female"_s);
        QCOMPARE(get(at(endpoint, u"Patient/imp-3"_s)).status, 200);
        QCOMPARE(get(at(endpoint, u"Patient/imp-2"_s)).status, 404);

        // Nothing to import into a remote server, and nothing without files.
        QVERIFY(!app->manager.importFiles(made->id, {}));
        DeploymentEntry remote;
        remote.name = u"Far"_s;
        remote.baseUrl = QUrl(u"https://fhir.example.org/r4"_s);
        const auto far = app->manager.addRemote(remote, {});
        QVERIFY(far);
        const auto refused = app->manager.importFiles(far->id, {path});
        QVERIFY(!refused);
        QVERIFY(refused.error().contains(u"embedded"_s));
    }

    void editRemoteKeepsTheKeychainInStep()
    {
        auto app = start();
        DeploymentEntry remote;
        remote.name = u"Example"_s;
        remote.baseUrl = QUrl(u"https://fhir.example.org/r4"_s);
        const auto added = app->manager.addRemote(
            remote, {{"Authorization", "Bearer OLD"}, {"X-Api-Token", "T1"}});
        QVERIFY2(added, qPrintable(added.error()));
        QVERIFY(QTest::qWaitFor([&] { return app->manager.currentEndpoint().headers.size() == 2; },
                                10000));

        // Rename, move, a new plain header; drop X-Api-Token, replace Authorization.
        DeploymentEntry edited = *added;
        edited.name = u"Example (staging)"_s;
        edited.baseUrl = QUrl(u"https://staging.example.org/r4"_s);
        edited.headers = {{"Prefer", "handling=strict"}};
        edited.secretHeaders = {"Authorization"};
        QVERIFY(app->manager.editDeployment(edited, {{"Authorization", "Bearer NEW"}}));
        QVERIFY(QTest::qWaitFor(
            [&] {
                const Endpoint &e = app->manager.currentEndpoint();
                return e.baseUrl == edited.baseUrl && e.headers.size() == 2
                    && e.headers.at(1).second == "Bearer NEW";
            },
            10000));
        const Endpoint endpoint = app->manager.currentEndpoint();
        QCOMPARE(endpoint.name, u"Example (staging)"_s);
        QCOMPARE(endpoint.headers.at(0),
                 (QPair<QByteArray, QByteArray>{"Prefer", "handling=strict"}));
        const DeploymentEntry stored = *app->registry.entry(added->id);
        QCOMPARE(stored.name, u"Example (staging)"_s);
        QCOMPARE(stored.secretHeaders, QList<QByteArray>{"Authorization"});
        QCOMPARE(readSecret(app->secrets, headerSecretKey(added->id, "X-Api-Token")).ok(), false);

        // The checks of add() hold: no URL, no name.
        edited.baseUrl = QUrl(u"ftp://example.org"_s);
        QVERIFY(!app->manager.editDeployment(edited));
        edited.baseUrl = QUrl(u"https://staging.example.org/r4"_s);
        edited.name = u"  "_s;
        QVERIFY(!app->manager.editDeployment(edited));
        QCOMPARE(app->registry.entry(added->id)->name, u"Example (staging)"_s);

        // Removing forgets the keychain entries too, and nothing stays selected.
        QSignalSpy current(&app->manager, &DeploymentManager::currentChanged);
        QVERIFY(app->manager.removeDeployment(added->id, false));
        QCOMPARE(current.size(), 1);
        QCOMPARE(current.at(0).at(0).toString(), QString());
        QCOMPARE(readSecret(app->secrets, headerSecretKey(added->id, "Authorization")).ok(), false);
        QVERIFY(app->manager.currentId().isEmpty());
        QVERIFY(!app->manager.currentEndpoint().isValid());
    }

    void renameAndRemoveEmbeddedNeverStarted()
    {
        QString id;
        {
            auto app = start();
            const auto made = app->createOpen(u"Scratch"_s);
            QVERIFY2(made, qPrintable(made.error()));
            id = made->id;
            QVERIFY(app->createOpen(u"Other"_s));
        }
        QVERIFY(QFileInfo::exists(m_dir->filePath(u"data/"_s + id + u"/fhir.sqlite"_s)));
        // Next run: "Other" is current, "Scratch" never started in this run.
        auto app = start();
        app->manager.initialize(0);
        QCOMPARE(app->manager.currentId(), u"other"_s);
        DeploymentEntry renamed = *app->registry.entry(id);
        renamed.name = u"Scratchpad"_s;
        renamed.port = 1; // not editable here: stays
        QVERIFY(app->manager.editDeployment(renamed));
        QCOMPARE(app->registry.entry(id)->name, u"Scratchpad"_s);
        QCOMPARE(app->registry.entry(id)->port, quint16(0));

        QVERIFY(app->manager.removeDeployment(id, true));
        QVERIFY(!QFileInfo::exists(m_dir->filePath(u"data/"_s + id + u"/fhir.sqlite"_s)));
        QCOMPARE(app->registry.rowCount(), 1);
        QCOMPARE(app->manager.currentId(), u"other"_s);
        QVERIFY(!app->manager.removeDeployment(id, true)); // gone already
    }
};

QTEST_GUILESS_MAIN(TestDeploymentManager)
#include "tst_deploymentmanager.moc"
