#include "defaultlimits.h"
#include "enginetesting.h"
#include "snapshotspy.h"

#include <QElapsedTimer>
#include <QSignalSpy>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace {

// A job type that records the order in which jobs start and how many run at once.
struct Recorder
{
    std::mutex mutex;
    QList<int> order;
    std::atomic<int> running { 0 };
    std::atomic<int> maxRunning { 0 };
};

class RecordingHandler : public JobHandler
{
public:
    explicit RecordingHandler(Recorder* recorder)
        : m_recorder(recorder)
    { }
    JobOutcome run(const JobContext& context) const override
    {
        {
            std::lock_guard lock(m_recorder->mutex);
            m_recorder->order.append(context.payload().toObject().value(QLatin1StringView("n")).toInt());
        }
        const int now = ++m_recorder->running;
        int seen = m_recorder->maxRunning;
        while (now > seen && !m_recorder->maxRunning.compare_exchange_weak(seen, now)) { }
        context.token().waitFor(context.payload().toObject().value(QLatin1StringView("ms")).toInt());
        --m_recorder->running;
        return JobOutcome::success(QJsonValue(true));
    }

private:
    Recorder* m_recorder;
};

// Returns {"text": "xxx..."} with payload.chars characters.
class SizedResultHandler : public JobHandler
{
public:
    JobOutcome run(const JobContext& context) const override
    {
        const int chars = context.payload().toObject().value(QLatin1StringView("chars")).toInt();
        return JobOutcome::success(QJsonObject { { QStringLiteral("text"), QString(chars, QLatin1Char('x')) } });
    }
};

// The in-memory store with a disk in between: inserts wait until the test commits them, or
// fails them as a full or read-only disk would.
class HeldStore : public MemoryJobStore
{
public:
    HeldStore()
        : MemoryJobStore(1000)
    { }
    void insert(const QList<Job>& jobs, DurableCallback onDurable) override
    {
        std::lock_guard lock(m_mutex);
        m_held.append({ jobs, std::move(onDurable) });
    }
    qsizetype held() const
    {
        std::lock_guard lock(m_mutex);
        return m_held.size();
    }
    // Resolves a held insert (0: the oldest): stored, or failed with `error`.
    void resolve(qsizetype index, const QString& error = {})
    {
        std::unique_lock lock(m_mutex);
        const auto [jobs, onDurable] = m_held.takeAt(index);
        lock.unlock();
        if (error.isEmpty())
            MemoryJobStore::insert(jobs, onDurable);
        else if (onDurable)
            onDurable(error);
    }

private:
    mutable std::mutex m_mutex;
    QList<std::pair<QList<Job>, DurableCallback>> m_held;
};

// What a submission's durability callback reported.
struct Durable
{
    std::atomic<int> calls { 0 };
    QString error;
    JobStore::DurableCallback callback()
    {
        return [this](const QString& reported) {
            error = reported;
            ++calls;
        };
    }
};

EngineConfig recordingConfig(Recorder* recorder, int workers)
{
    EngineConfig config;
    config.workers = workers;
    config.registerHandlers
        = [recorder](HandlerRegistry& registry) { registry.add<RecordingHandler>(QStringLiteral("record"), recorder); };
    return config;
}

QJsonObject numbered(int n, int ms = 0)
{
    return { { QStringLiteral("n"), n }, { QStringLiteral("ms"), ms } };
}

} // namespace

class TestEngine : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void echoRunsToSuccess()
    {
        auto engine = startedEngine();
        const Job job = submitOne(*engine, spec(QStringLiteral("echo"), QJsonObject { { QStringLiteral("x"), 1 } }));
        QCOMPARE(job.id, 1);
        QTRY_COMPARE(statusOf(*engine, job.id), JobStatus::Succeeded);
        const Job done = *engine->job(job.id);
        QCOMPARE(done.result, QJsonValue(QJsonObject { { QStringLiteral("x"), 1 } }));
        QCOMPARE(done.attempts, 1);
        QCOMPARE(done.history.size(), 1);
        QVERIFY(done.finishedAt >= done.startedAt && done.startedAt >= done.createdAt);
    }

    void priorityThenSubmissionOrder()
    {
        Recorder recorder;
        auto engine = startedEngine(recordingConfig(&recorder, 1));
        QVERIFY(std::holds_alternative<QueueInfo>(engine->setQueuePaused(QStringLiteral("default"), true)));
        const QList<int> priorities = { 0, 5, 0, 9, 5, 0 };
        for (int i = 0; i < priorities.size(); ++i)
            submitOne(*engine, spec(QStringLiteral("record"), numbered(i), priorities[i]));
        engine->setQueuePaused(QStringLiteral("default"), false);
        QTRY_COMPARE(engine->stats().counts[std::size_t(JobStatus::Succeeded)], 6);
        QCOMPARE(recorder.order, (QList<int> { 3, 1, 4, 0, 2, 5 }));
    }

    void capacityRefusesBeyondMaxQueued()
    {
        EngineConfig config;
        config.maxQueued = 3;
        auto engine = startedEngine(config);
        engine->setQueuePaused(QStringLiteral("default"), true);
        for (int i = 0; i < 3; ++i)
            submitOne(*engine, spec(QStringLiteral("echo")));
        const auto refused = engine->submit({ spec(QStringLiteral("echo")) });
        QVERIFY(std::holds_alternative<EngineError>(refused));
        QCOMPARE(std::get<EngineError>(refused).kind, EngineError::Kind::QueueFull);
        QCOMPARE(engine->stats().queueDepth, 3);
    }

    void batchIsAllOrNothing()
    {
        auto engine = startedEngine();
        const auto refused = engine->submit({ spec(QStringLiteral("echo")), spec(QStringLiteral("nope")) }, {}, true);
        QVERIFY(std::holds_alternative<EngineError>(refused));
        QCOMPARE(std::get<EngineError>(refused).field, QStringLiteral("jobs[1].type"));
        QVERIFY(!engine->job(1));
    }

    void poolNeverExceedsWorkerCount()
    {
        Recorder recorder;
        auto engine = startedEngine(recordingConfig(&recorder, 2));
        QList<JobSpec> specs;
        for (int i = 0; i < 8; ++i)
            specs.append(spec(QStringLiteral("record"), numbered(i, 50)));
        QVERIFY(std::holds_alternative<QList<Job>>(engine->submit(specs)));
        QTRY_COMPARE(engine->stats().counts[std::size_t(JobStatus::Succeeded)], 8);
        QCOMPARE(recorder.maxRunning.load(), 2);
    }

    void cancelQueuedRunningAndFinished()
    {
        EngineConfig config;
        config.workers = 1;
        auto engine = startedEngine(config);
        const Job running = submitOne(*engine, spec(QStringLiteral("sleep"), sleepMs(10000)));
        const Job queued = submitOne(*engine, spec(QStringLiteral("echo")));
        QTRY_COMPARE(statusOf(*engine, running.id), JobStatus::Running);

        QVERIFY(std::holds_alternative<Job>(engine->cancel(queued.id)));
        QCOMPARE(statusOf(*engine, queued.id), JobStatus::Cancelled);

        QElapsedTimer timer;
        timer.start();
        QVERIFY(std::holds_alternative<Job>(engine->cancel(running.id)));
        QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, running.id), JobStatus::Cancelled, 1000);
        QVERIFY2(timer.elapsed() < 500, "sleep must honour cancel within tens of milliseconds");
        QCOMPARE(engine->job(running.id)->error->code, QStringLiteral("cancelled"));

        const auto again = engine->cancel(running.id);
        QCOMPARE(std::get<EngineError>(again).kind, EngineError::Kind::Conflict);
        QCOMPARE(std::get<EngineError>(engine->cancel(999)).kind, EngineError::Kind::NotFound);
    }

    void timeoutFailsPromptly()
    {
        auto engine = startedEngine();
        JobSpec slow = spec(QStringLiteral("sleep"), sleepMs(10000));
        slow.timeoutMs = 100;
        const Job job = submitOne(*engine, slow);
        QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, job.id), JobStatus::Failed, 2000);
        const Job failed = *engine->job(job.id);
        QCOMPARE(failed.error->code, QStringLiteral("timeout"));
        QVERIFY2(failed.finishedAt - failed.startedAt < 300, "the timeout must fire within tens of ms");
    }

    void failedAttemptsAreRetriedWithHistory()
    {
        auto engine = startedEngine();
        JobSpec failing
            = spec(QStringLiteral("fail"), QJsonObject { { QStringLiteral("message"), QStringLiteral("boom") } });
        failing.maxAttempts = 2;
        const Job job = submitOne(*engine, failing);
        QTRY_COMPARE(statusOf(*engine, job.id), JobStatus::Scheduled);
        QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, job.id), JobStatus::Failed, 3000);
        const Job failed = *engine->job(job.id);
        QCOMPARE(failed.attempts, 2);
        QCOMPARE(failed.history.size(), 2);
        QCOMPARE(failed.history[0].error->message, QStringLiteral("boom"));

        QVERIFY(std::holds_alternative<Job>(engine->retry(job.id)));
        QTRY_COMPARE(statusOf(*engine, job.id), JobStatus::Failed);
        QCOMPARE(engine->job(job.id)->attempts, 3);
    }

    void delayedJobWaitsUntilDue()
    {
        auto engine = startedEngine();
        JobSpec later = spec(QStringLiteral("echo"));
        later.delayMs = 200;
        const Job job = submitOne(*engine, later);
        QCOMPARE(job.status, JobStatus::Scheduled);
        QTRY_COMPARE_WITH_TIMEOUT(statusOf(*engine, job.id), JobStatus::Succeeded, 2000);
        const Job done = *engine->job(job.id);
        QVERIFY(done.startedAt >= done.createdAt + 200);
        QVERIFY2(done.startedAt < done.createdAt + 300, "due jobs start within tens of ms");
    }

    void idempotencyKeyReturnsTheSameJob()
    {
        auto engine = startedEngine();
        JobSpec keyed = spec(QStringLiteral("echo"));
        keyed.idempotencyKey = QStringLiteral("order-42");
        const Job first = submitOne(*engine, keyed);
        QTRY_COMPARE(statusOf(*engine, first.id), JobStatus::Succeeded);
        const Job second = submitOne(*engine, keyed);
        QCOMPARE(second.id, first.id);
        QCOMPARE(engine->stats().submittedTotal, 1u);
    }

    void concurrentSubmitsOfAKeyMakeOneJob()
    {
        // The store is asked about keys before the engine lock is taken; jobs created (and
        // finished, echo is quick) meanwhile by other threads must still be found.
        auto engine = startedEngine();
        constexpr int threads = 4;
        constexpr int keys = 300;
        std::vector<std::vector<JobId>> ids(threads, std::vector<JobId>(keys));
        std::vector<std::thread> submitters;
        for (int t = 0; t < threads; ++t) {
            submitters.emplace_back([&engine, &ids, t] {
                for (int k = 0; k < keys; ++k) {
                    JobSpec keyed = spec(QStringLiteral("echo"));
                    keyed.idempotencyKey = QStringLiteral("key-%1").arg(k);
                    const auto result = engine->submit({ keyed });
                    ids[t][k] = std::get<QList<Job>>(result).constFirst().id;
                }
            });
        }
        for (std::thread& submitter : submitters)
            submitter.join();
        for (int t = 1; t < threads; ++t)
            QCOMPARE(ids[t], ids[0]);
        QCOMPARE(engine->stats().submittedTotal, quint64(keys));
    }

    void drainLetsRunningJobsFinish()
    {
        auto engine = startedEngine();
        QSignalSpy states(engine.get(), &Engine::stateChanged);
        const Job job = submitOne(*engine, spec(QStringLiteral("sleep"), sleepMs(300)));
        QTRY_COMPARE(statusOf(*engine, job.id), JobStatus::Running);
        engine->stop(5000);
        QCOMPARE(engine->state(), EngineState::Draining);
        QCOMPARE(std::get<EngineError>(engine->submit({ spec(QStringLiteral("echo")) })).kind,
            EngineError::Kind::Unavailable);
        QTRY_COMPARE(engine->state(), EngineState::Stopped);
        QCOMPARE(statusOf(*engine, job.id), JobStatus::Succeeded);
    }

    void drainDeadlinePutsRunningJobsBackInTheQueue()
    {
        EngineConfig config;
        config.workers = 1;
        auto engine = startedEngine(config);
        const Job running = submitOne(*engine, spec(QStringLiteral("sleep"), sleepMs(10000)));
        const Job queued = submitOne(*engine, spec(QStringLiteral("echo")));
        QTRY_COMPARE(statusOf(*engine, running.id), JobStatus::Running);
        QElapsedTimer timer;
        timer.start();
        engine->stop(200);
        QTRY_COMPARE_WITH_TIMEOUT(engine->state(), EngineState::Stopped, 2000);
        QVERIFY(timer.elapsed() >= 150);
        QCOMPARE(statusOf(*engine, running.id), JobStatus::Queued);
        // The cut-off attempt stays in its history, and leaves it its attempts.
        const Job cut = engine->job(running.id).value();
        QCOMPARE(cut.attempts, 1);
        QCOMPARE(cut.maxAttempts, running.maxAttempts + 1);
        QCOMPARE(cut.history.size(), 1);
        QCOMPARE(cut.history.first().number, 1);
        QCOMPARE(cut.history.first().error.value().code, QStringLiteral("interrupted"));
        QVERIFY(cut.history.first().startedAt > 0);
        QVERIFY(cut.history.first().finishedAt >= cut.history.first().startedAt);
        QVERIFY(!cut.error);
        QCOMPARE(cut.startedAt, 0);
        QCOMPARE(statusOf(*engine, queued.id), JobStatus::Queued);

        engine->start(); // the kept queue runs on the next start, in its order
        QTRY_COMPARE(statusOf(*engine, running.id), JobStatus::Running);
        QCOMPARE(engine->job(running.id)->attempts, 2);
        engine->cancel(running.id);
        QTRY_COMPARE(statusOf(*engine, queued.id), JobStatus::Succeeded);
    }

    void pausingAllProcessingHoldsEveryQueueWhileIntakeContinues()
    {
        auto engine = startedEngine();
        SnapshotSpy snapshots(engine.get());
        engine->setProcessingPaused(true);
        QVERIFY(engine->isProcessingPaused());
        JobSpec other = spec(QStringLiteral("echo"));
        other.queue = QStringLiteral("other");
        const Job first = submitOne(*engine, spec(QStringLiteral("echo")));
        const Job second = submitOne(*engine, other);
        // A snapshot taken once both were stored shows them waiting, none ready to run.
        const auto last = [&] { return snapshots.constLast().constFirst().value<EngineSnapshot>(); };
        QTRY_VERIFY(!snapshots.isEmpty() && last().queueDepth == 2);
        QVERIFY(last().processingPaused);
        QCOMPARE(last().runnable, 0);
        QCOMPARE(last().busyWorkers, 0);
        QCOMPARE(statusOf(*engine, first.id), JobStatus::Queued);
        QCOMPARE(statusOf(*engine, second.id), JobStatus::Queued);
        QVERIFY(engine->stats().processingPaused);
        QCOMPARE(engine->stats().runnable, 0);

        // A queue's own pause is kept through the pause and resume of all.
        QVERIFY(std::holds_alternative<QueueInfo>(engine->setQueuePaused(QStringLiteral("other"), true)));
        engine->setProcessingPaused(false);
        QVERIFY(!engine->isProcessingPaused());
        QTRY_COMPARE(statusOf(*engine, first.id), JobStatus::Succeeded);
        QCOMPARE(statusOf(*engine, second.id), JobStatus::Queued);
        QVERIFY(std::holds_alternative<QueueInfo>(engine->setQueuePaused(QStringLiteral("other"), false)));
        QTRY_COMPARE(statusOf(*engine, second.id), JobStatus::Succeeded);
    }

    void queueFiguresFollowTheJobs()
    {
        std::atomic<qint64> clock { 1'700'000'000'000 };
        EngineConfig config;
        config.clock = [&clock] { return clock.load(); };
        auto engine = startedEngine(config);
        const auto figures = [&engine](const QString& name) {
            for (const QueueInfo& queue : engine->queues()) {
                if (queue.name == name)
                    return queue;
            }
            return QueueInfo {};
        };
        const QString reports = QStringLiteral("reports");
        JobSpec ok = spec(QStringLiteral("echo"));
        ok.queue = reports;
        JobSpec failing
            = spec(QStringLiteral("fail"), QJsonObject { { QStringLiteral("message"), QStringLiteral("boom") } });
        failing.queue = reports;
        JobSpec elsewhere = spec(QStringLiteral("echo"));
        elsewhere.queue = QStringLiteral("other");
        submitOne(*engine, ok);
        submitOne(*engine, ok);
        submitOne(*engine, failing);
        submitOne(*engine, elsewhere);
        QTRY_COMPARE(figures(reports).processed, 3);
        QCOMPARE(figures(reports).failed, 1);
        QTRY_COMPARE(figures(QStringLiteral("other")).processed, 1);
        // Throughput counts whole seconds: the one under way is not over yet.
        QCOMPARE(figures(reports).finishedLastMinute, 0);
        clock += 1000;
        QCOMPARE(figures(reports).finishedLastMinute, 3);
        clock += 60'000;
        QCOMPARE(figures(reports).finishedLastMinute, 0);
        QCOMPARE(figures(reports).processed, 3);

        // The oldest queued job's age by the engine's clock, whatever the priorities.
        QCOMPARE(figures(reports).oldestQueuedMs, -1);
        QVERIFY(std::holds_alternative<QueueInfo>(engine->setQueuePaused(reports, true)));
        submitOne(*engine, ok);
        clock += 5000;
        JobSpec urgent = ok;
        urgent.priority = 9;
        submitOne(*engine, urgent);
        clock += 2000;
        QCOMPARE(figures(reports).oldestQueuedMs, 7000);
        QCOMPARE(figures(reports).depth, 2);

        // Deleting finished jobs takes them out of each queue's counts, filter or not.
        JobQuery onlyReports;
        onlyReports.queue = reports;
        onlyReports.status = JobStatus::Failed;
        QCOMPARE(std::get<BulkOutcome>(engine->bulk(BulkAction::Delete, onlyReports, false)).count, 1);
        QCOMPARE(figures(reports).failed, 0);
        QCOMPARE(figures(reports).processed, 2);
        QCOMPARE(std::get<BulkOutcome>(engine->bulk(BulkAction::Delete, JobQuery {}, false)).count, 3);
        QCOMPARE(figures(reports).processed, 0);
        QCOMPARE(figures(QStringLiteral("other")).processed, 0);
        QCOMPARE(engine->stats().counts[std::size_t(JobStatus::Succeeded)], 0);
    }

    void snapshotsAreCoalesced()
    {
        EngineConfig config;
        config.snapshotIntervalMs = 100;
        auto engine = startedEngine(config);
        SnapshotSpy snapshots(engine.get());
        QList<JobSpec> specs(5000, spec(QStringLiteral("echo")));
        QElapsedTimer timer;
        timer.start();
        QVERIFY(std::holds_alternative<QList<Job>>(engine->submit(specs)));
        QTRY_COMPARE(engine->stats().counts[std::size_t(JobStatus::Succeeded)], 5000);
        QTest::qWait(250); // let the last snapshot out
        const double seconds = double(timer.elapsed()) / 1000.0;
        QVERIFY2(snapshots.count() <= int(seconds * 10) + 2,
            qPrintable(QStringLiteral("%1 snapshots in %2 s").arg(snapshots.count()).arg(seconds)));
        const auto last = snapshots.constLast().at(0).value<EngineSnapshot>();
        QCOMPARE(last.counts[std::size_t(JobStatus::Succeeded)], 5000);
        QCOMPARE(last.workerCount, engine->workerCount());
    }

    void snapshotsListChangedJobsOnlyOnceAReceiverIsConnected()
    {
        EngineConfig config;
        config.snapshotIntervalMs = 50;
        auto engine = startedEngine(config);
        const auto before = engine->submit({ spec(QStringLiteral("echo")) });
        QVERIFY(std::holds_alternative<QList<Job>>(before));
        QTRY_COMPARE(engine->stats().counts[std::size_t(JobStatus::Succeeded)], 1);

        SnapshotSpy snapshots(engine.get());
        QTRY_VERIFY(!snapshots.isEmpty());
        // Changes made before the first receiver were not collected: it must reload.
        QVERIFY(snapshots.constFirst().at(0).value<EngineSnapshot>().changesTruncated);

        const auto after = engine->submit({ spec(QStringLiteral("echo")) });
        QVERIFY(std::holds_alternative<QList<Job>>(after));
        const JobId id = std::get<QList<Job>>(after).constFirst().id;
        const auto finishedIn = [&](const QList<QVariant>& arguments) {
            const auto snapshot = arguments.at(0).value<EngineSnapshot>();
            return std::any_of(
                snapshot.changedJobs.cbegin(), snapshot.changedJobs.cend(), [&](const JobChange& change) {
                    return change.job.id == id && change.job.status == JobStatus::Succeeded;
                });
        };
        QTRY_VERIFY(std::any_of(snapshots.cbegin(), snapshots.cend(), finishedIn));
        QVERIFY(!snapshots.constLast().at(0).value<EngineSnapshot>().changesTruncated);
    }

    void snapshotsNumberEveryChangeAndCurrentJobsReadTheNewest()
    {
        EngineConfig config;
        config.snapshotIntervalMs = 50;
        auto engine = startedEngine(config);
        SnapshotSpy snapshots(engine.get());
        QVERIFY(std::holds_alternative<QList<Job>>(engine->submit(QList<JobSpec>(20, spec(QStringLiteral("echo"))))));
        const auto lastSnapshot = [&] { return snapshots.constLast().at(0).value<EngineSnapshot>(); };
        QTRY_VERIFY(!snapshots.isEmpty() && lastSnapshot().counts[std::size_t(JobStatus::Succeeded)] == 20);

        // Each snapshot starts where the previous one ended, and its changes lie in its span.
        quint64 previous = snapshots.constFirst().at(0).value<EngineSnapshot>().previousChangeSeq;
        for (const QList<QVariant>& arguments : std::as_const(snapshots)) {
            const auto snapshot = arguments.at(0).value<EngineSnapshot>();
            QCOMPARE(snapshot.previousChangeSeq, previous);
            for (const JobChange& change : snapshot.changedJobs)
                QVERIFY(change.seq > snapshot.previousChangeSeq && change.seq <= snapshot.changeSeq);
            previous = snapshot.changeSeq;
        }
        QVERIFY(previous >= 60); // created, started, finished: three changes a job

        const CurrentJobs current = engine->currentJobs(0, 1000);
        QCOMPARE(current.changeSeq, previous);
        QCOMPARE(current.jobs.size(), 20);
        QCOMPARE(current.jobs.constFirst().id, engine->lastJobId());
        for (const Job& job : current.jobs)
            QCOMPARE(job.status, JobStatus::Succeeded);
        QCOMPARE(engine->currentJobs(5, 7).jobs.size(), 3);
        QVERIFY(engine->currentJobs(21, 30).jobs.isEmpty());
    }

    void throughputCountsTheLastMinute()
    {
        std::atomic<qint64> clock { 1700000000000 };
        EngineConfig config;
        config.clock = [&clock] { return clock.load(); };
        auto engine = startedEngine(config);
        QVERIFY(std::holds_alternative<QList<Job>>(engine->submit(QList<JobSpec>(30, spec(QStringLiteral("echo"))))));
        QTRY_COMPARE(engine->stats().counts[std::size_t(JobStatus::Succeeded)], 30);

        clock += 1000; // the second they finished in is whole now
        Throughput rates = engine->stats().throughput;
        QCOMPARE(rates.finishedLastMinute, 30);
        QCOMPARE(rates.jobsPerSecond, 30.0 / 5);
        QCOMPARE(rates.percentileJobs, 30);
        QVERIFY(rates.runP99Ms >= rates.runP95Ms && rates.runP95Ms >= rates.runP50Ms);

        clock += 30000; // past the 5 s rate, within the minute
        rates = engine->stats().throughput;
        QCOMPARE(rates.jobsPerSecond, 0.0);
        QCOMPARE(rates.finishedLastMinute, 30);
        clock += 30000; // past the minute
        QCOMPARE(engine->stats().throughput.finishedLastMinute, 0);
    }

    void resultsOverTheLimitFailTheJob()
    {
        EngineConfig config;
        config.registerHandlers
            = [](HandlerRegistry& registry) { registry.add<SizedResultHandler>(QStringLiteral("sized")); };
        auto engine = startedEngine(config);
        const qsizetype wrapper = qsizetype(QByteArrayView(R"({"text":""})").size());
        const auto sized = [](qint64 chars) {
            return spec(QStringLiteral("sized"), QJsonObject { { QStringLiteral("chars"), chars } });
        };
        const Job fits = submitOne(*engine, sized(Limits::maxResultBytes - wrapper));
        const Job tooLarge = submitOne(*engine, sized(Limits::maxResultBytes - wrapper + 1));
        QTRY_COMPARE(statusOf(*engine, fits.id), JobStatus::Succeeded);
        QTRY_COMPARE(statusOf(*engine, tooLarge.id), JobStatus::Failed);
        const Job failed = *engine->job(tooLarge.id);
        QCOMPARE(failed.error->code, QStringLiteral("result_too_large"));
        QVERIFY(failed.result.isNull() || failed.result.isUndefined());
    }

    void jobsRunAndCountOnlyOnceStored()
    {
        Recorder recorder;
        auto held = std::make_unique<HeldStore>();
        HeldStore* store = held.get();
        Engine engine(recordingConfig(&recorder, 2), std::move(held));
        QString error;
        QVERIFY(engine.open(&error));
        engine.start();

        Durable refused;
        const auto batch = engine.submit(
            { spec(QStringLiteral("record"), numbered(1)), spec(QStringLiteral("record"), numbered(2)) },
            refused.callback(), true);
        QVERIFY(std::holds_alternative<QList<Job>>(batch));
        QCOMPARE(store->held(), 1);
        // Not stored yet: neither queued, nor counted, nor visible.
        QCOMPARE(engine.stats().queueDepth, 0);
        QCOMPARE(engine.stats().counts[std::size_t(JobStatus::Queued)], 0);
        QCOMPARE(engine.stats().submittedTotal, 0u);
        QCOMPARE(engine.job(1), std::nullopt);
        QTest::ignoreMessage(QtWarningMsg, "queuelab: storing 2 new job(s) failed: disk full");
        store->resolve(0, QStringLiteral("disk full"));
        QCOMPARE(refused.calls.load(), 1);
        QCOMPARE(refused.error, QStringLiteral("disk full"));

        Durable stored;
        const Job later
            = std::get<QList<Job>>(engine.submit({ spec(QStringLiteral("record"), numbered(3)) }, stored.callback()))
                  .constFirst();
        QCOMPARE(engine.stats().submittedTotal, 0u);
        store->resolve(0);
        QCOMPARE(stored.calls.load(), 1);
        QCOMPARE(stored.error, QString());
        QTRY_COMPARE(statusOf(engine, later.id), JobStatus::Succeeded);
        // The refused batch never ran, and counts as nothing.
        QCOMPARE(recorder.order, QList<int> { 3 });
        QCOMPARE(engine.stats().submittedTotal, 1u);
        QCOMPARE(engine.stats().counts[std::size_t(JobStatus::Succeeded)], 1);
        QCOMPARE(engine.job(1), std::nullopt);
    }

    void aKeyBeingStoredIsAnsweredOnceItsCommitIsKnown()
    {
        auto held = std::make_unique<HeldStore>();
        HeldStore* store = held.get();
        Engine engine(EngineConfig {}, std::move(held));
        QString error;
        QVERIFY(engine.open(&error));
        engine.start();
        JobSpec keyed = spec(QStringLiteral("echo"));
        keyed.idempotencyKey = QStringLiteral("once");

        Durable first;
        Durable second;
        const JobId id = std::get<QList<Job>>(engine.submit({ keyed }, first.callback())).constFirst().id;
        QCOMPARE(std::get<QList<Job>>(engine.submit({ keyed }, second.callback())).constFirst().id, id);
        QCOMPARE(store->held(), 2); // the second stores nothing of its own
        store->resolve(1); // the second's own insert, empty: it still waits for the first
        QCOMPARE(second.calls.load(), 0);
        QTest::ignoreMessage(QtWarningMsg, "queuelab: storing 1 new job(s) failed: read-only");
        store->resolve(0, QStringLiteral("read-only"));
        QCOMPARE(first.error, QStringLiteral("read-only"));
        // The second answer named the same job: it must not promise it either.
        QCOMPARE(second.calls.load(), 1);
        QCOMPARE(second.error, QStringLiteral("read-only"));
        QCOMPARE(engine.stats().submittedTotal, 0u);
    }

    void queuesWithoutJobsAreBounded()
    {
        auto engine = startedEngine();
        const auto name = [](int i) { return QStringLiteral("q%1").arg(i); };
        for (int i = 0; i < Limits::maxQueuesWithoutJobs; ++i)
            QVERIFY(std::holds_alternative<QueueInfo>(engine->setQueuePaused(name(i), true)));
        const auto refused = engine->setQueuePaused(QStringLiteral("one-more"), true);
        QVERIFY(std::holds_alternative<EngineError>(refused));
        QCOMPARE(std::get<EngineError>(refused).code, QStringLiteral("too_many_queues"));
        QCOMPARE(std::get<EngineError>(refused).kind, EngineError::Kind::Conflict);
        QCOMPARE(std::get<EngineError>(engine->setQueueConcurrency(QStringLiteral("one-more"), 2)).code,
            QStringLiteral("too_many_queues"));
        // What leaves a queue as it is by default keeps nothing.
        QVERIFY(std::holds_alternative<QueueInfo>(engine->setQueuePaused(QStringLiteral("other"), false)));
        QVERIFY(std::holds_alternative<QueueInfo>(engine->setQueueConcurrency(QStringLiteral("other"), 0)));
        QCOMPARE(engine->queues().size(), Limits::maxQueuesWithoutJobs + 1); // and "default"

        // A deleted one makes room; one holding a job cannot be deleted.
        QVERIFY(std::holds_alternative<QueueInfo>(engine->deleteQueue(name(0))));
        QCOMPARE(std::get<EngineError>(engine->deleteQueue(name(0))).kind, EngineError::Kind::NotFound);
        QVERIFY(std::holds_alternative<QueueInfo>(engine->setQueuePaused(QStringLiteral("one-more"), true)));
        JobSpec held = spec(QStringLiteral("echo"));
        held.queue = name(1);
        const Job waiting = submitOne(*engine, held);
        QCOMPARE(std::get<EngineError>(engine->deleteQueue(name(1))).kind, EngineError::Kind::Conflict);

        // Jobs elsewhere still run, and queues that ran jobs are forgotten once idle, past the bound.
        QList<JobSpec> spread;
        for (int i = 0; i < 3 * Limits::maxQueuesWithoutJobs; ++i) {
            spread.append(spec(QStringLiteral("echo")));
            spread.last().queue = QStringLiteral("spread%1").arg(i);
        }
        for (const JobSpec& one : std::as_const(spread))
            submitOne(*engine, one);
        QTRY_COMPARE(engine->stats().counts[std::size_t(JobStatus::Succeeded)], 3 * Limits::maxQueuesWithoutJobs);
        QVERIFY(std::holds_alternative<QueueInfo>(engine->setQueuePaused(name(1), false)));
        QTRY_COMPARE(statusOf(*engine, waiting.id), JobStatus::Succeeded);
        // Kept: the 1,000 paused ones, and idle ones until twice as many are without jobs.
        QVERIFY2(engine->queues().size() <= 2 * Limits::maxQueuesWithoutJobs + 1,
            qPrintable(QString::number(engine->queues().size())));
    }

    void workerCountChangesWhileRunning()
    {
        Recorder recorder;
        auto engine = startedEngine(recordingConfig(&recorder, 1));
        engine->setWorkerCount(3);
        QList<JobSpec> specs;
        for (int i = 0; i < 9; ++i)
            specs.append(spec(QStringLiteral("record"), numbered(i, 100)));
        engine->submit(specs);
        QTRY_COMPARE(engine->stats().counts[std::size_t(JobStatus::Succeeded)], 9);
        QCOMPARE(recorder.maxRunning.load(), 3);
        QCOMPARE(engine->workerCount(), 3);
    }
};

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
