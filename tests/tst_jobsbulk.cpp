#include "bulkactions.h"
#include "enginetesting.h"
#include "jobmodel.h"
#include "jobspanel.h"
#include "mainwindow.h"
#include "server.h"

#include <QAbstractButton>
#include <QAction>
#include <QComboBox>
#include <QLineEdit>
#include <QMessageBox>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>

// The jobs panel's actions on many jobs, offscreen in the real window over a real engine: each
// says how many jobs it will touch and acts only once confirmed.
class TestJobsBulk : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Server> m_server;
    std::unique_ptr<MainWindow> m_window;

    JobsPanel* panel() { return m_window->jobsPanel(); }
    QMessageBox* question(const QString& name)
    {
        QMessageBox* box = nullptr;
        // Null when it did not appear: the caller's QVERIFY says so.
        if (!QTest::qWaitFor([&] { return (box = m_window->findChild<QMessageBox*>(name)) != nullptr; }, 10000))
            return nullptr;
        return box;
    }
    QList<Job> jobsIn(const QString& queue)
    {
        JobQuery query;
        query.queue = queue;
        query.limit = 1000;
        return m_engine->listJobs(query).jobs;
    }
    void submitMany(const JobSpec& job, int count)
    {
        for (int i = 0; i < count; ++i)
            submitOne(*m_engine, job);
    }
    static JobSpec inQueue(JobSpec job, const QString& queue)
    {
        job.queue = queue;
        return job;
    }
    static void selectFilter(QComboBox* combo, const QString& text)
    {
        QTRY_VERIFY(combo->findText(text) >= 0);
        combo->setCurrentIndex(combo->findText(text));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings(QStringLiteral("QueueLab"), QStringLiteral("queuelab")).clear();
    }
    void init()
    {
        EngineConfig config;
        config.workers = 2;
        m_engine = std::make_unique<Engine>(config, std::make_unique<MemoryJobStore>(100000));
        QString error;
        QVERIFY2(m_engine->open(&error), qPrintable(error));
        ServerConfig serverConfig;
        serverConfig.port = 0;
        m_server = std::make_unique<Server>(serverConfig, m_engine.get());
        QVERIFY2(m_server->start(&error), qPrintable(error));
        m_window = std::make_unique<MainWindow>(m_server.get());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }
    void cleanup()
    {
        m_window.reset();
        if (m_server)
            m_server->stopNow();
        m_server.reset();
        m_engine.reset();
    }

    void retryAllFailedOfAQueueAsksWithTheCount()
    {
        submitMany(inQueue(spec(QStringLiteral("fail")), QStringLiteral("mail")), 3);
        submitMany(inQueue(spec(QStringLiteral("fail")), QStringLiteral("other")), 1);
        QTRY_COMPARE(m_engine->stats().counts[std::size_t(JobStatus::Failed)], 4);
        selectFilter(panel()->queueFilter(), QStringLiteral("mail"));
        panel()->errorCodeFilter()->setText(QStringLiteral("job_failed"));

        panel()->bulkActions()->action(BulkAction::Retry)->trigger();
        QMessageBox* box = question(QStringLiteral("bulkQuestion"));
        QVERIFY(box);
        QCOMPARE(box->text(), QStringLiteral("Retry 3 failed jobs of queue “mail” with error code “job_failed”?"));
        QCOMPARE(jobsIn(QStringLiteral("mail")).constFirst().attempts, 1); // nothing done before the answer
        box->findChild<QAbstractButton*>(QStringLiteral("bulkConfirm"))->click();
        for (const Job& job : jobsIn(QStringLiteral("mail")))
            QTRY_COMPARE(m_engine->job(job.id)->attempts, 2);
        QCOMPARE(jobsIn(QStringLiteral("other")).constFirst().attempts, 1);
    }

    void declinedCancelChangesNothing()
    {
        QCOMPARE(m_engine->setQueuePaused(QStringLiteral("held"), true).index(), 0);
        submitMany(inQueue(spec(QStringLiteral("echo")), QStringLiteral("held")), 2);
        selectFilter(panel()->queueFilter(), QStringLiteral("held"));
        panel()->bulkActions()->action(BulkAction::Cancel)->trigger();
        QMessageBox* box = question(QStringLiteral("bulkQuestion"));
        QVERIFY(box);
        QCOMPARE(box->text(), QStringLiteral("Cancel 2 queued or scheduled jobs of queue “held”?"));
        box->button(QMessageBox::Cancel)->click();
        QTRY_VERIFY(!m_window->findChild<QMessageBox*>(QStringLiteral("bulkQuestion")));
        QTest::qWait(50); // nothing may happen: no event to wait for
        for (const Job& job : jobsIn(QStringLiteral("held")))
            QCOMPARE(m_engine->job(job.id)->status, JobStatus::Queued);

        panel()->bulkActions()->action(BulkAction::Cancel)->trigger();
        box = question(QStringLiteral("bulkQuestion"));
        QVERIFY(box);
        box->findChild<QAbstractButton*>(QStringLiteral("bulkConfirm"))->click();
        for (const Job& job : jobsIn(QStringLiteral("held")))
            QTRY_COMPARE(m_engine->job(job.id)->status, JobStatus::Cancelled);
    }

    void deleteFinishedRemovesTheRows()
    {
        submitMany(spec(QStringLiteral("echo")), 3);
        QTRY_COMPARE(m_engine->stats().counts[std::size_t(JobStatus::Succeeded)], 3);
        QTRY_COMPARE(panel()->model()->rowCount(), 3);
        panel()->statusFilter()->setCurrentText(QStringLiteral("succeeded"));
        QVERIFY(!panel()->bulkActions()->action(BulkAction::Cancel)->isEnabled());
        QVERIFY(!panel()->bulkActions()->action(BulkAction::Retry)->isEnabled());
        QVERIFY(panel()->bulkActions()->action(BulkAction::Delete)->isEnabled());
        panel()->bulkActions()->action(BulkAction::Delete)->trigger();
        QMessageBox* box = question(QStringLiteral("bulkQuestion"));
        QVERIFY(box);
        QVERIFY2(box->text().startsWith(QStringLiteral("Delete 3 succeeded jobs?")), qPrintable(box->text()));
        box->findChild<QAbstractButton*>(QStringLiteral("bulkConfirm"))->click();
        QTRY_COMPARE(panel()->model()->rowCount(), 0);
        QCOMPARE(m_engine->listJobs({}).jobs.size(), 0);
    }

    void nothingToDoSaysSoWithoutAsking()
    {
        QSignalSpy messages(panel(), &JobsPanel::message);
        panel()->bulkActions()->action(BulkAction::Retry)->trigger();
        QTRY_VERIFY(
            !messages.isEmpty() && messages.last().at(0).toString().startsWith(QStringLiteral("No failed job")));
        QVERIFY(!m_window->findChild<QMessageBox*>(QStringLiteral("bulkQuestion")));
    }

    void runNowAppliesToScheduledJobs()
    {
        JobSpec delayed = spec(QStringLiteral("echo"));
        delayed.delayMs = 600000;
        const Job job = submitOne(*m_engine, delayed);
        JobsPanel* jobs = panel();
        QTRY_COMPARE(jobs->view()->model()->rowCount(), 1);
        jobs->view()->selectRow(0);
        QVERIFY(jobs->runNowAction()->isEnabled());
        QVERIFY(!jobs->retryAction()->isEnabled());
        jobs->runNowAction()->trigger();
        QTRY_COMPARE(m_engine->job(job.id)->status, JobStatus::Succeeded);
        QTRY_VERIFY(!jobs->runNowAction()->isEnabled());
    }

    void selectAllThenDeleteKeyAsks()
    {
        QCOMPARE(m_engine->setQueuePaused(QStringLiteral("held"), true).index(), 0);
        submitMany(inQueue(spec(QStringLiteral("echo")), QStringLiteral("held")), 3);
        QTableView* view = panel()->view();
        QTRY_COMPARE(view->model()->rowCount(), 3);
        m_window->activateWindow(); // shortcuts reach the active window only
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        view->setFocus();
        QTest::keyClick(view, Qt::Key_A, Qt::ControlModifier);
        QCOMPARE(panel()->selectedIds().size(), 3);
        QVERIFY(panel()->cancelAction()->isEnabled());
        QVERIFY(!panel()->retryAction()->isEnabled()); // none of them failed or was cancelled
        QTest::keyClick(m_window->windowHandle(), Qt::Key_Delete); // through the shortcut map
        QMessageBox* box = question(QStringLiteral("selectionQuestion"));
        QVERIFY(box);
        QCOMPARE(box->text(), QStringLiteral("Cancel the 3 selected jobs?"));
        box->button(QMessageBox::No)->click();
        QTRY_VERIFY(!m_window->findChild<QMessageBox*>(QStringLiteral("selectionQuestion")));
        for (const Job& job : jobsIn(QStringLiteral("held")))
            QCOMPARE(m_engine->job(job.id)->status, JobStatus::Queued);

        m_window->activateWindow(); // back from the question
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        view->setFocus();
        QTest::keyClick(m_window->windowHandle(), Qt::Key_Delete);
        box = question(QStringLiteral("selectionQuestion"));
        QVERIFY(box);
        QAbstractButton* yes = nullptr;
        for (QAbstractButton* button : box->buttons()) {
            if (button->text() == QStringLiteral("Cancel 3 jobs"))
                yes = button;
        }
        QVERIFY(yes);
        yes->click();
        for (const Job& job : jobsIn(QStringLiteral("held")))
            QTRY_COMPARE(m_engine->job(job.id)->status, JobStatus::Cancelled);
        QTRY_VERIFY(panel()->retryAction()->isEnabled());
        QTRY_VERIFY(!panel()->cancelAction()->isEnabled());
    }
};

QTEST_MAIN(TestJobsBulk)
#include "tst_jobsbulk.moc"
