// The item models of the OAuth 2.0 page and the token inspector, without widgets: users and
// applications as a real deployment's store lists them, and a JWT's claims in words.

#include "ui/models/oauthlistmodels.h"
#include "ui/models/tokenclaimsmodel.h"

#include "embedded_server/auth/jwt.h"
#include "embedded_server/auth/rsakey.h"
#include "embedded_server/deployment.h"

#include "testmodel.h"

#include <QAbstractItemModelTester>
#include <QTemporaryDir>
#include <QTest>

using namespace fhir;
using namespace Qt::StringLiterals;

class TestOAuthModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void usersAndApplicationsOfADeployment()
    {
        QTemporaryDir dir;
        server::DeploymentSettings settings;
        settings.id = u"local"_s;
        settings.name = u"Local"_s;
        settings.dataFolder = dir.path();
        settings.oauth = true;
        server::Deployment deployment(loadTestModel(), settings);
        QVERIFY(deployment.addOAuthUser(u"alice"_s, u"correct horse"_s, u"Patient/p1"_s));
        QVERIFY(deployment.addOAuthUser(u"bob"_s, u"correct horse"_s));
        QVERIFY(!deployment.addOAuthUser(u"alice"_s, u"another password"_s)); // unique
        server::ClientInfo app;
        app.name = u"My app"_s;
        app.redirectUris = {u"http://127.0.0.1/callback"_s};
        app.scopes = u"patient/*.rs launch/patient"_s;
        QVERIFY(deployment.addOAuthClient(app));
        server::ClientInfo backend;
        backend.name = u"Nightly job"_s;
        backend.confidential = true;
        backend.grantTypes = {u"client_credentials"_s};
        backend.scopes = u"system/*.rs"_s;
        auto made = deployment.addOAuthClient(backend);
        QVERIFY(made);
        QVERIFY(made->secret.startsWith(u"fcs_"_s)); // shown once, here

        ui::OAuthUserListModel users;
        QAbstractItemModelTester usersTester(&users);
        auto listed = deployment.oauthUsers();
        QVERIFY(listed);
        users.setUsers(*listed);
        QCOMPARE(users.rowCount(), 2);
        QCOMPARE(users.columnCount(), int(ui::OAuthUserListModel::ColumnCount));
        QCOMPARE(users.index(0, ui::OAuthUserListModel::UsernameColumn).data().toString(),
                 u"alice"_s);
        QCOMPARE(users.index(0, ui::OAuthUserListModel::FhirUserColumn).data().toString(),
                 u"Patient/p1"_s);
        QCOMPARE(users.index(1, ui::OAuthUserListModel::FhirUserColumn).data().toString(),
                 u"none"_s);
        QCOMPARE(users.index(1, 0).data(ui::OAuthUserListModel::UsernameRole).toString(), u"bob"_s);

        ui::OAuthClientListModel clients;
        QAbstractItemModelTester clientsTester(&clients);
        auto registered = deployment.oauthClients();
        QVERIFY(registered);
        clients.setClients(*registered);
        QCOMPARE(clients.rowCount(), 2);
        QStringList types;
        for (int row = 0; row < clients.rowCount(); ++row) {
            types.append(
                clients.index(row, ui::OAuthClientListModel::TypeColumn).data().toString());
            for (int column = 0; column < clients.columnCount(); ++column)
                QVERIFY(!clients.index(row, column).data().toString().contains(made->secret));
        }
        types.sort();
        QCOMPARE(types, (QStringList{u"Backend service"_s, u"Public"_s}));

        // Removal, as the page's Remove button does it.
        const auto removedUser = deployment.removeOAuthUser(u"bob"_s);
        QVERIFY(removedUser && *removedUser);
        const auto removedClient = deployment.removeOAuthClient(made->info.clientId);
        QVERIFY(removedClient && *removedClient);
        users.setUsers(deployment.oauthUsers().value());
        clients.setClients(deployment.oauthClients().value());
        QCOMPARE(users.rowCount(), 1);
        QCOMPARE(clients.rowCount(), 1);
    }

    void tokenInspectorShowsClaimsInWords()
    {
        auto key = server::RsaKey::generate();
        QVERIFY(key);
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        auto token = server::jwt::sign({{"iss", "http://127.0.0.1:8080/fhir/r4"},
                                        {"sub", "alice"},
                                        {"exp", now + 3000},
                                        {"iat", now},
                                        {"scope", "patient/*.rs launch/patient"},
                                        {"patient", "p1"}},
                                       *key, u"k1"_s, "at+jwt");
        QVERIFY(token);
        ui::TokenClaimsModel model;
        QAbstractItemModelTester tester(&model);
        QVERIFY(model.setToken(*token, now * 1000));
        QCOMPARE(model.claim(u"alg"_s, true).toString(), u"RS256"_s);
        QCOMPARE(model.claim(u"patient"_s).toString(), u"p1"_s);
        QString expMeaning;
        for (int row = 0; row < model.rowCount(); ++row) {
            if (model.index(row, ui::TokenClaimsModel::NameColumn).data() == u"exp"_s)
                expMeaning
                    = model.index(row, ui::TokenClaimsModel::MeaningColumn).data().toString();
            // Never the token or its signature.
            const QString value
                = model.index(row, ui::TokenClaimsModel::ValueColumn).data().toString();
            QVERIFY(!token->contains(value.toLatin1()) || value.size() < 40);
        }
        QVERIFY2(expMeaning.startsWith(u"expires at"_s) && expMeaning.contains(u"in 50 minutes"_s),
                 qPrintable(expMeaning));
        QVERIFY(model.setToken(*token, (now + 4000) * 1000));
        for (int row = 0; row < model.rowCount(); ++row) {
            if (model.index(row, ui::TokenClaimsModel::NameColumn).data() == u"exp"_s)
                QVERIFY(model.index(row, ui::TokenClaimsModel::MeaningColumn)
                            .data()
                            .toString()
                            .startsWith(u"expired at"_s));
        }
        // An opaque token is not a JWT: nothing to show.
        QVERIFY(!model.setToken("opaque-token-value", now * 1000));
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_MAIN(TestOAuthModels)
#include "tst_oauthmodels.moc"
