#include "jobfilterproxy.h"
#include "jobmodel.h"
#include "progressdelegate.h"
#include "requestlogmodel.h"
#include "workermodel.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QSignalSpy>
#include <QTest>

namespace {

Job makeJob(JobId id, JobStatus status = JobStatus::Queued, const QString& queue = QStringLiteral("default"),
    const QString& type = QStringLiteral("echo"))
{
    Job job;
    job.id = id;
    job.status = status;
    job.queue = queue;
    job.type = type;
    job.createdAt = 1700000000000 + id;
    return job;
}

QList<Job> makeJobs(JobId from, JobId to)
{
    QList<Job> jobs;
    for (JobId id = from; id <= to; ++id)
        jobs.append(makeJob(id));
    return jobs;
}

// Snapshot changes of these states, numbered after every change made so far.
QList<JobChange> changes(const QList<Job>& jobs)
{
    static quint64 seq = 0;
    QList<JobChange> result;
    for (const Job& job : jobs)
        result.append(JobChange { ++seq, job });
    return result;
}

QList<JobId> idsOf(const JobModel& model)
{
    QList<JobId> ids;
    for (int row = 0; row < model.rowCount(); ++row)
        ids.append(model.jobAt(row).id);
    return ids;
}

WorkerStatus worker(int slot, JobId jobId = 0, double progress = 0)
{
    WorkerStatus status;
    status.slot = slot;
    status.busy = jobId != 0;
    status.jobId = jobId;
    status.jobType = jobId ? QStringLiteral("sleep") : QString();
    status.startedAt = jobId ? 1700000000000 : 0;
    status.progress = progress;
    return status;
}

// (first row, last row) of each dataChanged a spy saw.
QList<QPair<int, int>> changedRanges(const QSignalSpy& spy)
{
    QList<QPair<int, int>> ranges;
    for (const QList<QVariant>& arguments : spy)
        ranges.append({ arguments.at(0).toModelIndex().row(), arguments.at(1).toModelIndex().row() });
    return ranges;
}

} // namespace

class TestModels : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void workerModelUpdatesOnlyChangedRows()
    {
        WorkerModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setWorkers({ worker(0), worker(1), worker(2), worker(3) }, {});
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.index(2, WorkerModel::StateColumn).data().toString(), QStringLiteral("idle"));

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.setWorkers({ worker(0), worker(1), worker(2, 42, 0.25), worker(3) }, {});
        QCOMPARE(changedRanges(changed), (QList<QPair<int, int>> { { 2, 2 } }));
        QCOMPARE(inserted.count(), 0);
        QCOMPARE(model.index(2, WorkerModel::StateColumn).data().toString(), QStringLiteral("busy"));
        QCOMPARE(model.index(2, WorkerModel::JobColumn).data().toString(), QStringLiteral("42"));
        QCOMPARE(model.index(2, WorkerModel::ProgressColumn).data(ProgressDelegate::ProgressRole).toDouble(), 0.25);
        QVERIFY(!model.index(1, WorkerModel::ProgressColumn).data(ProgressDelegate::ProgressRole).isValid());

        // The same list again changes nothing.
        changed.clear();
        model.setWorkers({ worker(0), worker(1), worker(2, 42, 0.25), worker(3) }, {});
        QCOMPARE(changed.count(), 0);

        // The elapsed clock touches the busy rows' timed cells only.
        model.setNow(1700000001500);
        QCOMPARE(changedRanges(changed), (QList<QPair<int, int>> { { 2, 2 } }));
        QCOMPARE(changed.first().at(0).toModelIndex().column(), int(WorkerModel::LastBeatColumn));
        QCOMPARE(changed.first().at(1).toModelIndex().column(), int(WorkerModel::ExpiresColumn));
        QCOMPARE(model.index(2, WorkerModel::ElapsedColumn).data().toString(), QStringLiteral("1.50 s"));
    }

    void workerModelFollowsPoolSize()
    {
        WorkerModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setWorkers({ worker(0), worker(1), worker(2), worker(3) }, {});
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        model.setWorkers({ worker(0), worker(1) }, {});
        QCOMPARE(removed.count(), 1);
        QCOMPARE(removed.first().at(1).toInt(), 2);
        QCOMPARE(removed.first().at(2).toInt(), 3);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.setWorkers({ worker(0), worker(1), worker(2, 7) }, {});
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.rows().last().jobId, JobId(7));
    }

    void jobModelKeepsNewestFirst()
    {
        JobModel model(100);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.applyChanges(changes({ makeJob(2), makeJob(1), makeJob(3) }));
        QCOMPARE(idsOf(model), (QList<JobId> { 3, 2, 1 }));
        QCOMPARE(model.rowOf(2), 1);
        QCOMPARE(model.rowOf(99), -1);
        QCOMPARE(model.index(0, JobModel::IdColumn).data().toString(), QStringLiteral("3"));
        QCOMPARE(model.index(0, JobModel::StatusColumn).data().toString(), QStringLiteral("queued"));
    }

    void jobModelUpdatesInPlace()
    {
        JobModel model(100);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.applyChanges(changes(makeJobs(1, 10)));
        const QPersistentModelIndex selected = model.index(model.rowOf(5), JobModel::StatusColumn);

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        Job running = makeJob(5, JobStatus::Running);
        running.progress = 0.5;
        Job failed = makeJob(4, JobStatus::Failed);
        failed.error = JobError { QStringLiteral("boom"), QStringLiteral("it broke") };
        model.applyChanges(changes({ running, failed, makeJob(9) })); // 9 did not change
        // Rows of ids 5 and 4 are adjacent: one dataChanged covers both; id 9 is not touched.
        QCOMPARE(changedRanges(changed), (QList<QPair<int, int>> { { model.rowOf(5), model.rowOf(4) } }));
        QCOMPARE(inserted.count(), 0);
        QCOMPARE(reset.count(), 0);
        QVERIFY(selected.isValid());
        QCOMPARE(selected.data().toString(), QStringLiteral("running"));
        QCOMPARE(model.index(model.rowOf(4), JobModel::ErrorColumn).data().toString(), QStringLiteral("boom"));
        QCOMPARE(
            model.index(selected.row(), JobModel::ProgressColumn).data(ProgressDelegate::ProgressRole).toDouble(), 0.5);
    }

    void jobModelShowsWhenAScheduledJobIsDue()
    {
        JobModel model(100);
        Job scheduled = makeJob(1, JobStatus::Scheduled);
        scheduled.runAt = QDateTime(QDate(2024, 5, 1), QTime(14, 3, 7, 250)).toMSecsSinceEpoch(); // local time
        model.applyChanges(changes({ scheduled }));
        QCOMPARE(model.index(0, JobModel::DurationColumn).data().toString(), QStringLiteral("due 14:03:07"));
        QCOMPARE(model.index(0, JobModel::StatusColumn).data(Qt::ToolTipRole).toString(),
            QStringLiteral("Due at 2024-05-01 14:03:07.250"));
        // Once it ran, the column shows its run time again.
        Job done = scheduled;
        done.status = JobStatus::Succeeded;
        done.startedAt = scheduled.runAt;
        done.finishedAt = scheduled.runAt + 1500;
        model.applyChanges(changes({ done }));
        QCOMPARE(model.index(0, JobModel::DurationColumn).data().toString(), QStringLiteral("1.50 s"));
        QVERIFY(model.index(0, JobModel::StatusColumn).data(Qt::ToolTipRole).isNull());
    }

    void jobModelInsertsNewJobsAtTheTopInOneBlock()
    {
        JobModel model(100);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.applyChanges(changes(makeJobs(1, 10)));
        const QPersistentModelIndex selected = model.index(model.rowOf(5), 0);
        QCOMPARE(selected.row(), 5);

        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.applyChanges(changes(makeJobs(11, 15)));
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(inserted.first().at(1).toInt(), 0);
        QCOMPARE(inserted.first().at(2).toInt(), 4);
        QCOMPARE(idsOf(model).mid(0, 6), (QList<JobId> { 15, 14, 13, 12, 11, 10 }));
        // The selected job moved down with its row.
        QCOMPARE(selected.row(), 10);
        QCOMPARE(selected.data(JobModel::JobIdRole).toLongLong(), JobId(5));
    }

    void jobModelInsertsOlderJobsWhereTheyBelong()
    {
        JobModel model(100);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.applyChanges(changes({ makeJob(10), makeJob(5), makeJob(1) }));
        model.applyChanges(changes({ makeJob(7), makeJob(12), makeJob(3) }));
        QCOMPARE(idsOf(model), (QList<JobId> { 12, 10, 7, 5, 3, 1 }));
    }

    void jobModelIsBounded()
    {
        JobModel model(5);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.applyChanges(changes(makeJobs(1, 5)));
        model.applyChanges(changes(makeJobs(6, 8)));
        QCOMPARE(idsOf(model), (QList<JobId> { 8, 7, 6, 5, 4 }));
        // Older than every row of a full model: not taken.
        model.applyChanges(changes({ makeJob(2) }));
        QCOMPARE(idsOf(model), (QList<JobId> { 8, 7, 6, 5, 4 }));
        // A batch bigger than the model: only the newest rows are kept.
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.applyChanges(changes(makeJobs(100, 120)));
        QCOMPARE(idsOf(model), (QList<JobId> { 120, 119, 118, 117, 116 }));
        QCOMPARE(inserted.count(), 1);
    }

    void jobModelTakesTheLastStateOfADuplicate()
    {
        JobModel model(100);
        model.applyChanges(changes({ makeJob(1, JobStatus::Queued), makeJob(1, JobStatus::Running) }));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.jobAt(0).status, JobStatus::Running);
    }

    void jobModelMergesABurstCheaply()
    {
        JobModel model(100000);
        QList<Job> history;
        for (JobId id = 1; id <= 100000; ++id)
            history.append(makeJob(id, JobStatus::Succeeded));
        model.applyChanges(changes(history));
        QCOMPARE(model.rowCount(), 100000);

        // 5,000 new jobs and 2,000 changed ones, as one snapshot brings them.
        QList<Job> burst = makeJobs(100001, 105000);
        for (JobId id = 99001; id <= 100000; id += 2)
            burst.append(makeJob(id, JobStatus::Failed));
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QElapsedTimer timer;
        timer.start();
        model.applyChanges(changes(burst));
        const qint64 elapsedMs = timer.elapsed();
        QCOMPARE(model.rowCount(), 100000);
        QCOMPARE(model.jobAt(0).id, JobId(105000));
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(removed.count(), 1);
        QCOMPARE(changed.count(), 500); // every other row: no two changed rows are adjacent
        QVERIFY2(elapsedMs < 1000, qPrintable(QStringLiteral("merge took %1 ms").arg(elapsedMs)));
    }

    void jobModelNeverTakesAnOlderChange()
    {
        JobModel model(100);
        model.applyChanges({ JobChange { 10, makeJob(1, JobStatus::Succeeded) } });
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.applyChanges({ JobChange { 7, makeJob(1, JobStatus::Running) } }); // a late, older change
        QCOMPARE(model.jobAt(0).status, JobStatus::Succeeded);
        QCOMPARE(model.changeSeqAt(0), quint64(10));
        QCOMPARE(changed.count(), 0);
        // Of two changes of one job in one snapshot, the newer one counts, whatever their order.
        model.applyChanges({ JobChange { 12, makeJob(2, JobStatus::Failed) }, JobChange { 11, makeJob(2) } });
        QCOMPARE(model.jobAt(0).status, JobStatus::Failed);
    }

    void jobModelReconcilesARange()
    {
        JobModel model(100);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        // Rows 20..11 and 5..1 held (6..10 never arrived); 15 and 3 were changed at 50, after the read.
        QList<JobChange> held;
        for (JobId id = 20; id >= 1; --id) {
            if (id < 6 || id > 10)
                held.append(JobChange { id == 15 || id == 3 ? 50u : 1u, makeJob(id) });
        }
        model.applyChanges(held);
        const QPersistentModelIndex selected = model.index(model.rowOf(12), 0);

        // What the engine read after change 40: every job succeeded, 13 and 2 are gone (pruned).
        CurrentJobs current;
        current.changeSeq = 40;
        for (JobId id = 20; id >= 1; --id) {
            if (id != 13 && id != 2)
                current.jobs.append(makeJob(id, JobStatus::Succeeded));
        }
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        model.reconcile(1, 20, current, true);

        QCOMPARE(idsOf(model), (QList<JobId> { 20, 19, 18, 17, 16, 15, 14, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 1 }));
        QCOMPARE(inserted.count(), 1); // 10..6 in one block
        QCOMPARE(removed.count(), 2);
        for (int row = 0; row < model.rowCount(); ++row) {
            const JobId id = model.jobAt(row).id;
            const bool newerThanTheRead = id == 15 || id == 3;
            QCOMPARE(model.jobAt(row).status, newerThanTheRead ? JobStatus::Queued : JobStatus::Succeeded);
            QCOMPARE(model.changeSeqAt(row), newerThanTheRead ? quint64(50) : quint64(40));
        }
        QCOMPARE(selected.data(JobModel::JobIdRole).toLongLong(), JobId(12));

        // Outside the range nothing moves; without insertMissing only held rows are checked.
        current.changeSeq = 60;
        current.jobs
            = { makeJob(30, JobStatus::Failed), makeJob(12, JobStatus::Failed), makeJob(11, JobStatus::Failed) };
        model.reconcile(11, 30, current, false);
        QCOMPARE(model.rowOf(30), -1);
        QCOMPARE(model.jobAt(model.rowOf(12)).status, JobStatus::Failed);
        QCOMPARE(model.jobAt(model.rowOf(1)).status, JobStatus::Succeeded);
        QCOMPARE(model.rowOf(20), -1); // 14..20 were not found in 11..30: gone
    }

    void filterProxyFiltersByStatusQueueTypeAndId()
    {
        JobModel model(100);
        JobFilterProxy proxy(&model);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.applyChanges(changes({
            makeJob(1, JobStatus::Succeeded, QStringLiteral("default"), QStringLiteral("echo")),
            makeJob(2, JobStatus::Failed, QStringLiteral("mail"), QStringLiteral("echo")),
            makeJob(3, JobStatus::Failed, QStringLiteral("default"), QStringLiteral("sleep")),
            makeJob(4, JobStatus::Queued, QStringLiteral("mail"), QStringLiteral("sleep")),
        }));
        QCOMPARE(proxy.rowCount(), 4);
        QVERIFY(!proxy.isFiltering());

        proxy.setStatus(JobStatus::Failed);
        QCOMPARE(proxy.rowCount(), 2);
        proxy.setQueue(QStringLiteral("mail"));
        QCOMPARE(proxy.rowCount(), 1);
        QCOMPARE(proxy.index(0, 0).data(JobModel::JobIdRole).toLongLong(), JobId(2));
        proxy.setStatus(std::nullopt);
        proxy.setType(QStringLiteral("sleep"));
        QCOMPARE(proxy.rowCount(), 1);
        QCOMPARE(proxy.index(0, 0).data(JobModel::JobIdRole).toLongLong(), JobId(4));
        proxy.setQueue({});
        proxy.setType({});
        proxy.setJobId(3);
        QCOMPARE(proxy.rowCount(), 1);
        QCOMPARE(proxy.index(0, 0).data(JobModel::JobIdRole).toLongLong(), JobId(3));

        // A row that stops matching leaves the filtered view when it changes.
        proxy.setJobId(std::nullopt);
        proxy.setStatus(JobStatus::Queued);
        QCOMPARE(proxy.rowCount(), 1);
        model.applyChanges(
            changes({ makeJob(4, JobStatus::Running, QStringLiteral("mail"), QStringLiteral("sleep")) }));
        QCOMPARE(proxy.rowCount(), 0);
    }

    void requestLogModelShowsNewestFirstAndIsBounded()
    {
        RequestLog log;
        RequestLogModel model(3);
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto request = [&](const QString& target, int status) {
            log.append({ 1700000000000, "GET", target.toLatin1(), status, 1500, {}, {} });
        };
        request(QStringLiteral("/health"), 200);
        request(QStringLiteral("/jobs/1"), 404);
        model.poll(log);
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.index(0, RequestLogModel::PathColumn).data().toString(), QStringLiteral("/jobs/1"));
        QCOMPARE(model.index(0, RequestLogModel::StatusColumn).data().toInt(), 404);
        QCOMPARE(model.index(0, RequestLogModel::LatencyColumn).data().toString(), QStringLiteral("2 ms"));

        // Polling again without new requests changes nothing; new ones go on top, the oldest go.
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.poll(log);
        QCOMPARE(inserted.count(), 0);
        request(QStringLiteral("/stats"), 200);
        request(QStringLiteral("/queues"), 200);
        model.poll(log);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(0, RequestLogModel::PathColumn).data().toString(), QStringLiteral("/queues"));
        QCOMPARE(model.index(2, RequestLogModel::PathColumn).data().toString(), QStringLiteral("/jobs/1"));
    }
};

QTEST_MAIN(TestModels)
#include "tst_models.moc"
