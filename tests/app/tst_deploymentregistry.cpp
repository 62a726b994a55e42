// DeploymentRegistry: the deployments list, persisted in a real settings file, as a list model.

#include "app/deploymentregistry.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace fhir::app;
using namespace Qt::StringLiterals;

class TestDeploymentRegistry : public QObject
{
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;

    QString settingsPath() const { return m_dir->filePath(u"settings.ini"_s); }

    // A registry as the app opens it: over the settings file, as a fresh process would.
    struct Opened
    {
        QSettings settings;
        DeploymentRegistry registry;
        QAbstractItemModelTester tester;
        Opened(const QString &path, const QString &root)
            : settings(path, QSettings::IniFormat)
            , registry(&settings, root)
            , tester(&registry, QAbstractItemModelTester::FailureReportingMode::QtTest)
        {
        }
    };
    std::unique_ptr<Opened> open() const
    {
        return std::make_unique<Opened>(settingsPath(), m_dir->filePath(u"data"_s));
    }

    static DeploymentEntry remote(const QString &name, const QString &url)
    {
        DeploymentEntry e;
        e.kind = DeploymentEntry::Kind::Remote;
        e.name = name;
        e.baseUrl = QUrl(url);
        return e;
    }

private Q_SLOTS:
    void init() { m_dir = std::make_unique<QTemporaryDir>(); }

    void emptyAtFirst()
    {
        auto opened = open();
        QCOMPARE(opened->registry.rowCount(), 0);
        QVERIFY(opened->registry.currentId().isEmpty());
    }

    void keepsEntriesAcrossRestarts()
    {
        DeploymentEntry local;
        local.name = u"Local"_s;
        local.port = 8080;
        local.requireApiKey = false;
        local.oauth = true;
        DeploymentEntry hapi = remote(u"HAPI public"_s, u"https://hapi.fhir.org/baseR4/"_s);
        hapi.headers = {{"Prefer", "return=representation"}, {"X-Tenant", "a b:c"}};
        hapi.secretHeaders = {"Authorization"};
        {
            auto opened = open();
            QSignalSpy inserted(&opened->registry, &QAbstractItemModel::rowsInserted);
            const auto added = opened->registry.add(local);
            QVERIFY2(added, qPrintable(added.error()));
            QCOMPARE(added->id, u"local"_s);
            const auto addedRemote = opened->registry.add(hapi);
            QVERIFY2(addedRemote, qPrintable(addedRemote.error()));
            QCOMPARE(addedRemote->baseUrl, QUrl(u"https://hapi.fhir.org/baseR4"_s)); // no slash
            QCOMPARE(inserted.size(), 2);
            opened->registry.setCurrentId(u"hapi-public"_s);
        }
        auto reopened = open();
        const DeploymentRegistry &registry = reopened->registry;
        QCOMPARE(registry.rowCount(), 2);
        QCOMPARE(registry.currentId(), u"hapi-public"_s);
        const auto first = registry.entry(u"local"_s);
        QVERIFY(first);
        QCOMPARE(first->name, u"Local"_s);
        QCOMPARE(first->port, quint16(8080));
        QVERIFY(!first->requireApiKey);
        QVERIFY(first->oauth);
        QVERIFY(first->isEmbedded());
        const auto second = registry.entry(u"hapi-public"_s);
        QVERIFY(second);
        QCOMPARE(second->kind, DeploymentEntry::Kind::Remote);
        QCOMPARE(second->baseUrl, QUrl(u"https://hapi.fhir.org/baseR4"_s));
        QCOMPARE(second->headers, hapi.headers);
        QCOMPARE(second->secretHeaders, hapi.secretHeaders);

        const QModelIndex row = registry.index(1);
        QCOMPARE(row.data().toString(), u"HAPI public"_s);
        QCOMPARE(row.data(DeploymentRegistry::IdRole).toString(), u"hapi-public"_s);
        QCOMPARE(row.data(DeploymentRegistry::KindRole).toInt(),
                 int(DeploymentEntry::Kind::Remote));
        QCOMPARE(row.data(DeploymentRegistry::DescriptionRole).toString(),
                 u"https://hapi.fhir.org/baseR4"_s);
        QCOMPARE(registry.index(0).data(DeploymentRegistry::DescriptionRole).toString(),
                 u"Embedded server on port 8080"_s);
        QCOMPARE(registry.dataFolder(u"local"_s), m_dir->filePath(u"data/local"_s));
    }

    void idsFromNames_data()
    {
        QTest::addColumn<QStringList>("names");
        QTest::addColumn<QStringList>("ids");
        QTest::newRow("plain") << QStringList{u"Local"_s} << QStringList{u"local"_s};
        QTest::newRow("repeated") << QStringList{u"Local"_s, u"local"_s, u"LOCAL"_s}
                                  << QStringList{u"local"_s, u"local-2"_s, u"local-3"_s};
        QTest::newRow("punctuation")
            << QStringList{u"  My Test -- Server! "_s} << QStringList{u"my-test-server"_s};
        QTest::newRow("nothing usable") << QStringList{u"Ωμέγα"_s} << QStringList{u"deployment"_s};
        QTest::newRow("long") << QStringList{QString(100, u'x')} << QStringList{QString(56, u'x')};
    }
    void idsFromNames()
    {
        QFETCH(QStringList, names);
        QFETCH(QStringList, ids);
        auto opened = open();
        for (qsizetype i = 0; i < names.size(); ++i) {
            DeploymentEntry e;
            e.name = names.at(i);
            const auto added = opened->registry.add(e);
            QVERIFY2(added, qPrintable(added.error()));
            QCOMPARE(added->id, ids.at(i));
        }
    }

    void refusesInvalidEntries_data()
    {
        QTest::addColumn<DeploymentEntry>("entry");
        QTest::addColumn<QString>("message");
        QTest::newRow("no name") << remote(u" "_s, u"https://x.org/fhir"_s) << u"needs a name"_s;
        QTest::newRow("ftp") << remote(u"a"_s, u"ftp://x.org/fhir"_s) << u"not an http(s) URL"_s;
        QTest::newRow("no host") << remote(u"a"_s, u"https:///fhir"_s) << u"not an http(s) URL"_s;
        QTest::newRow("relative") << remote(u"a"_s, u"fhir/r4"_s) << u"not an http(s) URL"_s;
        QTest::newRow("query") << remote(u"a"_s, u"https://x.org/fhir?a=b"_s) << u"query"_s;
        DeploymentEntry auth = remote(u"a"_s, u"https://x.org/fhir"_s);
        auth.headers = {{"authorization", "Bearer abc"}};
        QTest::newRow("secret among plain headers") << auth << u"keychain"_s;
        DeploymentEntry apiKey = remote(u"a"_s, u"https://x.org/fhir"_s);
        apiKey.headers = {{"X-API-Key", "abc"}};
        QTest::newRow("api key among plain headers") << apiKey << u"keychain"_s;
        DeploymentEntry badName = remote(u"a"_s, u"https://x.org/fhir"_s);
        badName.headers = {{"Bad Name", "v"}};
        QTest::newRow("header name with a space") << badName << u"not a header name"_s;
        DeploymentEntry injected = remote(u"a"_s, u"https://x.org/fhir"_s);
        injected.headers = {{"X-A", "v\r\nX-B: w"}};
        QTest::newRow("header injection") << injected << u"line break"_s;
        DeploymentEntry badId;
        badId.name = u"a"_s;
        badId.id = u"Has Caps"_s;
        QTest::newRow("bad id") << badId << u"not a deployment id"_s;
    }
    void refusesInvalidEntries()
    {
        QFETCH(DeploymentEntry, entry);
        QFETCH(QString, message);
        {
            auto opened = open();
            const auto added = opened->registry.add(entry);
            QVERIFY(!added);
            QVERIFY2(added.error().contains(message), qPrintable(added.error()));
            QCOMPARE(opened->registry.rowCount(), 0);
        }
        QFile file(settingsPath());
        if (file.open(QIODevice::ReadOnly))
            QVERIFY(!file.readAll().contains("Bearer abc"));
    }

    void duplicateIdIsRefused()
    {
        auto opened = open();
        DeploymentEntry e;
        e.name = u"A"_s;
        e.id = u"same"_s;
        QVERIFY(opened->registry.add(e));
        const auto again = opened->registry.add(e);
        QVERIFY(!again);
        QVERIFY(again.error().contains(u"exists already"_s));
    }

    void updateAndRemove()
    {
        {
            auto opened = open();
            DeploymentEntry e;
            e.name = u"Local"_s;
            const auto added = opened->registry.add(e);
            QVERIFY(added);
            opened->registry.setCurrentId(added->id);
            DeploymentEntry renamed = *added;
            renamed.name = u"Renamed"_s;
            QSignalSpy changed(&opened->registry, &QAbstractItemModel::dataChanged);
            QVERIFY(opened->registry.update(renamed));
            QCOMPARE(changed.size(), 1);
            DeploymentEntry unknown = renamed;
            unknown.id = u"nope"_s;
            QVERIFY(!opened->registry.update(unknown));
        }
        {
            auto opened = open();
            QCOMPARE(opened->registry.entry(u"local"_s)->name, u"Renamed"_s);
            QVERIFY(opened->registry.remove(u"local"_s));
            QVERIFY(!opened->registry.remove(u"local"_s));
            QVERIFY(opened->registry.currentId().isEmpty());
        }
        auto opened = open();
        QCOMPARE(opened->registry.rowCount(), 0);
    }

    void secretKeys()
    {
        QCOMPARE(secretKey(u"local"_s), u"local"_s);
        QCOMPARE(headerSecretKey(u"hapi"_s, "Authorization"), u"hapi/header/authorization"_s);
        QVERIFY(isSecretHeader("Authorization"));
        QVERIFY(isSecretHeader(" x-api-key"));
        QVERIFY(!isSecretHeader("Prefer"));
    }
};

QTEST_GUILESS_MAIN(TestDeploymentRegistry)
#include "tst_deploymentregistry.moc"
