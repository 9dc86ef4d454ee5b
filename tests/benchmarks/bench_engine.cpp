#include "engine.h"
#include "engine/jobqueue.h"
#include "jobspec.h"
#include "store/memoryjobstore.h"
#include "store/sqlite/sqlitejobstore.h"
#include "wire/jobjson.h"
#include "wire/jobspecscanner.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QSemaphore>
#include <QTemporaryDir>
#include <QTest>

// The engine's hot paths without HTTP, so a regression shows without wrk's noise.
// Run: build/release/tests/benchmarks/bench_engine [-iterations N]
class BenchEngine : public QObject
{
    Q_OBJECT
private:
    static Job sampleJob()
    {
        Job job;
        job.id = 123456;
        job.type = QStringLiteral("echo");
        job.queue = QStringLiteral("default");
        job.payload = QJsonObject { { QStringLiteral("n"), 1 }, { QStringLiteral("name"), QStringLiteral("resize") } };
        job.createdAt = 1764075241169;
        return job;
    }

    // Submits `count` echo jobs in batches and waits until all are finished: jobs per second.
    static double engineThroughput(std::unique_ptr<JobStore> store, int count)
    {
        Engine engine(EngineConfig {}, std::move(store));
        QString error;
        if (!engine.open(&error))
            qFatal("%s", qPrintable(error));
        engine.start();
        JobSpec spec;
        spec.type = QStringLiteral("echo");
        const QList<JobSpec> batch(1000, spec);
        QSemaphore durable;
        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < count / 1000; ++i)
            engine.submit(
                batch, [&durable](const QString&) { durable.release(); }, true);
        durable.acquire(count / 1000);
        while (engine.stats().finishedTotal < quint64(count))
            QThread::usleep(200);
        return count / (double(timer.nsecsElapsed()) / 1e9);
    }

    // The same, through the lease core (no HTTP): `workers` simulated external workers lease up to
    // `batch` jobs at a time and complete each one, every answer waiting for its commit.
    static double leaseThroughput(std::unique_ptr<JobStore> store, int count, int workers, int batch)
    {
        EngineConfig config;
        config.declaredJobTypes = { QStringLiteral("noop") };
        Engine engine(config, std::move(store));
        QString error;
        if (!engine.open(&error))
            qFatal("%s", qPrintable(error));
        engine.start();
        QObject context;
        int finished = 0;
        std::function<void(const QString&)> leaseMore = [&](const QString& worker) {
            LeaseRequest request;
            request.workerId = worker;
            request.max = batch;
            engine.lease(request, &context, [&, worker](const EngineResult<QList<LeaseGrant>>& result) {
                const auto* grants = std::get_if<QList<LeaseGrant>>(&result);
                if (!grants || grants->isEmpty())
                    return; // the others hold the rest
                auto pending = std::make_shared<qsizetype>(grants->size());
                for (const LeaseGrant& grant : *grants) {
                    engine.completeLease(grant.job.id, grant.lease.token, QJsonValue(true), &context,
                        [&, pending, worker](const EngineResult<Job>&) {
                            ++finished;
                            if (--*pending == 0)
                                leaseMore(worker);
                        });
                }
            });
        };
        JobSpec spec;
        spec.type = QStringLiteral("noop");
        const QList<JobSpec> jobs(1000, spec);
        QSemaphore durable;
        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < count / 1000; ++i)
            engine.submit(
                jobs, [&durable](const QString&) { durable.release(); }, true);
        durable.acquire(count / 1000);
        for (int i = 0; i < workers; ++i) {
            WorkerRegistration registration;
            registration.id = QStringLiteral("bench-%1").arg(i);
            engine.registerWorker(registration);
            leaseMore(registration.id);
        }
        while (finished < count)
            QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents);
        return count / (double(timer.nsecsElapsed()) / 1e9);
    }

private Q_SLOTS:
    void parseSubmission()
    {
        const QByteArray body = R"({"type":"echo","payload":{"n":1},"queue":"default","priority":3})";
        QBENCHMARK
        {
            const QJsonObject object = QJsonDocument::fromJson(body).object();
            const SpecResult spec = parseJobSpec(object);
            QVERIFY(std::holds_alternative<JobSpec>(spec));
        }
    }

    // The same body as POST /jobs reads it: without the JSON tree (see jobspecscanner.h)
    void scanSubmission()
    {
        const QByteArray body = R"({"type":"echo","payload":{"n":1},"queue":"default","priority":3})";
        QBENCHMARK
        {
            const std::optional<SpecResult> spec = scanJobSpec(body);
            QVERIFY(spec && std::holds_alternative<JobSpec>(*spec));
        }
    }

    void encodeJob()
    {
        const Job job = sampleJob();
        QBENCHMARK
        {
            const QByteArray json = JobJson::job(job);
            QVERIFY(json.size() > 100);
        }
    }

    void enqueueDequeue_data()
    {
        QTest::addColumn<int>("pausedQueues"); // each holding a job: pop() must not look at them
        QTest::newRow("1 queue") << 0;
        QTest::newRow("+100,000 paused queues") << 100000;
    }

    void enqueueDequeue()
    {
        QFETCH(int, pausedQueues);
        JobQueue queue;
        JobId id = 0;
        for (int i = 0; i < pausedQueues; ++i) {
            const QString paused = QStringLiteral("paused-%1").arg(i);
            queue.push(paused, 0, ++id);
            queue.setPaused(paused, true);
        }
        QString name;
        QBENCHMARK
        {
            for (int i = 0; i < 1000; ++i)
                queue.push(QStringLiteral("default"), i % 3, ++id);
            for (int i = 0; i < 1000; ++i) {
                queue.pop(&name);
                queue.finishedRunning(name);
            }
        }
    }

    void sqliteInsertBatch()
    {
        QTemporaryDir dir;
        SqliteJobStore store(dir.filePath(QStringLiteral("bench.db")), SqliteJobStore::Sync::Normal);
        QString error;
        QVERIFY2(store.open(&error), qPrintable(error));
        QList<Job> jobs(1000, sampleJob());
        JobId id = 0;
        QBENCHMARK
        {
            for (Job& job : jobs)
                job.id = ++id;
            QSemaphore done;
            store.insert(jobs, [&done](const QString&) { done.release(); });
            done.acquire();
        }
    }

    void endToEndInMemory()
    {
        const double rate = engineThroughput(std::make_unique<MemoryJobStore>(100000), 200000);
        qInfo("engine, in-memory store: %.0f echo jobs/s (submit in batches of 1000, run, finish)", rate);
    }

    void endToEndSqlite()
    {
        QTemporaryDir dir;
        const double rate = engineThroughput(
            std::make_unique<SqliteJobStore>(dir.filePath(QStringLiteral("e2e.db")), SqliteJobStore::Sync::Normal),
            200000);
        qInfo("engine, SQLite store: %.0f echo jobs/s (submit in batches of 1000, run, finish)", rate);
    }

    void leasesInMemory()
    {
        for (const int batch : { 1, 100 }) {
            const double rate = leaseThroughput(std::make_unique<MemoryJobStore>(100000), 100000, 4, batch);
            qInfo("leases, in-memory store: %.0f jobs/s (4 workers, lease %d at a time, complete each)", rate, batch);
        }
    }

    void leasesSqlite()
    {
        for (const int batch : { 1, 100 }) {
            QTemporaryDir dir;
            const double rate
                = leaseThroughput(std::make_unique<SqliteJobStore>(
                                      dir.filePath(QStringLiteral("leases.db")), SqliteJobStore::Sync::Normal),
                    100000, 4, batch);
            qInfo("leases, SQLite store: %.0f jobs/s (4 workers, lease %d at a time, complete each)", rate, batch);
        }
    }
};

QTEST_GUILESS_MAIN(BenchEngine)
#include "bench_engine.moc"
