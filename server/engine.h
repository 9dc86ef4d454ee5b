#pragma once

#include "engineclock.h"
#include "faults.h"
#include "handlerregistry.h"
#include "jobquery.h"
#include "jobspec.h"
#include "jobstore.h"
#include "snapshot.h"
#include "workers.h"

#include <QObject>

#include <functional>
#include <memory>
#include <variant>

class DeliverySettings;
class EngineCore;

struct EngineConfig
{
    int workers = 0; // 0: QThread::idealThreadCount()
    qint64 maxQueued = 0; // 0: Limits::maxQueued
    int drainTimeoutSecs = -1; // -1: Limits::drainTimeoutSecs
    int snapshotIntervalMs = -1; // -1: Limits::snapshotIntervalMs
    HandlerOptions handlers;
    // Extra job types beside the built-in ones (embedders and tests).
    std::function<void(HandlerRegistry&)> registerHandlers;
    // The engine's clock in ms since the epoch: due times, backoff, timestamps. Empty: the system
    // clock. Tests inject a manual one, advance it and call Engine::runDueJobs() instead of waiting.
    std::function<qint64()> clock;
    // Start with the clock virtual (--clock virtual): frozen until advanced (see EngineClock).
    bool virtualClock = false;
    qint64 retryBaseMs = 0; // 0: Limits::retryBaseMs; backoff base * 2^(attempt-1), +-20% jitter
    qint64 retryMaxMs = 0; // 0: Limits::retryMaxMs; the cap of one backoff
    // An external worker not seen (beat, lease, extend, ...) for this long is gone: its leases
    // expire. 0: Limits::workerGoneMs.
    qint64 workerGoneMs = 0;
    // Job types without a built-in handler that submissions may use (--job-type): their jobs
    // wait for external workers.
    QStringList declaredJobTypes;
};

// Why the engine refused an operation, mapped 1:1 to an HTTP status by the API layer.
struct EngineError
{
    enum class Kind { Invalid, Forbidden, NotFound, Conflict, Unavailable, QueueFull, Storage };
    Kind kind;
    QString code; // machine-readable, e.g. "queue_full"
    QString message;
    QString field; // Invalid: which field
    int retryAfterSecs = 0; // a 503's Retry-After; 0: the status's default
};

template <typename T> using EngineResult = std::variant<T, EngineError>;

struct QueueInfo
{
    QString name;
    qint64 depth = 0; // queued, ready to run
    qint64 scheduled = 0;
    int running = 0;
    bool paused = false;
    int concurrency = 0; // 0: no limit beyond the worker count
    // Its jobs that ended, as the store holds them (across restarts; deleted ones leave): processed
    // counts the succeeded and the failed ones, failed the failed ones.
    qint64 processed = 0;
    qint64 failed = 0;
    qint64 finishedLastMinute = 0; // throughput: its jobs that ended in the last 60 whole seconds
    // The age of its oldest queued job (the one submitted first) by the engine's clock; -1: none.
    qint64 oldestQueuedMs = -1;
};

// The newest state of a range of jobs, for views that reconcile what they show.
struct CurrentJobs
{
    // The engine's last change (EngineSnapshot::changeSeq) before the jobs were read: each
    // state is at least this new, so a view keeps a row it learnt from a later change.
    quint64 changeSeq = 0;
    QList<Job> jobs; // newest id first; ids without a job (never stored, or pruned) are left out
};

// Acting on every job that passes a filter at once (Engine::bulk, POST /jobs/bulk/{action}).
enum class BulkAction {
    Retry, // failed jobs (or cancelled ones, when the filter's status says so) run again
    Cancel, // queued and scheduled jobs are cancelled; running ones are left alone
    Delete, // finished jobs are deleted from the store
};

struct BulkOutcome
{
    qint64 count = 0; // jobs acted on; for a dry run, the jobs it would act on
    qint64 skipped = 0; // matched but left alone: a retry of a type this server does not run
    std::optional<EngineError> stopped; // why it stopped before the end (a full queue), if it did
};

struct EngineStats
{
    EngineState state = EngineState::Stopped;
    StatusCounts counts {};
    qint64 queueDepth = 0;
    qint64 runnable = 0; // of queueDepth, not held by a paused queue or a concurrency limit
    bool processingPaused = false; // Engine::setProcessingPaused()
    int workerCount = 0;
    int busyWorkers = 0;
    Throughput throughput;
    quint64 submittedTotal = 0;
    quint64 finishedTotal = 0;
};

// The job engine: queue, worker pool, scheduler, store. Every public method is thread-safe and
// never blocks on a running job; signals arrive on the thread of the receiver's choice.
//
// Lifecycle: Stopped --start()--> Running --stopIntake()--> Draining --(running jobs done or the
// drain deadline passed)--> Stopped. Queued jobs stay queued through a stop.
class Engine : public QObject
{
    Q_OBJECT
public:
    Engine(const EngineConfig& config, std::unique_ptr<JobStore> store, QObject* parent = nullptr);
    ~Engine() override;

    // Opens the store, recovers unfinished jobs and starts the workers. False with a message.
    bool open(QString* error);
    void start(); // accept and run jobs
    // Refuse new jobs; running jobs get `deadlineMs` (-1: the configured drain timeout), then
    // are cancelled and put back in the queue. stateChanged(Stopped) follows.
    void stop(int deadlineMs = -1);
    void stopNow() { stop(0); }
    EngineState state() const;

    // Submissions (POST /jobs and /jobs/batch): all accepted or none. `onDurable` runs once the
    // jobs survive a crash (at once with the in-memory store), on an unspecified thread. Errors
    // of a batch name the job's index ("jobs[3].type").
    EngineResult<QList<Job>> submit(
        const QList<JobSpec>& specs, JobStore::DurableCallback onDurable = {}, bool batch = false);
    std::optional<Job> job(JobId id) const;
    JobPage listJobs(const JobQuery& query) const;
    EngineResult<Job> cancel(JobId id);
    EngineResult<Job> retry(JobId id);
    // A scheduled job (delayed, or waiting out a retry's backoff) goes into its queue now.
    EngineResult<Job> runNow(JobId id);
    // The newest state of every job with an id in [fromId, toId], whether its last change is
    // stored yet or not (listJobs() may lag a commit behind). At most maxCurrentJobs ids: a
    // larger range is cut at its low end. Reads the store: call it off the GUI thread.
    CurrentJobs currentJobs(JobId fromId, JobId toId) const;
    static constexpr int maxCurrentJobs = 10000;
    // The jobs of a page of listJobs(query), each in its newest state as currentJobs() reads
    // it (the page may be a commit behind), in the page's order: for views that bring a query's
    // result in beside the rows they follow. Reads the store: call it off the GUI thread.
    CurrentJobs findJobs(const JobQuery& query) const;

    // Acts on every job that passes `filter` (queue, type, error code; its status, if set, must
    // be one the action applies to, else every status it applies to: Retry failed (or cancelled),
    // Cancel queued and scheduled, Delete succeeded, failed and cancelled) and returns once what
    // it did is committed to the store. `dryRun` only counts. Blocks for as long as the store
    // takes: call it off the GUI and HTTP threads.
    EngineResult<BulkOutcome> bulk(BulkAction action, const JobQuery& filter, bool dryRun);
    static QList<JobStatus> bulkStatuses(BulkAction action); // those it may apply to, default first
    JobId lastJobId() const; // the highest id given so far

    // Calls `callback(job)` on `context`'s thread once the job is finished (at once if it is).
    // Returns a handle for cancelWait(); 0 when the job is unknown.
    quint64 waitForFinish(JobId id, QObject* context, std::function<void(const Job&)> callback);
    void cancelWait(quint64 handle);

    QList<QueueInfo> queues() const;
    // Moves scheduled jobs that are due by the engine's clock into their queues now. The
    // scheduler's timer does this by itself; tests with a manual clock call it after advancing it.
    void runDueJobs();
    EngineResult<QueueInfo> setQueuePaused(const QString& name, bool paused);
    EngineResult<QueueInfo> setQueueConcurrency(const QString& name, int limit);
    // Forgets an empty queue and its settings (DELETE /queues/{name}): 409 while it holds jobs.
    EngineResult<QueueInfo> deleteQueue(const QString& name);
    // Pause all processing: no job starts, in a worker slot or through a lease (HTTP workers and
    // Faktory's FETCH alike), while submissions are still accepted and wait in their queues.
    // Running jobs finish. Kept in the store across restarts, like a queue's pause.
    void setProcessingPaused(bool paused);
    bool isProcessingPaused() const;

    EngineStats stats() const;
    // Why jobs cannot be stored any more (the database file was deleted, replaced or truncated
    // while QueueLab ran): submissions answer 503 storage_lost. Empty while they can.
    QString storageProblem() const;
    int workerCount() const;
    void setWorkerCount(int count);
    QStringList jobTypes() const;
    // Submissions from `thread`, whose event loop must keep running, wake workers once per
    // event-loop pass instead of once per job (the HTTP thread: fewer context switches).
    void deferWakeupsOn(QThread* thread);
    QJsonValue examplePayload(const QString& type) const;

    // Histograms for /metrics: cumulative counts per upper bound (seconds), plus sum and count.
    struct Histogram
    {
        QList<double> bounds;
        QList<quint64> cumulative;
        double sum = 0;
        quint64 count = 0;
    };
    Histogram waitHistogram() const;
    Histogram runHistogram() const;

    // --- Deliveries: http jobs and completion callbacks ------------------------------------------
    // Set at start from EngineConfig::handlers (--allow-http-target, --webhook-secret) and
    // changed here (the dashboard's delivery settings) for the requests sent from then on, and
    // for the submissions checked from then on. Kept in memory: a restart starts from the flags.
    QStringList allowedHttpTargets() const;
    // Errors: Invalid with field "allowed_targets" when an entry is not HOST or HOST:PORT.
    EngineResult<QStringList> setAllowedHttpTargets(const QStringList& targets);
    QString webhookSecret() const; // empty: deliveries go unsigned
    // Errors: Invalid with field "webhook_secret" unless empty or whsec_<base64>.
    EngineResult<QString> setWebhookSecret(const QString& secret);
    // The settings themselves, for the built-in sink, which verifies signatures with the secret.
    std::shared_ptr<const DeliverySettings> deliverySettings() const;

    // --- The clock (see engineclock.h) -----------------------------------------------------------
    // Every time the engine keeps follows it: due times, backoff, job timeouts, leases and
    // worker-gone, the drain deadline, the sleep type and the jobs' timestamps. Switching and
    // advancing do what became due before they return; clockChanged() follows.
    EngineClock::State clockState() const;
    EngineClock::State setVirtualClock(bool isVirtual);
    // Errors: Invalid (`ms` not in 1..Limits::maxClockAdvanceMs), Conflict "clock_not_virtual".
    EngineResult<EngineClock::State> advanceClock(qint64 ms);
    // To the next scheduled job, lease expiry, worker-gone or drain deadline; Conflict
    // "nothing_due" when none waits, "clock_not_virtual" when the clock is real.
    EngineResult<EngineClock::State> advanceClockToNextDue();
    const EngineClock& clock() const; // for reading it; switch and advance through the Engine

    // --- External workers (see workers.h) -------------------------------------------------------
    // A job whose type has no built-in handler waits in its queue for an external worker; no
    // built-in slot ever takes it. Each call below from a worker counts as a sign of life.
    //
    // Errors: Invalid (a bad argument, `field` names it), NotFound with code "unknown_worker" (not
    // registered, or forgotten: register again), Conflict with code "lease_lost" (the token is not
    // the job's current lease: it expired, ended, or belongs to another attempt; 409 in HTTP).

    // Accepts a type without a built-in handler from now on (and persists it where the store can).
    EngineResult<QString> declareJobType(const QString& type);
    QStringList declaredJobTypes() const;

    EngineResult<ExternalWorkerStatus> registerWorker(const WorkerRegistration& registration);
    // Leases up to `request.max` ready jobs of the request's queues, in the order given. When none
    // is ready, waits up to `request.waitMs` for one. `callback` runs on `context`'s thread, always
    // asynchronously, once the leases are committed to the store (an empty list: none came in
    // time, or the engine is not running; a quiet worker gets none, after waitMs). Returns a handle for
    // cancelLease() (a client that went away), 0 if the answer is already on its way.
    using LeaseCallback = std::function<void(const EngineResult<QList<LeaseGrant>>&)>;
    quint64 lease(const LeaseRequest& request, QObject* context, LeaseCallback callback);
    void cancelLease(quint64 handle);
    // Leases whose answer could not be delivered (the worker's connection was gone): the jobs go
    // back to their queues at once, the attempt uncounted, as if never leased. Leases that ended
    // meanwhile are left alone.
    void returnLeases(const QList<LeaseGrant>& grants);
    // Moves the lease's expiry to now + `reserveForMs` (0: the lease's own reserve_for).
    EngineResult<LeaseStatus> extendLease(JobId id, const QString& token, qint64 reserveForMs = 0);
    // `fraction` in 0..1; the message is shown beside the job.
    EngineResult<LeaseStatus> reportProgress(JobId id, const QString& token, double fraction, const QString& message);
    // Ends the attempt; `callback` runs on `context`'s thread once the outcome is committed, with
    // the job as it is then (succeeded; or cancelled if it was cancelled meanwhile; for fail():
    // scheduled for a retry or failed).
    using FinishCallback = std::function<void(const EngineResult<Job>&)>;
    void completeLease(
        JobId id, const QString& token, const QJsonValue& result, QObject* context, FinishCallback callback);
    void failLease(
        JobId id, const QString& token, const WorkerFailure& failure, QObject* context, FinishCallback callback);
    EngineResult<BeatAnswer> beat(const QString& workerId);

    QList<ExternalWorkerStatus> externalWorkers() const; // by id, gone ones included
    WorkerCounts workerCounts() const;
    // Quiet and Stop for one worker (the answer to its next beat), or for all; Ok resumes.
    EngineResult<ExternalWorkerStatus> setWorkerDirective(const QString& workerId, WorkerDirective directive);
    void setAllWorkersDirective(WorkerDirective directive);
    // "Expire lease now": the attempt fails with lease_expired and the job follows its retries.
    EngineResult<Job> expireLease(JobId id);

    // --- Faults (see faults.h): failures injected on purpose, in memory only --------------------
    // Errors: Invalid (`field` names the API's field), Conflict "too_many_faults", NotFound.
    EngineResult<Fault> addFault(const FaultSpec& spec);
    QList<Fault> faults() const; // on now, oldest first
    EngineResult<Fault> removeFault(const QString& id);
    int clearFaults(); // returns how many were on
    FaultCounts faultCounts() const; // injected since start, per kind
    // What the HTTP layer does to one request (http_latency and http_drop faults).
    HttpFaultDecision httpFault() const;

Q_SIGNALS:
    void stateChanged(EngineState state);
    // Coalesced: at most one per snapshot interval, and only when something changed.
    void snapshotReady(const EngineSnapshot& snapshot);
    // The clock was switched or advanced (queued; read clockState()).
    void clockChanged();

protected:
    void connectNotify(const QMetaMethod& signal) override;

private:
    std::unique_ptr<EngineCore> d;
};
