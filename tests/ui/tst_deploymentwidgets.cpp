// The deployment selector, the history panel and the API key list model, offscreen, over a
// real registry (settings file) and a real history file.

#include "app/deploymentregistry.h"
#include "app/requesthistory.h"
#include "ui/models/apikeylistmodel.h"
#include "ui/models/requesthistorymodel.h"
#include "ui/widgets/deploymentselector.h"
#include "ui/widgets/historypanel.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

using namespace fhir;
using namespace Qt::StringLiterals;

class TestDeploymentWidgets : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void selectorListsEntriesThenNew()
    {
        QTemporaryDir dir;
        QSettings settings(dir.filePath(u"s.ini"_s), QSettings::IniFormat);
        app::DeploymentRegistry registry(&settings, dir.filePath(u"data"_s));
        app::DeploymentEntry local;
        local.name = u"Local"_s;
        QVERIFY(registry.add(local));
        app::DeploymentEntry remote;
        remote.kind = app::DeploymentEntry::Kind::Remote;
        remote.name = u"HAPI"_s;
        remote.baseUrl = QUrl(u"https://hapi.fhir.org/baseR4"_s);
        QVERIFY(registry.add(remote));

        ui::DeploymentSelector selector(&registry);
        selector.setCurrentId(u"local"_s);
        selector.show();
        QVERIFY(QTest::qWaitForWindowExposed(&selector));
        auto *combo = selector.findChild<QComboBox *>(u"deploymentCombo"_s);
        QVERIFY(combo);
        QVERIFY(!combo->accessibleName().isEmpty());
        QCOMPARE(combo->count(), 3);
        QCOMPARE(combo->itemText(0), u"Local"_s);
        QCOMPARE(combo->itemText(1), u"HAPI"_s);
        QVERIFY(combo->itemText(2).startsWith(u"New Deployment"_s));
        QCOMPARE(combo->currentIndex(), 0);

        QSignalSpy chosen(&selector, &ui::DeploymentSelector::deploymentChosen);
        QSignalSpy wantsNew(&selector, &ui::DeploymentSelector::newDeploymentRequested);
        combo->setFocus();
        QTest::keyClick(combo, Qt::Key_Down); // keyboard selection activates
        QCOMPARE(chosen.size(), 1);
        QCOMPARE(chosen.at(0).at(0).toString(), u"hapi"_s);
        QCOMPARE(selector.currentId(), u"hapi"_s);
        QTest::keyClick(combo, Qt::Key_Down); // "New Deployment…": asks, selects nothing
        QCOMPARE(wantsNew.size(), 1);
        QCOMPARE(chosen.size(), 1);
        QCOMPARE(combo->currentIndex(), 1);
        QCOMPARE(selector.currentId(), u"hapi"_s);

        // A deployment added later appears before "New Deployment…".
        app::DeploymentEntry other;
        other.name = u"Scratch"_s;
        QVERIFY(registry.add(other));
        QCOMPARE(combo->count(), 4);
        QCOMPARE(combo->itemText(2), u"Scratch"_s);
        QCOMPARE(combo->currentIndex(), 1);
        registry.remove(u"hapi"_s);
        QCOMPARE(combo->count(), 3);
        QVERIFY(selector.currentId().isEmpty());
    }

    void historyPanelReopensARequest()
    {
        QTemporaryDir dir;
        app::RequestHistory history(dir.filePath(u"h.json"_s));
        app::ApiRequest first;
        first.path = u"Patient/1"_s;
        app::ApiRequest second;
        second.method = "DELETE";
        second.path = u"Patient/2"_s;
        second.headers = {{"x-api-key", "secret"}, {"If-Match", "W/\"1\""}};
        history.record(u"local"_s, first, 200, 4);
        history.record(u"local"_s, second, 204, 9);

        ui::HistoryPanel panel(&history);
        panel.setDeploymentId(u"local"_s);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        auto *view = panel.findChild<QTreeView *>(u"historyView"_s);
        auto *clear = panel.findChild<QPushButton *>(u"clearHistoryButton"_s);
        QVERIFY(view && clear);
        QCOMPARE(view->model()->rowCount(), 2);
        QVERIFY(clear->isEnabled());

        QSignalSpy reopened(&panel, &ui::HistoryPanel::reopen);
        const QModelIndex newest = view->model()->index(0, ui::RequestHistoryModel::RequestColumn);
        const QRect rect = view->visualRect(newest);
        // A real double-click: the press and release of the first click come before it.
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, rect.center());
        QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, rect.center());
        QCOMPARE(reopened.size(), 1);
        const auto request = reopened.at(0).at(0).value<app::ApiRequest>();
        QCOMPARE(request.method, QByteArray("DELETE"));
        QCOMPARE(request.path, u"Patient/2"_s);
        const QList<QPair<QByteArray, QByteArray>> kept = {{"If-Match", "W/\"1\""}};
        QCOMPARE(request.headers, kept);

        // Keyboard: Enter on the current row.
        view->setFocus();
        view->setCurrentIndex(view->model()->index(1, 0));
        QTest::keyClick(view, Qt::Key_Return);
        QCOMPARE(reopened.size(), 2);
        QCOMPARE(reopened.at(1).at(0).value<app::ApiRequest>(), first);

        QTest::mouseClick(clear, Qt::LeftButton);
        QCOMPARE(view->model()->rowCount(), 0);
        QVERIFY(!clear->isEnabled());
        QVERIFY(history.entries(u"local"_s).isEmpty());
    }

    void apiKeyListModel()
    {
        ui::ApiKeyListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QDateTime created(QDate(2026, 1, 2), QTime(3, 4), Qt::UTC);
        model.setKeys({{u"k1"_s, u"FHIR Portal app"_s, u"fhp_ab12"_s, created, std::nullopt},
                       {u"k2"_s, u"CI"_s, u"fhp_zz99"_s, created, created.addDays(1)}});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.columnCount(), int(ui::ApiKeyListModel::ColumnCount));
        QCOMPARE(model.index(0, ui::ApiKeyListModel::NameColumn).data().toString(),
                 u"FHIR Portal app"_s);
        QCOMPARE(model.index(0, ui::ApiKeyListModel::HintColumn).data().toString(), u"fhp_ab12…"_s);
        QCOMPARE(model.index(0, ui::ApiKeyListModel::LastUsedColumn).data().toString(), u"never"_s);
        QVERIFY(model.index(1, ui::ApiKeyListModel::LastUsedColumn).data().toString()
                != u"never"_s);
        QCOMPARE(model.index(1, 0).data(ui::ApiKeyListModel::KeyIdRole).toString(), u"k2"_s);
        model.setKeys({});
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_MAIN(TestDeploymentWidgets)
#include "tst_deploymentwidgets.moc"
