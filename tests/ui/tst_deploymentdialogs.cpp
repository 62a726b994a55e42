// The Authorize and New-deployment dialogs, offscreen, driven by keyboard and clicks.

#include "ui/widgets/authorizedialog.h"
#include "ui/widgets/newdeploymentdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTcpServer>
#include <QTest>

using namespace fhir;
using namespace Qt::StringLiterals;

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

template<typename T> T *child(QWidget *parent, const QString &name)
{
    auto *w = parent->findChild<T *>(name);
    if (!w)
        qWarning("no child %s", qPrintable(name));
    return w;
}

class TestDeploymentDialogs : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void authorizeTakesThePastedKey()
    {
        ui::AuthorizeDialog dialog(u"Local"_s, false);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *edit = child<QLineEdit>(&dialog, u"apiKeyEdit"_s);
        auto *authorize = child<QPushButton>(&dialog, u"authorizeButton"_s);
        auto *logout = child<QPushButton>(&dialog, u"logoutButton"_s);
        QVERIFY(edit && authorize && logout);
        QCOMPARE(edit->echoMode(), QLineEdit::Password);
        QVERIFY(!edit->accessibleName().isEmpty());
        QVERIFY(!authorize->isEnabled());
        QVERIFY(!logout->isEnabled()); // nothing to log out of
        QSignalSpy authorized(&dialog, &ui::AuthorizeDialog::authorizeRequested);
        QTest::keyClicks(edit, u"  fhp_abc123\t"_s.trimmed() + u"  "_s);
        QVERIFY(authorize->isEnabled());
        QTest::keyClick(edit, Qt::Key_Return);
        QCOMPARE(authorized.size(), 1);
        QCOMPARE(authorized.at(0).at(0).toByteArray(), QByteArray("fhp_abc123"));
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
    }

    void logoutWhenAuthorized()
    {
        ui::AuthorizeDialog dialog(u"HAPI"_s, true);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QSignalSpy loggedOut(&dialog, &ui::AuthorizeDialog::logoutRequested);
        auto *logout = child<QPushButton>(&dialog, u"logoutButton"_s);
        QVERIFY(logout && logout->isEnabled());
        QTest::mouseClick(logout, Qt::LeftButton);
        QCOMPARE(loggedOut.size(), 1);
    }

    void parseHeaders_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<HeaderList>("plain");
        QTest::addColumn<HeaderList>("secret");
        QTest::addColumn<bool>("ok");
        QTest::newRow("empty") << QString() << HeaderList{} << HeaderList{} << true;
        QTest::newRow("split")
            << u"Prefer: return=minimal\n\n  Authorization: Bearer a:b \nX-API-Key: k"_s
            << HeaderList{{"Prefer", "return=minimal"}}
            << HeaderList{{"Authorization", "Bearer a:b"}, {"X-API-Key", "k"}} << true;
        QTest::newRow("no colon") << u"Prefer return"_s << HeaderList{} << HeaderList{} << false;
        QTest::newRow("no name") << u": value"_s << HeaderList{} << HeaderList{} << false;
    }
    void parseHeaders()
    {
        QFETCH(QString, text);
        QFETCH(HeaderList, plain);
        QFETCH(HeaderList, secret);
        QFETCH(bool, ok);
        const auto parsed = ui::parseHeaderLines(text);
        QCOMPARE(bool(parsed), ok);
        if (!ok)
            return;
        QCOMPARE(parsed->plain, plain);
        QCOMPARE(parsed->secret, secret);
    }

    void newEmbeddedWithoutAuthAndProgress()
    {
        ui::NewDeploymentDialog dialog;
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *name = child<QLineEdit>(&dialog, u"embeddedName"_s);
        auto *port = child<QSpinBox>(&dialog, u"portSpin"_s);
        auto *requireKey = child<QCheckBox>(&dialog, u"requireApiKey"_s);
        auto *warning = child<QLabel>(&dialog, u"noAuthWarning"_s);
        auto *preload = child<QComboBox>(&dialog, u"preloadCombo"_s);
        auto *create = child<QPushButton>(&dialog, u"createButton"_s);
        QVERIFY(name && port && requireKey && warning && preload && create);
        QVERIFY(requireKey->isChecked());
        QVERIFY(!warning->isVisible());
        QCOMPARE(preload->currentData().toInt(), 100);
        QCOMPARE(preload->count(), 4);

        name->clear();
        QTest::keyClicks(name, u"Scratch"_s);
        port->setValue(18080);
        QTest::mouseClick(requireKey, Qt::LeftButton);
        QVERIFY(warning->isVisible());
        preload->setCurrentIndex(2);
        QCOMPARE(preload->currentData().toInt(), 1000);

        QSignalSpy requested(&dialog, &ui::NewDeploymentDialog::createEmbeddedRequested);
        QTest::mouseClick(create, Qt::LeftButton);
        QCOMPARE(requested.size(), 1);
        const auto entry = requested.at(0).at(0).value<app::DeploymentEntry>();
        QCOMPARE(entry.kind, app::DeploymentEntry::Kind::Embedded);
        QCOMPARE(entry.name, u"Scratch"_s);
        QCOMPARE(entry.port, quint16(18080));
        QVERIFY(!entry.requireApiKey);
        QCOMPARE(requested.at(0).at(1).toInt(), 1000);

        dialog.showLoading(u"scratch"_s, 1000);
        auto *bar = child<QProgressBar>(&dialog, u"loadProgress"_s);
        auto *cancel = child<QPushButton>(&dialog, u"cancelLoadButton"_s);
        auto *close = child<QPushButton>(&dialog, u"closeButton"_s);
        QVERIFY(bar && cancel && close);
        QVERIFY(bar->isVisible());
        QVERIFY(!create->isVisible());
        dialog.setProgress(u"other"_s, 10, 20); // another deployment's load: ignored
        dialog.setProgress(u"scratch"_s, 250, 1000);
        QCOMPARE(bar->value(), 250);
        QVERIFY(!close->isEnabled());
        QSignalSpy cancelled(&dialog, &ui::NewDeploymentDialog::cancelLoadRequested);
        QTest::mouseClick(cancel, Qt::LeftButton);
        QCOMPARE(cancelled.size(), 1);
        QCOMPARE(cancelled.at(0).at(0).toString(), u"scratch"_s);
        dialog.setLoadFinished(u"scratch"_s, false, u"cancelled after 300 patients"_s);
        QVERIFY(close->isEnabled());
        QVERIFY(child<QLabel>(&dialog, u"progressLabel"_s)->text().contains(u"300 patients"_s));
        QTest::mouseClick(close, Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
    }

    void newRemoteSplitsCredentials()
    {
        ui::NewDeploymentDialog dialog;
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTest::keyClick(child<QRadioButton>(&dialog, u"remoteChoice"_s), Qt::Key_Space);
        auto *url = child<QLineEdit>(&dialog, u"baseUrlEdit"_s);
        auto *headers = child<QPlainTextEdit>(&dialog, u"headersEdit"_s);
        QVERIFY(url && headers && url->isVisible());
        QTest::keyClicks(url, u"https://fhir.example.org/r4"_s);
        headers->setPlainText(u"Authorization: Bearer xyz\nPrefer: handling=strict"_s);
        QSignalSpy requested(&dialog, &ui::NewDeploymentDialog::addRemoteRequested);
        QTest::mouseClick(child<QPushButton>(&dialog, u"createButton"_s), Qt::LeftButton);
        QCOMPARE(requested.size(), 1);
        const auto entry = requested.at(0).at(0).value<app::DeploymentEntry>();
        QCOMPARE(entry.kind, app::DeploymentEntry::Kind::Remote);
        QCOMPARE(entry.name, u"fhir.example.org"_s); // no name typed: the host
        QCOMPARE(entry.baseUrl, QUrl(u"https://fhir.example.org/r4"_s));
        QCOMPARE(entry.headers, (HeaderList{{"Prefer", "handling=strict"}}));
        QCOMPARE(requested.at(0).at(1).value<HeaderList>(),
                 (HeaderList{{"Authorization", "Bearer xyz"}}));

        // An error from the caller shows on the form.
        dialog.showError(u"A deployment with the id x exists already."_s);
        auto *error = child<QLabel>(&dialog, u"errorLabel"_s);
        QVERIFY(error->isVisible());
        headers->setPlainText(u"broken line"_s);
        QTest::mouseClick(child<QPushButton>(&dialog, u"createButton"_s), Qt::LeftButton);
        QCOMPARE(requested.size(), 1);
        QVERIFY(error->text().contains(u"Line 1"_s));
    }

    void checkSaysWhenUnreachable()
    {
        quint16 port = 0;
        {
            QTcpServer reserve;
            QVERIFY(reserve.listen(QHostAddress::LocalHost));
            port = reserve.serverPort();
        }
        ui::NewDeploymentDialog dialog;
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTest::keyClick(child<QRadioButton>(&dialog, u"remoteChoice"_s), Qt::Key_Space);
        QTest::keyClicks(child<QLineEdit>(&dialog, u"baseUrlEdit"_s),
                         u"http://127.0.0.1:%1/fhir"_s.arg(port));
        QTest::mouseClick(child<QPushButton>(&dialog, u"checkButton"_s), Qt::LeftButton);
        auto *result = child<QLabel>(&dialog, u"probeResult"_s);
        QTRY_VERIFY_WITH_TIMEOUT(result->text().contains(u"cannot be reached"_s), 15000);
    }
};

QTEST_MAIN(TestDeploymentDialogs)
#include "tst_deploymentdialogs.moc"
