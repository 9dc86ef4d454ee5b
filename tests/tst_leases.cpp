// The lease core: every transition of a lease and of an external worker, on the engine's manual
// clock, through Engine's public API; durability on a real SQLite file.
#include "enginetesting.h"
#include "snapshotspy.h"
#include "store/sqlite/sqlitejobstore.h"

#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <atomic>

namespace {

constexpr qint64 epoch = 1700000000000;
const QString mail = QStringLiteral("mail");

template <typename T> bool isError(const EngineResult<T>& result, const char* code)
{
    const auto* error = std::get_if<EngineError>(&result);
    return error && error->code == QLatin1StringView(code);
}

template <typename T> T valueOf(const EngineResult<T>& result)
{
    if (const auto* error = std::get_if<EngineError>(&result))
        qFatal("engine error %s: %s", qPrintable(error->code), qPrintable(error->message));
    return std::get<T>(result);
}

// Waits for one asynchronous answer delivered to `context`.
template <typename T> struct Answer
{
    std::optional<T> value;
    bool arrived() const { return value.has_value(); }
};

} // namespace

class TestLeases : public QObject
{
    Q_OBJECT
private:
    std::atomic<qint64> m_clock { epoch };
    std::unique_ptr<Engine> m_engine;
    QObject m_context; // answers arrive on this (the test's) thread

    EngineConfig config()
    {
        EngineConfig config;
        config.workers = 2;
        config.clock = [this] { return m_clock.load(); };
        config.workerGoneMs = 10000;
        config.declaredJobTypes = { mail };
        return config;
    }
    void advance(qint64 ms)
    {
        m_clock += ms;
        m_engine->runDueJobs();
    }
    Job submitMail(const QString& queue = QStringLiteral("default"), int maxAttempts = 1, int priority = 0)
    {
        JobSpec s = spec(mail, QJsonObject { { QStringLiteral("to"), QStringLiteral("a@b.c") } }, priority);
        s.queue = queue;
        s.maxAttempts = maxAttempts;
        return submitOne(*m_engine, s);
    }
    void registerWorker(const QString& id, const QStringList& queues = {}, const QStringList& types = {})
    {
        WorkerRegistration registration;
        registration.id = id;
        registration.hostname = QStringLiteral("box");
        registration.pid = 42;
        registration.labels = { QStringLiteral("python") };
        registration.queues = queues;
        registration.jobTypes = types;
        valueOf(m_engine->registerWorker(registration));
    }
    EngineResult<QList<LeaseGrant>> leaseResult(const LeaseRequest& request)
    {
        Answer<EngineResult<QList<LeaseGrant>>> answer;
        m_engine->lease(request, &m_context, [&answer](const auto& result) { answer.value = result; });
        if (!QTest::qWaitFor([&] { return answer.arrived(); }, 5000))
            qFatal("no answer to a lease request");
        return *answer.value;
    }
    QList<LeaseGrant> lease(const QString& worker, int max = 1, qint64 reserveForMs = 0, const QStringList& queues = {})
    {
        LeaseRequest request;
        request.workerId = worker;
        request.max = max;
        request.reserveForMs = reserveForMs;
        request.queues = queues;
        return valueOf(leaseResult(request));
    }
    LeaseGrant leaseOne(const QString& worker, qint64 reserveForMs = 0)
    {
        const QList<LeaseGrant> grants = lease(worker, 1, reserveForMs);
        if (grants.size() != 1)
            qFatal("expected one lease, got %lld", qlonglong(grants.size()));
        return grants.constFirst();
    }
    template <typename Call> EngineResult<Job> finished(Call call)
    {
        Answer<EngineResult<Job>> answer;
        call([&answer](const EngineResult<Job>& result) { answer.value = result; });
        if (!QTest::qWaitFor([&] { return answer.arrived(); }, 5000))
            qFatal("no answer to complete/fail");
        return *answer.value;
    }
    EngineResult<Job> complete(const LeaseGrant& grant, const QJsonValue& result = QJsonValue(true))
    {
        return finished([&](Engine::FinishCallback done) {
            m_engine->completeLease(grant.job.id, grant.lease.token, result, &m_context, done);
        });
    }
    EngineResult<Job> fail(const LeaseGrant& grant, const WorkerFailure& failure)
    {
        return finished([&](Engine::FinishCallback done) {
            m_engine->failLease(grant.job.id, grant.lease.token, failure, &m_context, done);
        });
    }
    ExternalWorkerStatus worker(const QString& id)
    {
        for (const ExternalWorkerStatus& status : m_engine->externalWorkers()) {
            if (status.registration.id == id)
                return status;
        }
        qFatal("no worker %s", qPrintable(id));
    }
    std::unique_ptr<Engine> openEngine(std::unique_ptr<JobStore> store, EngineConfig engineConfig)
    {
        auto engine = std::make_unique<Engine>(engineConfig, std::move(store));
        QString error;
        if (!engine->open(&error))
            qFatal("engine failed to open: %s", qPrintable(error));
        engine->start();
        return engine;
    }

private Q_SLOTS:
    void init()
    {
        m_clock = epoch;
        m_engine = startedEngine(config());
        registerWorker(QStringLiteral("w1"));
    }
    void cleanup() { m_engine.reset(); }

    // --- which jobs wait for external workers ---------------------------------------------------

    void unknownTypeIsRefusedWithHowToDeclareIt()
    {
        const auto result = m_engine->submit({ spec(QStringLiteral("resize")) });
        QVERIFY(isError(result, "invalid_field"));
        const EngineError error = std::get<EngineError>(result);
        QCOMPARE(error.field, QStringLiteral("type"));
        QVERIFY2(error.message.contains(QLatin1StringView("--job-type resize")), qPrintable(error.message));
    }

    void declaredOrWorkerNamedTypesAreAccepted()
    {
        QVERIFY(isError(m_engine->submit({ spec(QStringLiteral("resize")) }), "invalid_field"));
        valueOf(m_engine->declareJobType(QStringLiteral("resize")));
        QCOMPARE(submitOne(*m_engine, spec(QStringLiteral("resize"))).status, JobStatus::Queued);
        QVERIFY(m_engine->declaredJobTypes().contains(QStringLiteral("resize")));

        QVERIFY(isError(m_engine->submit({ spec(QStringLiteral("thumbnail")) }), "invalid_field"));
        registerWorker(QStringLiteral("w2"), {}, { QStringLiteral("thumbnail") });
        QCOMPARE(submitOne(*m_engine, spec(QStringLiteral("thumbnail"))).status, JobStatus::Queued);

        QVERIFY(isError(m_engine->declareJobType(QString()), "invalid_field"));
    }

    void builtInSlotsNeverTakeExternalJobs()
    {
        const Job external = submitMail();
        const Job echo = submitOne(*m_engine, spec(QStringLiteral("echo"), 1));
        QTRY_COMPARE(statusOf(*m_engine, echo.id), JobStatus::Succeeded);
        const Job later = submitOne(*m_engine, spec(QStringLiteral("echo"), 2));
        QTRY_COMPARE(statusOf(*m_engine, later.id), JobStatus::Succeeded);
        QCOMPARE(statusOf(*m_engine, external.id), JobStatus::Queued);
        QCOMPARE(m_engine->queues().constFirst().depth, 1);
    }

    // --- leasing --------------------------------------------------------------------------------

    void leaseTakesQueuesInTheOrderGiven()
    {
        const Job a1 = submitMail(QStringLiteral("a"));
        const Job b1 = submitMail(QStringLiteral("b"));
        const Job b2 = submitMail(QStringLiteral("b"), 1, 5); // higher priority first within a queue
        const Job a2 = submitMail(QStringLiteral("a"));
        const QList<LeaseGrant> grants
            = lease(QStringLiteral("w1"), 3, 0, { QStringLiteral("b"), QStringLiteral("a") });
        QCOMPARE(grants.size(), 3);
        QCOMPARE(grants[0].job.id, b2.id);
        QCOMPARE(grants[1].job.id, b1.id);
        QCOMPARE(grants[2].job.id, a1.id);
        QCOMPARE(statusOf(*m_engine, a2.id), JobStatus::Queued);
        for (const LeaseGrant& grant : grants) {
            QCOMPARE(grant.job.status, JobStatus::Running);
            QCOMPARE(grant.job.attempts, 1);
            QCOMPARE(grant.job.worker, QStringLiteral("w1"));
            QCOMPARE(grant.lease.workerId, QStringLiteral("w1"));
            QCOMPARE(grant.lease.leasedAt, epoch);
            QCOMPARE(grant.lease.expiresAt, epoch + 30 * 60 * 1000); // reserve_for defaults to 30 min
            QCOMPARE(grant.lease.token.size(), 32);
            QCOMPARE(m_engine->job(grant.job.id)->worker, QStringLiteral("w1"));
        }
        QVERIFY(grants[0].lease.token != grants[1].lease.token);
        QCOMPARE(worker(QStringLiteral("w1")).state, WorkerState::Busy);
        QCOMPARE(worker(QStringLiteral("w1")).leases.size(), 3);
    }

    void leaseUsesTheRegisteredQueuesByDefault()
    {
        registerWorker(QStringLiteral("w2"), { QStringLiteral("low") });
        submitMail(QStringLiteral("default"));
        const Job low = submitMail(QStringLiteral("low"));
        const QList<LeaseGrant> grants = lease(QStringLiteral("w2"), 10);
        QCOMPARE(grants.size(), 1);
        QCOMPARE(grants[0].job.id, low.id);
    }

    void leaseRequestsAreValidated()
    {
        LeaseRequest request;
        request.workerId = QStringLiteral("w1");
        request.reserveForMs = 999; // below the 1 s minimum
        QVERIFY(isError(leaseResult(request), "invalid_field"));
        request.reserveForMs = 1000;
        request.max = 0;
        QVERIFY(isError(leaseResult(request), "invalid_field"));
        request.max = 1;
        request.queues = { QStringLiteral("bad queue!") };
        QVERIFY(isError(leaseResult(request), "invalid_field"));
        request.queues = {};
        request.workerId = QStringLiteral("nobody");
        QVERIFY(isError(leaseResult(request), "unknown_worker"));
    }

    void aLongPollIsAnsweredByTheNextSubmission()
    {
        Answer<EngineResult<QList<LeaseGrant>>> answer;
        LeaseRequest request;
        request.workerId = QStringLiteral("w1");
        request.waitMs = 30000;
        m_engine->lease(request, &m_context, [&answer](const auto& result) { answer.value = result; });
        QCoreApplication::processEvents();
        QVERIFY(!answer.arrived());
        const Job job = submitMail();
        QTRY_VERIFY(answer.arrived());
        const QList<LeaseGrant> grants = valueOf(*answer.value);
        QCOMPARE(grants.size(), 1);
        QCOMPARE(grants[0].job.id, job.id);
        QCOMPARE(statusOf(*m_engine, job.id), JobStatus::Running);
    }

    void aLongPollEndsEmptyAtItsDeadline()
    {
        Answer<EngineResult<QList<LeaseGrant>>> answer;
        LeaseRequest request;
        request.workerId = QStringLiteral("w1");
        request.waitMs = 5000;
        m_engine->lease(request, &m_context, [&answer](const auto& result) { answer.value = result; });
        advance(4999);
        QCoreApplication::processEvents();
        QVERIFY(!answer.arrived());
        advance(1);
        QTRY_VERIFY(answer.arrived());
        QVERIFY(valueOf(*answer.value).isEmpty());
    }

    void aCancelledLongPollTakesNoJob()
    {
        LeaseRequest request;
        request.workerId = QStringLiteral("w1");
        request.waitMs = 30000;
        bool answered = false;
        const quint64 handle = m_engine->lease(request, &m_context, [&answered](const auto&) { answered = true; });
        QVERIFY(handle != 0);
        m_engine->cancelLease(handle);
        const Job job = submitMail();
        QCoreApplication::processEvents();
        QVERIFY(!answered);
        QCOMPARE(statusOf(*m_engine, job.id), JobStatus::Queued);
    }

    void pausingAllProcessingStopsLeasing()
    {
        const Job first = submitMail();
        m_engine->setProcessingPaused(true);
        QVERIFY(lease(QStringLiteral("w1"), 5).isEmpty());
        QCOMPARE(statusOf(*m_engine, first.id), JobStatus::Queued);

        // A long poll waits through the pause, and takes the oldest job once processing resumes.
        Answer<EngineResult<QList<LeaseGrant>>> answer;
        LeaseRequest request;
        request.workerId = QStringLiteral("w1");
        request.waitMs = 30000;
        m_engine->lease(request, &m_context, [&answer](const auto& result) { answer.value = result; });
        const Job second = submitMail();
        QCoreApplication::processEvents();
        QVERIFY(!answer.arrived());
        QCOMPARE(statusOf(*m_engine, second.id), JobStatus::Queued);
        m_engine->setProcessingPaused(false);
        QTRY_VERIFY(answer.arrived());
        const QList<LeaseGrant> grants = valueOf(*answer.value);
        QCOMPARE(grants.size(), 1);
        QCOMPARE(grants[0].job.id, first.id);
        QCOMPARE(statusOf(*m_engine, first.id), JobStatus::Running);
    }

    void queueConcurrencyLimitsLeases()
    {
        valueOf(m_engine->setQueueConcurrency(QStringLiteral("default"), 1));
        submitMail();
        const Job second = submitMail();
        const QList<LeaseGrant> grants = lease(QStringLiteral("w1"), 5);
        QCOMPARE(grants.size(), 1);
        valueOf(complete(grants[0]));
        QCOMPARE(leaseOne(QStringLiteral("w1")).job.id, second.id);
    }

    // --- ending a lease -------------------------------------------------------------------------

    void completeSucceedsAndRecordsTheWorker()
    {
        const Job job = submitMail();
        const LeaseGrant grant = leaseOne(QStringLiteral("w1"));
        advance(250);
        const Job done = valueOf(complete(grant, QJsonObject { { QStringLiteral("sent"), true } }));
        QCOMPARE(done.status, JobStatus::Succeeded);
        const Job stored = m_engine->job(job.id).value();
        QCOMPARE(stored.status, JobStatus::Succeeded);
        QCOMPARE(stored.result.toObject().value(QLatin1StringView("sent")).toBool(), true);
        QCOMPARE(stored.history.size(), 1);
        QCOMPARE(stored.history[0].worker, QStringLiteral("w1"));
        QCOMPARE(stored.history[0].finishedAt - stored.history[0].startedAt, 250);
        QVERIFY(stored.worker.isEmpty());
        QCOMPARE(worker(QStringLiteral("w1")).state, WorkerState::Idle);
        // The same answer again, late: refused, the job stays as it is.
        QVERIFY(isError(complete(grant), "lease_lost"));
        QVERIFY(isError(fail(grant, { QStringLiteral("E"), QStringLiteral("late"), {} }), "lease_lost"));
    }

    void aForeignTokenIsRefused()
    {
        const Job first = submitMail();
        submitMail();
        const QList<LeaseGrant> grants = lease(QStringLiteral("w1"), 2);
        LeaseGrant forged = grants[0];
        forged.lease.token = grants[1].lease.token; // another job's token
        QVERIFY(isError(complete(forged), "lease_lost"));
        const auto extended = m_engine->extendLease(first.id, grants[1].lease.token);
        QVERIFY(isError(extended, "lease_lost"));
        QCOMPARE(std::get<EngineError>(extended).kind, EngineError::Kind::Conflict);
        QCOMPARE(statusOf(*m_engine, first.id), JobStatus::Running);
    }

    void failFollowsRetriesAndBackoff()
    {
        const Job job = submitMail(QStringLiteral("default"), 2);
        const LeaseGrant first = leaseOne(QStringLiteral("w1"));
        const Job afterFirst = valueOf(fail(first,
            { QStringLiteral("SMTPError"), QStringLiteral("connection refused"), QStringLiteral("at send()\n") }));
        QCOMPARE(afterFirst.status, JobStatus::Scheduled);
        QCOMPARE(afterFirst.error->code, QStringLiteral("SMTPError"));
        QCOMPARE(afterFirst.history[0].error->details, QStringLiteral("at send()\n"));
        QCOMPARE(afterFirst.history[0].worker, QStringLiteral("w1"));
        QVERIFY(lease(QStringLiteral("w1")).isEmpty()); // backing off
        advance(afterFirst.runAt - m_clock);
        const LeaseGrant second = leaseOne(QStringLiteral("w1"));
        QCOMPARE(second.job.id, job.id);
        QCOMPARE(second.job.attempts, 2);
        const Job failed = valueOf(fail(second, { {}, QStringLiteral("again"), {} }));
        QCOMPARE(failed.status, JobStatus::Failed);
        QCOMPARE(failed.error->code, QStringLiteral("worker_failed")); // no code given
        QCOMPARE(failed.history.size(), 2);
    }

    void anExpiredLeaseIsAFailedAttempt()
    {
        const Job job = submitMail(QStringLiteral("default"), 2);
        const LeaseGrant grant = leaseOne(QStringLiteral("w1"), 1000);
        QCOMPARE(grant.lease.expiresAt, epoch + 1000);
        valueOf(m_engine->beat(QStringLiteral("w1")));
        advance(999);
        QCOMPARE(statusOf(*m_engine, job.id), JobStatus::Running);
        advance(1);
        const Job expired = m_engine->job(job.id).value();
        QCOMPARE(expired.status, JobStatus::Scheduled); // a retry, after its backoff
        QCOMPARE(expired.error->code, QStringLiteral("lease_expired"));
        QCOMPARE(expired.history.size(), 1);
        QCOMPARE(expired.history[0].worker, QStringLiteral("w1"));
        QCOMPARE(m_engine->workerCounts().leaseExpiries, quint64(1));
        QVERIFY(isError(complete(grant), "lease_lost"));
        QVERIFY(isError(m_engine->extendLease(job.id, grant.lease.token), "lease_lost"));
        QVERIFY(isError(m_engine->reportProgress(job.id, grant.lease.token, 0.5, {}), "lease_lost"));

        advance(expired.runAt - m_clock);
        const LeaseGrant again = leaseOne(QStringLiteral("w1"), 1000);
        advance(1000);
        const Job failed = m_engine->job(job.id).value();
        QCOMPARE(failed.status, JobStatus::Failed); // no attempts left
        QCOMPARE(failed.error->code, QStringLiteral("lease_expired"));
        Q_UNUSED(again);
    }

    void extendMovesTheExpiry()
    {
        const Job job = submitMail();
        const LeaseGrant grant = leaseOne(QStringLiteral("w1"), 2000);
        advance(1500);
        LeaseStatus status = valueOf(m_engine->extendLease(job.id, grant.lease.token));
        QCOMPARE(status.lease.expiresAt, m_clock + 2000);
        QVERIFY(!status.cancelled);
        QCOMPARE(status.directive, WorkerDirective::Ok);
        advance(1999);
        QCOMPARE(statusOf(*m_engine, job.id), JobStatus::Running);
        status = valueOf(m_engine->extendLease(job.id, grant.lease.token, 5000)); // a new reserve_for
        QCOMPARE(status.lease.expiresAt, m_clock + 5000);
        QVERIFY(isError(m_engine->extendLease(job.id, grant.lease.token, 10), "invalid_field"));
        advance(5000);
        QCOMPARE(statusOf(*m_engine, job.id), JobStatus::Failed);
    }

    void progressIsShownOnTheJobAndTheLease()
    {
        const Job job = submitMail();
        const LeaseGrant grant = leaseOne(QStringLiteral("w1"));
        const LeaseStatus status
            = valueOf(m_engine->reportProgress(job.id, grant.lease.token, 0.5, QStringLiteral("half way")));
        QCOMPARE(status.lease.progress, 0.5);
        QCOMPARE(m_engine->job(job.id)->progress, 0.5);
        const Lease shown = worker(QStringLiteral("w1")).leases.constFirst();
        QCOMPARE(shown.progressMessage, QStringLiteral("half way"));
        QVERIFY(isError(m_engine->reportProgress(job.id, grant.lease.token, 1.5, {}), "invalid_field"));
        QVERIFY(isError(m_engine->reportProgress(job.id, grant.lease.token, qQNaN(), {}), "invalid_field"));
    }

    void expireLeaseNowFailsTheAttempt()
    {
        const Job job = submitMail(QStringLiteral("default"), 3);
        leaseOne(QStringLiteral("w1"));
        const Job expired = valueOf(m_engine->expireLease(job.id));
        QCOMPARE(expired.status, JobStatus::Scheduled);
        QCOMPARE(expired.history.constLast().error->code, QStringLiteral("lease_expired"));
        QVERIFY(isError(m_engine->expireLease(job.id), "conflict")); // not leased any more
        QVERIFY(isError(m_engine->expireLease(9999), "not_found"));
    }

    // --- cancel ---------------------------------------------------------------------------------

    void aCancelIsToldOnTheNextBeat()
    {
        const Job job = submitMail(QStringLiteral("default"), 3);
        const LeaseGrant grant = leaseOne(QStringLiteral("w1"));
        QCOMPARE(valueOf(m_engine->cancel(job.id)).status, JobStatus::Running);
        QVERIFY(worker(QStringLiteral("w1")).leases.constFirst().cancelRequested);
        const BeatAnswer beat = valueOf(m_engine->beat(QStringLiteral("w1")));
        QCOMPARE(beat.cancelledJobs, QList<JobId> { job.id });
        QCOMPARE(statusOf(*m_engine, job.id), JobStatus::Cancelled);
        QVERIFY(isError(complete(grant), "lease_lost"));
        QVERIFY(valueOf(m_engine->beat(QStringLiteral("w1"))).cancelledJobs.isEmpty());
    }

    void aCancelIsToldOnTheNextExtend()
    {
        const Job job = submitMail();
        const LeaseGrant grant = leaseOne(QStringLiteral("w1"));
        valueOf(m_engine->cancel(job.id));
        const LeaseStatus status = valueOf(m_engine->extendLease(job.id, grant.lease.token));
        QVERIFY(status.cancelled);
        QCOMPARE(statusOf(*m_engine, job.id), JobStatus::Cancelled);
    }

    void aJobCompletedAfterItsCancelEndsCancelled()
    {
        const Job job = submitMail();
        const LeaseGrant grant = leaseOne(QStringLiteral("w1"));
        valueOf(m_engine->cancel(job.id));
        QCOMPARE(valueOf(complete(grant)).status, JobStatus::Cancelled);
    }

    void aCancelledJobWhoseLeaseExpiresIsNotRetried()
    {
        const Job job = submitMail(QStringLiteral("default"), 5);
        leaseOne(QStringLiteral("w1"), 1000);
        valueOf(m_engine->cancel(job.id));
        advance(1000);
        QCOMPARE(statusOf(*m_engine, job.id), JobStatus::Cancelled);
    }

    // --- heartbeats and directives --------------------------------------------------------------

    void aSilentWorkerIsGoneAndItsLeasesExpire()
    {
        const Job job = submitMail(QStringLiteral("default"), 2);
        leaseOne(QStringLiteral("w1")); // 30 min lease, but the worker goes silent
        advance(6000);
        valueOf(m_engine->beat(QStringLiteral("w1")));
        advance(9999);
        QCOMPARE(worker(QStringLiteral("w1")).state, WorkerState::Busy);
        advance(1);
        QCOMPARE(worker(QStringLiteral("w1")).state, WorkerState::Gone);
        QVERIFY(worker(QStringLiteral("w1")).leases.isEmpty());
        const Job expired = m_engine->job(job.id).value();
        QCOMPARE(expired.status, JobStatus::Scheduled);
        QCOMPARE(expired.error->code, QStringLiteral("lease_expired"));
        QCOMPARE(m_engine->workerCounts().gone, 1);
        // It comes back: alive again, without its old leases.
        QCOMPARE(valueOf(m_engine->beat(QStringLiteral("w1"))).directive, WorkerDirective::Ok);
        QCOMPARE(worker(QStringLiteral("w1")).state, WorkerState::Idle);
    }

    void aWorkerInALongPollIsNotGone()
    {
        LeaseRequest request;
        request.workerId = QStringLiteral("w1");
        request.waitMs = 60000;
        bool answered = false;
        m_engine->lease(request, &m_context, [&answered](const auto&) { answered = true; });
        for (int i = 0; i < 5; ++i)
            advance(5000);
        QCOMPARE(worker(QStringLiteral("w1")).state, WorkerState::Idle);
        QCOMPARE(answered, false);
    }

    void quietAndStopAreTheAnswerToABeat()
    {
        registerWorker(QStringLiteral("w2"));
        submitMail();
        QCOMPARE(valueOf(m_engine->setWorkerDirective(QStringLiteral("w1"), WorkerDirective::Quiet)).state,
            WorkerState::Quiet);
        QCOMPARE(valueOf(m_engine->beat(QStringLiteral("w1"))).directive, WorkerDirective::Quiet);
        QVERIFY(lease(QStringLiteral("w1")).isEmpty()); // a quiet worker takes no new jobs
        QCOMPARE(valueOf(m_engine->beat(QStringLiteral("w2"))).directive, WorkerDirective::Ok);
        valueOf(m_engine->setWorkerDirective(QStringLiteral("w1"), WorkerDirective::Ok));
        QCOMPARE(lease(QStringLiteral("w1")).size(), 1);

        m_engine->setAllWorkersDirective(WorkerDirective::Terminate);
        QCOMPARE(valueOf(m_engine->beat(QStringLiteral("w1"))).directive, WorkerDirective::Terminate);
        QCOMPARE(valueOf(m_engine->beat(QStringLiteral("w2"))).directive, WorkerDirective::Terminate);
        QVERIFY(
            isError(m_engine->setWorkerDirective(QStringLiteral("nobody"), WorkerDirective::Quiet), "unknown_worker"));
        QVERIFY(isError(m_engine->beat(QStringLiteral("nobody")), "unknown_worker"));
    }

    void aQuietWorkersLongPollWaitsAndGetsNoJob()
    {
        Answer<EngineResult<QList<LeaseGrant>>> answer;
        LeaseRequest request;
        request.workerId = QStringLiteral("w1");
        request.waitMs = 30000;
        m_engine->lease(request, &m_context, [&answer](const auto& result) { answer.value = result; });
        valueOf(m_engine->setWorkerDirective(QStringLiteral("w1"), WorkerDirective::Quiet));
        const Job job = submitMail();
        QCoreApplication::processEvents();
        QVERIFY(!answer.arrived()); // no busy loop of empty answers
        advance(30000);
        QTRY_VERIFY(answer.arrived());
        QVERIFY(valueOf(*answer.value).isEmpty());
        QCOMPARE(statusOf(*m_engine, job.id), JobStatus::Queued);

        // Told Ok while it waits: the job is its.
        answer.value.reset();
        m_engine->lease(request, &m_context, [&answer](const auto& result) { answer.value = result; });
        QCoreApplication::processEvents();
        QVERIFY(!answer.arrived());
        valueOf(m_engine->setWorkerDirective(QStringLiteral("w1"), WorkerDirective::Ok));
        QTRY_VERIFY(answer.arrived());
        QCOMPARE(valueOf(*answer.value).constFirst().job.id, job.id);
    }

    void registrationIsValidated()
    {
        WorkerRegistration registration;
        QVERIFY(isError(m_engine->registerWorker(registration), "invalid_field"));
        registration.id = QStringLiteral("w\n");
        QVERIFY(isError(m_engine->registerWorker(registration), "invalid_field"));
        registration.id = QStringLiteral("w3");
        registration.queues = { QStringLiteral("no spaces allowed") };
        QVERIFY(isError(m_engine->registerWorker(registration), "invalid_field"));
        registration.queues = {};
        const ExternalWorkerStatus status = valueOf(m_engine->registerWorker(registration));
        QCOMPARE(status.registration.queues, QStringList { QStringLiteral("default") });
        QCOMPARE(status.state, WorkerState::Idle);
    }

    // --- graceful stop --------------------------------------------------------------------------

    void aStopEndsLongPollsAndLeasing()
    {
        Answer<EngineResult<QList<LeaseGrant>>> answer;
        LeaseRequest request;
        request.workerId = QStringLiteral("w1");
        request.waitMs = 30000;
        m_engine->lease(request, &m_context, [&answer](const auto& result) { answer.value = result; });
        const Job job = submitMail();
        QTRY_VERIFY(answer.arrived());
        const LeaseGrant grant = valueOf(*answer.value).constFirst();

        m_engine->stop(60000);
        QCOMPARE(m_engine->state(), EngineState::Draining); // a lease is held
        QCOMPARE(valueOf(m_engine->beat(QStringLiteral("w1"))).directive, WorkerDirective::Quiet);
        QVERIFY(lease(QStringLiteral("w1")).isEmpty());
        QSignalSpy stopped(m_engine.get(), &Engine::stateChanged);
        QCOMPARE(valueOf(complete(grant)).status, JobStatus::Succeeded); // finishing is still allowed
        QTRY_COMPARE(m_engine->state(), EngineState::Stopped);
        QCOMPARE(statusOf(*m_engine, job.id), JobStatus::Succeeded);
    }

    void leasedJobsGoBackToTheQueueAtTheDrainDeadline()
    {
        const Job job = submitMail();
        const LeaseGrant grant = leaseOne(QStringLiteral("w1"));
        m_engine->stop(0);
        QTRY_COMPARE(m_engine->state(), EngineState::Stopped);
        const Job back = m_engine->job(job.id).value();
        QCOMPARE(back.status, JobStatus::Queued);
        // The cut-off attempt is in its history, with the worker that held it, and uses none up.
        QCOMPARE(back.attempts, 1);
        QCOMPARE(back.maxAttempts, job.maxAttempts + 1);
        QCOMPARE(back.history.size(), 1);
        QCOMPARE(back.history.first().error.value().code, QStringLiteral("interrupted"));
        QCOMPARE(back.history.first().worker, QStringLiteral("w1"));
        QVERIFY(back.worker.isEmpty());
        QVERIFY(isError(complete(grant), "lease_lost"));
        m_engine->start();
        QCOMPARE(leaseOne(QStringLiteral("w1")).job.id, job.id);
    }

    // --- the dashboard's view -------------------------------------------------------------------

    void snapshotsAndCountsShowWorkersAndLeases()
    {
        registerWorker(QStringLiteral("w2"));
        registerWorker(QStringLiteral("w3"));
        valueOf(m_engine->setWorkerDirective(QStringLiteral("w3"), WorkerDirective::Quiet));
        const Job job = submitMail();
        const LeaseGrant grant = leaseOne(QStringLiteral("w1"), 60000);

        SnapshotSpy snapshots(m_engine.get());
        QTRY_VERIFY(!snapshots.isEmpty());
        const auto latest = [&] { return snapshots.constLast().constFirst().value<EngineSnapshot>(); };
        QTRY_COMPARE(latest().externalWorkers.size(), 3);
        const ExternalWorkerStatus shown = latest().externalWorkers.constFirst();
        QCOMPARE(shown.registration.id, QStringLiteral("w1"));
        QCOMPARE(shown.registration.hostname, QStringLiteral("box"));
        QCOMPARE(shown.registration.pid, 42);
        QCOMPARE(shown.registration.labels, QStringList { QStringLiteral("python") });
        QCOMPARE(shown.state, WorkerState::Busy);
        QCOMPARE(shown.lastSeenAt, epoch);
        QCOMPARE(shown.leases.size(), 1);
        QCOMPARE(shown.leases[0].jobId, job.id);
        QCOMPARE(shown.leases[0].expiresAt, epoch + 60000);
        QCOMPARE(shown.leases[0].token, grant.lease.token);

        const WorkerCounts counts = m_engine->workerCounts();
        QCOMPARE(counts.busy, 1);
        QCOMPARE(counts.idle, 1);
        QCOMPARE(counts.quiet, 1);
        QCOMPARE(counts.gone, 0);
        QCOMPARE(counts.leases, 1);
        QCOMPARE(counts.leasesGranted, quint64(1));
    }

    // --- durability (a real SQLite file) --------------------------------------------------------

    void leasesAndOutcomesAreCommittedBeforeTheyAreAnswered()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("jobs.db"));
        const auto closeBeforeTheDirectoryGoes = qScopeGuard([this] { m_engine.reset(); });
        auto store = std::make_unique<SqliteJobStore>(path, SqliteJobStore::Sync::Normal);
        SqliteJobStore* sqlite = store.get();
        m_engine = openEngine(std::move(store), config());
        registerWorker(QStringLiteral("w1"));
        const Job job = submitMail();
        QTRY_COMPARE(sqlite->stats().insertedRows, quint64(1));

        // A lease whose commit fails is refused, and its job goes back as if never leased.
        sqlite->setUnavailable(QStringLiteral("Simulated write failure"));
        LeaseRequest request;
        request.workerId = QStringLiteral("w1");
        QVERIFY(isError(leaseResult(request), "storage_failed"));
        QTRY_COMPARE(statusOf(*m_engine, job.id), JobStatus::Queued);
        QCOMPARE(m_engine->job(job.id)->attempts, 0);
        sqlite->setUnavailable({});

        const quint64 commitsBefore = sqlite->stats().commits;
        const LeaseGrant grant = leaseOne(QStringLiteral("w1"));
        QVERIFY(sqlite->stats().commits > commitsBefore);
        const quint64 commitsAtLease = sqlite->stats().commits;
        QCOMPARE(valueOf(complete(grant)).status, JobStatus::Succeeded);
        QVERIFY(sqlite->stats().commits > commitsAtLease);

        m_engine.reset(); // closes the store
        auto reopened = std::make_unique<SqliteJobStore>(path, SqliteJobStore::Sync::Normal);
        QString error;
        QVERIFY2(reopened->open(&error), qPrintable(error));
        const Job stored = reopened->find(job.id).value();
        QCOMPARE(stored.status, JobStatus::Succeeded);
        QCOMPARE(stored.history.size(), 1);
        QCOMPARE(stored.history[0].worker, QStringLiteral("w1"));
    }

    void declaredTypesSurviveARestart()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("jobs.db"));
        const auto closeBeforeTheDirectoryGoes = qScopeGuard([this] { m_engine.reset(); });
        m_engine = openEngine(std::make_unique<SqliteJobStore>(path, SqliteJobStore::Sync::Normal), config());
        valueOf(m_engine->declareJobType(QStringLiteral("resize")));
        m_engine.reset();

        EngineConfig restarted = config();
        restarted.declaredJobTypes = { QStringLiteral("thumbnail") };
        m_engine = openEngine(std::make_unique<SqliteJobStore>(path, SqliteJobStore::Sync::Normal), restarted);
        QCOMPARE(m_engine->declaredJobTypes(),
            (QStringList { mail, QStringLiteral("resize"), QStringLiteral("thumbnail") }));
        QCOMPARE(submitOne(*m_engine, spec(QStringLiteral("resize"))).status, JobStatus::Queued);
        m_engine.reset();

        restarted.declaredJobTypes.clear();
        m_engine = openEngine(std::make_unique<SqliteJobStore>(path, SqliteJobStore::Sync::Normal), restarted);
        QCOMPARE(m_engine->declaredJobTypes(),
            (QStringList { mail, QStringLiteral("resize"), QStringLiteral("thumbnail") }));
    }

    void aRestartRequeuesLeasedJobsAsANewAttempt_data()
    {
        QTest::addColumn<int>("maxAttempts");
        QTest::newRow("attempts left") << 2;
        QTest::newRow("last attempt") << 1;
    }
    void aRestartRequeuesLeasedJobsAsANewAttempt()
    {
        QFETCH(int, maxAttempts);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("jobs.db"));
        const auto closeBeforeTheDirectoryGoes = qScopeGuard([this] { m_engine.reset(); });
        m_engine = openEngine(std::make_unique<SqliteJobStore>(path, SqliteJobStore::Sync::Normal), config());
        registerWorker(QStringLiteral("w1"));
        const Job job = submitMail(QStringLiteral("default"), maxAttempts);
        const LeaseGrant grant = leaseOne(QStringLiteral("w1"));
        // The lease is committed when answered; what the store holds now is what a kill -9 leaves.
        m_engine.reset();

        EngineConfig restarted = config();
        restarted.declaredJobTypes.clear(); // the stored job's type is accepted again by itself
        m_engine = openEngine(std::make_unique<SqliteJobStore>(path, SqliteJobStore::Sync::Normal), restarted);
        const Job recovered = m_engine->job(job.id).value();
        QCOMPARE(recovered.history.size(), 1);
        QCOMPARE(recovered.history[0].error->code, QStringLiteral("lease_expired"));
        QCOMPARE(recovered.history[0].worker, QStringLiteral("w1"));
        QVERIFY(recovered.worker.isEmpty());
        QVERIFY(m_engine->declaredJobTypes().contains(mail));
        registerWorker(QStringLiteral("w1"));
        QVERIFY(isError(complete(grant), "lease_lost")); // the old token is void
        if (maxAttempts == 1) {
            QCOMPARE(recovered.status, JobStatus::Failed);
            QVERIFY(lease(QStringLiteral("w1")).isEmpty());
            return;
        }
        QCOMPARE(recovered.status, JobStatus::Queued);
        const LeaseGrant again = leaseOne(QStringLiteral("w1"));
        QCOMPARE(again.job.id, job.id);
        QCOMPARE(again.job.attempts, 2);
        QCOMPARE(valueOf(complete(again)).status, JobStatus::Succeeded);
    }
};

QTEST_GUILESS_MAIN(TestLeases)
#include "tst_leases.moc"
