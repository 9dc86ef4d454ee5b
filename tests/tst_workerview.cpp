#include "enginetesting.h"
#include "jobdetails.h"
#include "jobspanel.h"
#include "mainwindow.h"
#include "progressdelegate.h"
#include "server.h"
#include "store/sqlite/sqlitejobstore.h"
#include "testhttp.h"
#include "workermodel.h"
#include "workerview.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeWidget>

using namespace Qt::StringLiterals;

// The Workers view (offscreen) in a real window over a real engine and server: external workers
// register and lease through real HTTP, and the view's actions reach them through their beats.
class TestWorkerView : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Server> m_server;
    std::unique_ptr<MainWindow> m_window;
    TestHttp m_http;

    void startWindow(std::unique_ptr<JobStore> store, EngineConfig config = {})
    {
        config.workers = 2;
        config.retryBaseMs = 60000; // a failed attempt stays scheduled while the test looks
        config.retryMaxMs = 60000;
        m_engine = std::make_unique<Engine>(config, std::move(store));
        QString error;
        QVERIFY2(m_engine->open(&error), qPrintable(error));
        ServerConfig serverConfig;
        serverConfig.address = QHostAddress::LocalHost;
        serverConfig.port = 0;
        m_server = std::make_unique<Server>(serverConfig, m_engine.get());
        QVERIFY2(m_server->start(&error), qPrintable(error));
        m_http.setBase(m_server->url());
        m_window = std::make_unique<MainWindow>(m_server.get());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void stopWindow()
    {
        m_window.reset();
        if (m_server)
            m_server->stopNow();
        m_server.reset();
        m_engine.reset();
    }

    WorkerView* view() const { return m_window->workerView(); }
    WorkerModel* model() const { return m_window->workerModel(); }

    void registerOverHttp(const QString& id, const QStringList& labels = {})
    {
        const HttpResult registered = m_http.postJson(u"/workers"_s,
            QJsonObject {
                { u"id"_s, id },
                { u"hostname"_s, u"box-%1"_s.arg(id) },
                { u"pid"_s, 4242 },
                { u"labels"_s, QJsonArray::fromStringList(labels) },
                { u"job_types"_s, QJsonArray { u"external"_s } },
            });
        QCOMPARE(registered.status, 200);
    }

    QString submitExternal(int maxAttempts = 1)
    {
        const HttpResult submitted = m_http.postJson(
            u"/jobs"_s, QJsonObject { { u"type"_s, u"external"_s }, { u"max_attempts"_s, maxAttempts } });
        if (submitted.status != 202)
            qFatal("submission failed: %d %s", submitted.status, submitted.body.constData());
        return submitted.json().value("id"_L1).toString();
    }

    // Leases up to `max` jobs for `workerId` over HTTP: job id -> token.
    QHash<QString, QString> leaseOverHttp(const QString& workerId, int max, int waitMs = 10000)
    {
        const HttpResult leased = m_http.postJson(u"/workers/%1/lease"_s.arg(workerId),
            QJsonObject { { u"max"_s, max }, { u"reserve_for_ms"_s, 600000 }, { u"wait_ms"_s, waitMs } });
        QHash<QString, QString> tokens;
        for (const QJsonValue& lease : leased.json().value("leases"_L1).toArray()) {
            const QJsonObject object = lease.toObject();
            tokens.insert(
                object.value("job"_L1).toObject().value("id"_L1).toString(), object.value("token"_L1).toString());
        }
        return tokens;
    }

    QString beatState(const QString& workerId)
    {
        const HttpResult beat = m_http.post(u"/workers/%1/beat"_s.arg(workerId), {});
        return beat.status == 200 ? beat.json().value("state"_L1).toString() : QString::number(beat.status);
    }

    int rowOfWorker(const QString& id) const
    {
        for (int row = 0; row < model()->rowCount(); ++row) {
            if (model()->rows().at(row).external && model()->rows().at(row).workerId == id)
                return row;
        }
        return -1;
    }

    int rowOfJob(JobId id) const
    {
        for (int row = 0; row < model()->rowCount(); ++row) {
            if (model()->rows().at(row).jobId == id)
                return row;
        }
        return -1;
    }

    // An action's answer: it may come before the spy could wait (an engine call that returns at
    // once is answered inside trigger()), so this counts rather than waits for the next one.
    static bool wasApplied(QSignalSpy& applied)
    {
        const bool answered = QTest::qWaitFor([&] { return !applied.isEmpty(); }, 10000);
        applied.clear();
        return answered;
    }

    QString cell(int row, int column) const { return model()->index(row, column).data().toString(); }

    QString workerState(const QString& id) const
    {
        const int row = rowOfWorker(id);
        return row < 0 ? QString() : cell(row, WorkerModel::StateColumn);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // the window's QSettings go to a throwaway place
        QSettings(u"QueueLab"_s, u"queuelab"_s).clear();
    }

    void init() { startWindow(std::make_unique<MemoryJobStore>(100000)); }

    void cleanup() { stopWindow(); }

    void modelKeepsRowsInPlaceAcrossUpdates()
    {
        WorkerModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QList<WorkerStatus> slots(2);
        slots[1].slot = 1;
        ExternalWorkerStatus a;
        a.registration.id = u"a"_s;
        ExternalWorkerStatus b;
        b.registration.id = u"b"_s;
        model.setWorkers(slots, { a, b });
        QCOMPARE(model.rowCount(), 4);

        // b takes two jobs: its first row changes in place, a second row is inserted after it.
        b.state = WorkerState::Busy;
        b.leases = { Lease { u"t1"_s, 7, u"x"_s, u"b"_s, 1, 2, 1, 0.5, {}, false },
            Lease { u"t2"_s, 9, u"x"_s, u"b"_s, 1, 2, 1, 0, {}, false } };
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        model.setWorkers(slots, { a, b });
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.first().at(0).toModelIndex().row(), 3);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(inserted.first().at(1).toInt(), 4);
        QCOMPARE(removed.count(), 0);
        QCOMPARE(model.index(4, WorkerModel::JobColumn).data().toString(), u"9"_s);
        QVERIFY(model.index(4, WorkerModel::WorkerColumn).data().toString().isEmpty()); // grouped under b
        QCOMPARE(model.index(4, WorkerModel::WorkerColumn).data(WorkerModel::WorkerIdRole).toString(), u"b"_s);

        // The same again changes nothing; a goes away and only its row is removed.
        changed.clear();
        model.setWorkers(slots, { a, b });
        QCOMPARE(changed.count(), 0);
        model.setWorkers(slots, { b });
        QCOMPARE(removed.count(), 1);
        QCOMPARE(removed.first().at(1).toInt(), 2);
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.index(2, WorkerModel::JobColumn).data().toString(), u"7"_s);
    }

    void showsBuiltInSlotsAndExternalWorkersTogether()
    {
        registerOverHttp(u"w1"_s, { u"gpu"_s, u"eu"_s });
        // A worker of another front-end, registered through the engine: shown the same way.
        WorkerRegistration other;
        other.id = u"w2"_s;
        other.hostname = u"elsewhere"_s;
        other.pid = 99;
        other.protocol = u"faktory"_s;
        QVERIFY(std::holds_alternative<ExternalWorkerStatus>(m_engine->registerWorker(other)));
        const QString first = submitExternal();
        const QString second = submitExternal();
        const QHash<QString, QString> tokens = leaseOverHttp(u"w1"_s, 2);
        QCOMPARE(tokens.size(), 2);
        QCOMPARE(m_http
                     .postJson(u"/jobs/%1/lease/progress"_s.arg(first),
                         QJsonObject {
                             { u"token"_s, tokens[first] }, { u"progress"_s, 0.5 }, { u"message"_s, u"half way"_s } })
                     .status,
            200);

        QTRY_COMPARE(model()->rowCount(), 2 + 2 + 1);
        QCOMPARE(cell(0, WorkerModel::WorkerColumn), u"built-in 1"_s);
        QCOMPARE(cell(1, WorkerModel::StateColumn), u"idle"_s);
        const int w1 = rowOfWorker(u"w1"_s);
        QCOMPARE(w1, 2);
        QCOMPARE(cell(w1, WorkerModel::ProtocolColumn), u"http"_s);
        QCOMPARE(cell(w1, WorkerModel::HostColumn), u"box-w1"_s);
        QCOMPARE(cell(w1, WorkerModel::PidColumn), u"4242"_s);
        QCOMPARE(cell(w1, WorkerModel::LabelsColumn), u"gpu, eu"_s);
        QCOMPARE(cell(w1, WorkerModel::StateColumn), u"busy"_s);
        QVERIFY(cell(w1, WorkerModel::LastBeatColumn).endsWith(u" ago"_s));
        const int firstRow = rowOfJob(first.toLongLong());
        const int secondRow = rowOfJob(second.toLongLong());
        QVERIFY(firstRow >= w1 && secondRow >= w1 && firstRow != secondRow);
        QTRY_COMPARE(
            model()->index(firstRow, WorkerModel::ProgressColumn).data(ProgressDelegate::ProgressRole).toDouble(), 0.5);
        QCOMPARE(model()->index(firstRow, WorkerModel::ProgressColumn).data(Qt::ToolTipRole).toString(), u"half way"_s);
        QCOMPARE(cell(firstRow, WorkerModel::TypeColumn), u"external"_s);
        QVERIFY(cell(firstRow, WorkerModel::ExpiresColumn).startsWith(u"in "_s));
        QVERIFY(!cell(firstRow, WorkerModel::ElapsedColumn).isEmpty());
        const int w2 = rowOfWorker(u"w2"_s);
        QCOMPARE(cell(w2, WorkerModel::ProtocolColumn), u"faktory"_s);
        QCOMPARE(cell(w2, WorkerModel::HostColumn), u"elsewhere"_s);
        QCOMPARE(cell(w2, WorkerModel::StateColumn), u"idle"_s);
        QVERIFY(cell(w2, WorkerModel::JobColumn).isEmpty());

        // Completed: the rows of its jobs go, the worker stays, idle.
        for (auto it = tokens.cbegin(); it != tokens.cend(); ++it) {
            QCOMPARE(
                m_http.postJson(u"/jobs/%1/lease/complete"_s.arg(it.key()), QJsonObject { { u"token"_s, it.value() } })
                    .status,
                200);
        }
        QTRY_COMPARE(workerState(u"w1"_s), u"idle"_s);
        QCOMPARE(model()->rowCount(), 2 + 1 + 1);
    }

    void quietStopAndResumeOneWorker()
    {
        registerOverHttp(u"w1"_s);
        registerOverHttp(u"w2"_s);
        QTRY_VERIFY(rowOfWorker(u"w2"_s) >= 0);
        QVERIFY(!view()->quietAction()->isEnabled()); // nothing selected
        QVERIFY(view()->selectWorker(u"w1"_s));
        QVERIFY(view()->quietAction()->isEnabled());
        QVERIFY(!view()->expireAction()->isEnabled()); // w1 holds no job

        QSignalSpy applied(view(), &WorkerView::applied);
        view()->quietAction()->trigger();
        QVERIFY(wasApplied(applied));
        QCOMPARE(beatState(u"w1"_s), u"quiet"_s);
        QCOMPARE(beatState(u"w2"_s), u"ok"_s);
        QTRY_COMPARE(workerState(u"w1"_s), u"quiet"_s);
        // A quiet worker is given no job.
        submitExternal();
        QVERIFY(leaseOverHttp(u"w1"_s, 1, 0).isEmpty());

        view()->stopAction()->trigger();
        QVERIFY(wasApplied(applied));
        QCOMPARE(beatState(u"w1"_s), u"terminate"_s);

        view()->resumeAction()->trigger();
        QVERIFY(wasApplied(applied));
        QCOMPARE(beatState(u"w1"_s), u"ok"_s);
        QTRY_COMPARE(workerState(u"w1"_s), u"idle"_s);
        QCOMPARE(leaseOverHttp(u"w1"_s, 1).size(), 1);
    }

    void quietStopAndResumeAll()
    {
        registerOverHttp(u"w1"_s);
        registerOverHttp(u"w2"_s);
        QTRY_VERIFY(view()->quietAllAction()->isEnabled());
        QSignalSpy applied(view(), &WorkerView::applied);
        view()->quietAllAction()->trigger();
        QVERIFY(wasApplied(applied));
        QCOMPARE(beatState(u"w1"_s), u"quiet"_s);
        QCOMPARE(beatState(u"w2"_s), u"quiet"_s);
        QTRY_COMPARE(workerState(u"w2"_s), u"quiet"_s);
        view()->stopAllAction()->trigger();
        QVERIFY(wasApplied(applied));
        QCOMPARE(beatState(u"w1"_s), u"terminate"_s);
        QCOMPARE(beatState(u"w2"_s), u"terminate"_s);
        view()->resumeAllAction()->trigger();
        QVERIFY(wasApplied(applied));
        QCOMPARE(beatState(u"w1"_s), u"ok"_s);
        QTRY_COMPARE(workerState(u"w2"_s), u"idle"_s);
    }

    void expireLeaseNowRetriesTheJob()
    {
        registerOverHttp(u"w1"_s);
        const QString id = submitExternal(2);
        const QHash<QString, QString> tokens = leaseOverHttp(u"w1"_s, 1);
        QCOMPARE(tokens.size(), 1);
        QTRY_VERIFY(rowOfJob(id.toLongLong()) >= 0);
        QVERIFY(view()->selectJob(id.toLongLong()));
        QVERIFY(view()->expireAction()->isEnabled());

        QSignalSpy applied(view(), &WorkerView::applied);
        view()->expireAction()->trigger();
        QVERIFY(wasApplied(applied));
        const Job job = m_engine->job(id.toLongLong()).value();
        QCOMPARE(job.status, JobStatus::Scheduled); // its second attempt waits for the backoff
        QCOMPARE(job.history.size(), 1);
        QCOMPARE(job.history[0].error->code, u"lease_expired"_s);
        QCOMPARE(job.history[0].worker, u"w1"_s);
        // The worker's late answer is refused: it cannot clear another attempt.
        const HttpResult late
            = m_http.postJson(u"/jobs/%1/lease/complete"_s.arg(id), QJsonObject { { u"token"_s, tokens[id] } });
        QCOMPARE(late.status, 409);
        QCOMPARE(late.errorCode(), u"lease_lost"_s);
        QTRY_COMPARE(rowOfJob(id.toLongLong()), -1);
        QCOMPARE(workerState(u"w1"_s), u"idle"_s);
        const HttpResult metrics = m_http.get(u"/metrics"_s);
        QVERIFY(metrics.body.contains("queuelab_lease_expiries_total 1\n"));
    }

    void expireLeaseOverHttp()
    {
        registerOverHttp(u"w1"_s);
        const QString id = submitExternal();
        QCOMPARE(leaseOverHttp(u"w1"_s, 1).size(), 1);
        const HttpResult expired = m_http.post(u"/jobs/%1/lease/expire"_s.arg(id), {});
        QCOMPARE(expired.status, 200);
        QCOMPARE(expired.json().value("status"_L1).toString(), u"failed"_s);
        QCOMPARE(expired.json().value("error"_L1).toObject().value("code"_L1).toString(), u"lease_expired"_s);
        // Finished, or no such job: 404; waiting in its queue, with no lease: 409.
        const HttpResult again = m_http.post(u"/jobs/%1/lease/expire"_s.arg(id), {});
        QCOMPARE(again.status, 404);
        QCOMPARE(again.errorCode(), u"not_found"_s);
        QCOMPARE(m_http.post(u"/jobs/999999/lease/expire"_s, {}).status, 404);
        const HttpResult queued = m_http.post(u"/jobs/%1/lease/expire"_s.arg(submitExternal()), {});
        QCOMPARE(queued.status, 409);
        QCOMPARE(queued.errorCode(), u"conflict"_s);
    }

    void goneWorkerIsShownGone()
    {
        stopWindow();
        EngineConfig config;
        config.workerGoneMs = 2000;
        startWindow(std::make_unique<MemoryJobStore>(100000), config);
        registerOverHttp(u"w1"_s);
        QTRY_COMPARE(workerState(u"w1"_s), u"gone"_s);
        QVERIFY(view()->selectWorker(u"w1"_s));
        QVERIFY(!view()->quietAction()->isEnabled());
        // A sign of life brings it back.
        QCOMPARE(beatState(u"w1"_s), u"ok"_s);
        QTRY_COMPARE(workerState(u"w1"_s), u"idle"_s);
    }

    void attemptsShowWhichWorkerRanThem()
    {
        registerOverHttp(u"w1"_s);
        registerOverHttp(u"w2"_s);
        const QString id = submitExternal(1);
        const QHash<QString, QString> first = leaseOverHttp(u"w1"_s, 1);
        QCOMPARE(m_http
                     .postJson(u"/jobs/%1/lease/fail"_s.arg(id),
                         QJsonObject { { u"token"_s, first[id] },
                             { u"error"_s, QJsonObject { { u"code"_s, u"oops"_s }, { u"message"_s, u"no"_s } } } })
                     .status,
            200);
        QCOMPARE(m_http.post(u"/jobs/%1/retry"_s.arg(id), {}).status, 202);
        const QHash<QString, QString> second = leaseOverHttp(u"w2"_s, 1);
        QCOMPARE(second.size(), 1);

        JobsPanel* jobs = m_window->jobsPanel();
        JobDetails* details = jobs->details();
        jobs->idSearch()->setText(id);
        // The first attempt was running too: wait for the second one's worker.
        QTRY_COMPARE(details->timelineValue(u"Worker"_s), u"w2"_s);
        QVERIFY(details->job() && details->job()->status == JobStatus::Running);
        QTRY_COMPARE(details->attemptsView()->topLevelItemCount(), 1);
        QCOMPARE(details->attemptsView()->headerItem()->text(1), u"Worker"_s);
        QCOMPARE(details->attemptsView()->topLevelItem(0)->text(1), u"w1"_s);

        QCOMPARE(
            m_http.postJson(u"/jobs/%1/lease/complete"_s.arg(id), QJsonObject { { u"token"_s, second[id] } }).status,
            200);
        QTRY_VERIFY(details->job() && details->job()->status == JobStatus::Succeeded);
        QCOMPARE(details->attemptsView()->topLevelItemCount(), 2);
        QCOMPARE(details->attemptsView()->topLevelItem(1)->text(1), u"w2"_s);
        QCOMPARE(details->timelineValue(u"Worker"_s), u"w2"_s);

        // A built-in slot's attempt says so.
        const Job echo = submitOne(*m_engine, spec(u"echo"_s));
        jobs->idSearch()->setText(QString::number(echo.id));
        QTRY_VERIFY(details->job() && details->job()->id == echo.id && details->job()->status == JobStatus::Succeeded);
        QCOMPARE(details->attemptsView()->topLevelItem(0)->text(1), u"built-in"_s);
    }

    void declaredTypeIsAcceptedAndRemembered()
    {
        stopWindow();
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(u"jobs.db"_s);
        startWindow(std::make_unique<SqliteJobStore>(path, SqliteJobStore::Sync::Normal));
        QCOMPARE(m_http.postJson(u"/jobs"_s, QJsonObject { { u"type"_s, u"resize"_s } }).status, 400);

        QSignalSpy applied(view(), &WorkerView::applied);
        QVERIFY(!view()->declareButton()->isEnabled());
        view()->jobTypeEdit()->setText(u"resize"_s);
        QVERIFY(view()->declareButton()->isEnabled());
        QTest::mouseClick(view()->declareButton(), Qt::LeftButton);
        QTRY_COMPARE(view()->declaredTypesLabel()->text(), u"declared: resize"_s);
        QVERIFY(view()->jobTypeEdit()->text().isEmpty());
        QCOMPARE(m_http.postJson(u"/jobs"_s, QJsonObject { { u"type"_s, u"resize"_s } }).status, 202);

        // A bad name is refused with the engine's reason, and nothing is declared.
        view()->jobTypeEdit()->setText(u"bad\ttype"_s);
        QSignalSpy message(view(), &WorkerView::message);
        QTest::mouseClick(view()->declareButton(), Qt::LeftButton);
        QTRY_VERIFY(!message.isEmpty());
        QVERIFY(message.first().at(0).toString().contains(u"characters"_s));

        // Remembered in the database, as --job-type is.
        stopWindow();
        startWindow(std::make_unique<SqliteJobStore>(path, SqliteJobStore::Sync::Normal));
        QTRY_COMPARE(view()->declaredTypesLabel()->text(), u"declared: resize"_s);
        QCOMPARE(m_http.postJson(u"/jobs"_s, QJsonObject { { u"type"_s, u"resize"_s } }).status, 202);
    }

    void manyChangesReachTheViewCoalesced()
    {
        registerOverHttp(u"w1"_s);
        submitExternal();
        const QHash<QString, QString> tokens = leaseOverHttp(u"w1"_s, 1);
        const QString id = tokens.keys().value(0);
        const quint64 before = m_window->snapshotsApplied();
        // 1,000 progress reports through the engine: the view follows snapshots, not reports.
        for (int i = 1; i <= 1000; ++i)
            QVERIFY(std::holds_alternative<LeaseStatus>(
                m_engine->reportProgress(id.toLongLong(), tokens[id], i / 1000.0, QString::number(i))));
        QTRY_COMPARE(
            model()->index(rowOfJob(id.toLongLong()), WorkerModel::ProgressColumn).data(Qt::ToolTipRole).toString(),
            u"1000"_s);
        QVERIFY(m_window->snapshotsApplied() - before < 100);
    }
};

QTEST_MAIN(TestWorkerView)
#include "tst_workerview.moc"
