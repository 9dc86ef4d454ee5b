#include "enginetesting.h"
#include "mainwindow.h"
#include "queuemodel.h"
#include "queuespanel.h"
#include "server.h"

#include <QAbstractItemModelTester>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTabWidget>
#include <QTest>
#include <QThreadPool>

namespace {

QueueInfo queueInfo(const QString& name, qint64 depth = 0, bool paused = false, int concurrency = 0)
{
    QueueInfo info;
    info.name = name;
    info.depth = depth;
    info.paused = paused;
    info.concurrency = concurrency;
    return info;
}

QStringList namesOf(const QueueModel& model)
{
    QStringList names;
    for (const QueueInfo& queue : model.queues())
        names.append(queue.name);
    return names;
}

std::optional<QueueInfo> engineQueue(const Engine& engine, const QString& name)
{
    for (const QueueInfo& queue : engine.queues()) {
        if (queue.name == name)
            return queue;
    }
    return std::nullopt;
}

bool isPaused(const Engine& engine, const QString& name)
{
    const auto queue = engineQueue(engine, name);
    return queue && queue->paused;
}

int concurrencyOf(const Engine& engine, const QString& name)
{
    const auto queue = engineQueue(engine, name);
    return queue ? queue->concurrency : -1;
}

} // namespace

// The Queues panel (offscreen) over a real engine, and its place in the main window.
class TestQueuesPanel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // the window's QSettings go to a throwaway place
        QSettings(QStringLiteral("QueueLab"), QStringLiteral("queuelab")).clear();
    }

    void modelKeepsDefaultFirstAndUpdatesInPlace()
    {
        QueueModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setQueues({ queueInfo(QStringLiteral("mail")), queueInfo(QStringLiteral("default")) });
        QCOMPARE(namesOf(model), (QStringList { QStringLiteral("default"), QStringLiteral("mail") }));
        const QPersistentModelIndex mail = model.index(1, QueueModel::NameColumn);

        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        model.setQueues({ queueInfo(QStringLiteral("default")), queueInfo(QStringLiteral("mail"), 4, true),
            queueInfo(QStringLiteral("billing")), queueInfo(QStringLiteral("zeta"), 0, false, 2) });
        QCOMPARE(namesOf(model),
            (QStringList { QStringLiteral("default"), QStringLiteral("billing"), QStringLiteral("mail"),
                QStringLiteral("zeta") }));
        QCOMPARE(inserted.count(), 2);
        QCOMPARE(reset.count(), 0);
        QCOMPARE(changed.count(), 1); // only mail changed
        QCOMPARE(changed.first().at(0).toModelIndex().row(), 2);
        QCOMPARE(mail.row(), 2); // the row moved down, with its selection
        QCOMPARE(model.index(2, QueueModel::StateColumn).data().toString(), QStringLiteral("paused"));
        QCOMPARE(model.index(2, QueueModel::DepthColumn).data().toString(), QStringLiteral("4"));
        QCOMPARE(model.index(2, QueueModel::NameColumn).data(QueueModel::PausedRole).toBool(), true);
        QCOMPARE(model.index(0, QueueModel::ConcurrencyColumn).data().toString(), QStringLiteral("no limit"));
        QCOMPARE(model.index(3, QueueModel::ConcurrencyColumn).data().toString(), QStringLiteral("2"));

        changed.clear();
        model.setQueues({ queueInfo(QStringLiteral("default")), queueInfo(QStringLiteral("mail"), 4, true),
            queueInfo(QStringLiteral("billing")), queueInfo(QStringLiteral("zeta"), 0, false, 2) });
        QCOMPARE(changed.count(), 0); // nothing changed, nothing emitted

        model.updateQueue(queueInfo(QStringLiteral("alpha"), 1));
        QCOMPARE(model.rowOf(QStringLiteral("alpha")), 1);
        model.setQueues({ queueInfo(QStringLiteral("default")), queueInfo(QStringLiteral("zeta")) });
        QCOMPARE(namesOf(model), (QStringList { QStringLiteral("default"), QStringLiteral("zeta") }));
        QVERIFY(!mail.isValid());
    }

    void pauseResumeAndConcurrencyActOnTheEngine()
    {
        auto engine = startedEngine();
        QThreadPool pool;
        QueuesPanel panel(engine.get(), &pool);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));

        JobSpec mailJob = spec(QStringLiteral("echo"));
        mailJob.queue = QStringLiteral("mail");
        const Job first = submitOne(*engine, mailJob);
        QTRY_COMPARE(statusOf(*engine, first.id), JobStatus::Succeeded);
        panel.refresh();
        QTRY_COMPARE(namesOf(*panel.model()), (QStringList { QStringLiteral("default"), QStringLiteral("mail") }));
        QCOMPARE(panel.selectedQueue(), QStringLiteral("default")); // the first queue is selected

        panel.selectQueue(QStringLiteral("mail"));
        QCOMPARE(panel.selectedQueue(), QStringLiteral("mail"));
        QVERIFY(panel.pauseAction()->isEnabled());
        QVERIFY(!panel.resumeAction()->isEnabled());
        QVERIFY(panel.concurrencyBox()->isEnabled());

        panel.pauseAction()->trigger();
        QTRY_VERIFY(isPaused(*engine, QStringLiteral("mail")));
        QVERIFY(!isPaused(*engine, QStringLiteral("default")));
        QTRY_VERIFY(panel.resumeAction()->isEnabled()); // once the answer reached the panel
        QVERIFY(!panel.pauseAction()->isEnabled());
        const int row = panel.model()->rowOf(QStringLiteral("mail"));
        QCOMPARE(panel.model()->index(row, QueueModel::StateColumn).data().toString(), QStringLiteral("paused"));

        // A paused queue holds its jobs; the panel's next poll shows the depth.
        const Job held = submitOne(*engine, mailJob);
        panel.refresh();
        QTRY_COMPARE(panel.model()->index(row, QueueModel::DepthColumn).data().toString(), QStringLiteral("1"));
        QCOMPARE(statusOf(*engine, held.id), JobStatus::Queued);

        panel.resumeAction()->trigger();
        QTRY_VERIFY(!isPaused(*engine, QStringLiteral("mail")));
        QTRY_COMPARE(statusOf(*engine, held.id), JobStatus::Succeeded);
        QTRY_VERIFY(panel.pauseAction()->isEnabled());

        panel.concurrencyBox()->setValue(3);
        QTRY_COMPARE(concurrencyOf(*engine, QStringLiteral("mail")), 3);
        QTRY_COMPARE(panel.model()->index(row, QueueModel::ConcurrencyColumn).data().toString(), QStringLiteral("3"));
        panel.concurrencyBox()->setValue(0);
        QTRY_COMPARE(concurrencyOf(*engine, QStringLiteral("mail")), 0);
        QCOMPARE(panel.concurrencyBox()->text(), QStringLiteral("no limit"));

        // Selecting another queue shows its limit and leaves mail's alone.
        engine->setQueueConcurrency(QStringLiteral("default"), 5);
        panel.refresh();
        QTRY_COMPARE(panel.model()->queueAt(0).concurrency, 5);
        panel.selectQueue(QStringLiteral("default"));
        QCOMPARE(panel.concurrencyBox()->value(), 5);
        QCOMPARE(concurrencyOf(*engine, QStringLiteral("mail")), 0);
    }

    void pauseAllProcessingShowsAndActs()
    {
        auto engine = startedEngine();
        QThreadPool pool;
        QueuesPanel panel(engine.get(), &pool);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(!panel.pauseAllAction()->isChecked());
        QVERIFY(!panel.pausedBanner()->isVisible());

        panel.pauseAllAction()->trigger(); // checks it, as a click does
        QTRY_VERIFY(engine->isProcessingPaused());
        QTRY_VERIFY(panel.pausedBanner()->isVisible());
        QVERIFY(panel.pauseAllAction()->isChecked());
        QCOMPARE(panel.pauseAllAction()->text(), QStringLiteral("Resume all processing"));
        const Job job = submitOne(*engine, spec(QStringLiteral("echo")));
        panel.refresh();
        QTRY_VERIFY(panel.model()->rowOf(QStringLiteral("default")) >= 0); // once the answer arrived
        const int row = panel.model()->rowOf(QStringLiteral("default"));
        QTRY_COMPARE(panel.model()->index(row, QueueModel::DepthColumn).data().toString(), QStringLiteral("1"));
        QCOMPARE(panel.model()->index(row, QueueModel::StateColumn).data().toString(), QStringLiteral("held"));
        QCOMPARE(statusOf(*engine, job.id), JobStatus::Queued);

        // Resumed elsewhere (over HTTP, say): the panel's poll follows.
        engine->setProcessingPaused(false);
        QTRY_VERIFY(!panel.pausedBanner()->isVisible());
        QVERIFY(!panel.pauseAllAction()->isChecked());
        QTRY_COMPARE(statusOf(*engine, job.id), JobStatus::Succeeded);
        panel.refresh();
        QTRY_COMPARE(panel.model()->index(row, QueueModel::ProcessedColumn).data().toString(), QStringLiteral("1"));
        QCOMPARE(panel.model()->index(row, QueueModel::StateColumn).data().toString(), QStringLiteral("active"));
        QCOMPARE(panel.model()->index(row, QueueModel::OldestColumn).data().toString(), QStringLiteral("–"));
        QCOMPARE(panel.model()->headerData(QueueModel::LastMinuteColumn, Qt::Horizontal).toString(),
            QStringLiteral("Last 60 s"));
        // A poll still running must end before the panel goes: Qt 6.4 asserts on a continuation
        // whose context is gone.
        pool.waitForDone();
    }

    void panelFollowsChangesMadeElsewhere()
    {
        auto engine = startedEngine();
        QThreadPool pool;
        QueuesPanel panel(engine.get(), &pool);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        engine->setQueuePaused(QStringLiteral("reports"), true); // e.g. over HTTP
        // The visible panel polls by itself.
        QTRY_VERIFY(panel.model()->rowOf(QStringLiteral("reports")) >= 0);
        panel.selectQueue(QStringLiteral("reports"));
        QVERIFY(panel.resumeAction()->isEnabled());
        QVERIFY(!panel.pauseAction()->isEnabled());
        engine->setQueuePaused(QStringLiteral("reports"), false);
        QTRY_VERIFY(panel.pauseAction()->isEnabled());
    }

    void windowHasAQueuesTab()
    {
        EngineConfig config;
        config.workers = 2;
        auto engine = std::make_unique<Engine>(config, std::make_unique<MemoryJobStore>(1000));
        QString error;
        QVERIFY2(engine->open(&error), qPrintable(error));
        ServerConfig serverConfig;
        serverConfig.port = 0;
        Server server(serverConfig, engine.get());
        QVERIFY2(server.start(&error), qPrintable(error));
        {
            MainWindow window(&server);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            QueuesPanel* panel = window.queuesPanel();
            QVERIFY(panel);
            QTabWidget* tabs = nullptr;
            for (QTabWidget* candidate : window.findChildren<QTabWidget*>()) {
                if (candidate->indexOf(panel) >= 0)
                    tabs = candidate;
            }
            QVERIFY(tabs);
            const int index = tabs->indexOf(panel);
            QCOMPARE(tabs->tabText(index), QStringLiteral("Queues"));
            tabs->setCurrentIndex(index);
            QTRY_VERIFY(panel->isVisible());

            QTRY_COMPARE(panel->selectedQueue(), QStringLiteral("default"));
            panel->pauseAction()->trigger();
            QTRY_VERIFY(isPaused(*engine, QStringLiteral("default")));
            const Job job = submitOne(*engine, spec(QStringLiteral("echo")));
            QCOMPARE(statusOf(*engine, job.id), JobStatus::Queued);
            QTRY_VERIFY(panel->resumeAction()->isEnabled()); // once the answer reached the panel
            panel->resumeAction()->trigger();
            QTRY_COMPARE(statusOf(*engine, job.id), JobStatus::Succeeded);
        }
        server.stopNow();
    }
};

QTEST_MAIN(TestQueuesPanel)
#include "tst_queuespanel.moc"
