#pragma once

#include "delivery/deliverysettings.h"
#include "engine.h"
#include "engineclock.h"
#include "faultset.h"
#include "joblifecycle.h"
#include "jobqueue.h"
#include "jobwaiters.h"
#include "leasetable.h"
#include "queuethroughput.h"
#include "spinningmutex.h"
#include "throughputstats.h"
#include "workerregistry.h"

#include <QAtomicInteger>
#include <QHash>
#include <QMutex>
#include <QPointer>
#include <QThread>
#include <QThreadPool>
#include <QWaitCondition>

#include <memory>
#include <set>

class EngineTimers;

// The engine's state and its workers. Engine is the public face; this is the machinery.
//
// Threads: workers are long-running loops on m_pool (one per worker slot); HTTP and GUI threads
// call in through Engine; m_timerThread runs the scheduler, drain deadline and snapshot timers.
// Everything below m_mutex is guarded by it; a job's handler runs with the mutex released.
class EngineCore
{
public:
    EngineCore(Engine* q, const EngineConfig& config, std::unique_ptr<JobStore> store);
    ~EngineCore();

    bool open(QString* error);
    void start();
    void stop(int deadlineMs);
    EngineState state() const;

    EngineResult<QList<Job>> submit(const QList<JobSpec>& specs, JobStore::DurableCallback onDurable, bool batch);
    std::optional<Job> job(JobId id) const;
    JobPage listJobs(const JobQuery& query) const;
    CurrentJobs findJobs(const JobQuery& query) const;
    EngineResult<Job> cancel(JobId id);
    EngineResult<Job> retry(JobId id);
    EngineResult<Job> runNow(JobId id);
    CurrentJobs currentJobs(JobId fromId, JobId toId) const;
    EngineResult<BulkOutcome> bulk(BulkAction action, const JobQuery& filter, bool dryRun); // bulkactions.cpp
    JobId lastJobId() const;
    quint64 waitForFinish(JobId id, QObject* context, std::function<void(const Job&)> callback);
    void cancelWait(quint64 handle);
    QList<QueueInfo> queues() const;
    EngineResult<QueueInfo> setQueuePaused(const QString& name, bool paused);
    EngineResult<QueueInfo> setQueueConcurrency(const QString& name, int limit);
    EngineResult<QueueInfo> deleteQueue(const QString& name);
    void setProcessingPaused(bool paused);
    bool isProcessingPaused() const;
    EngineStats stats() const;
    QString storageProblem() const { return m_store->problem(); }
    int workerCount() const;
    void setWorkerCount(int count);
    Engine::Histogram waitHistogram() const;
    Engine::Histogram runHistogram() const;
    const HandlerRegistry& handlers() const { return m_handlers; }
    const std::shared_ptr<DeliverySettings>& delivery() const { return m_delivery; }
    void deferWakeupsOn(QThread* thread);
    // From now on, snapshots list the jobs that changed (the first one asks for a reload).
    void trackChangedJobs();

    // External workers (leasing.cpp)
    EngineResult<QString> declareJobType(const QString& type);
    QStringList declaredJobTypes() const;
    EngineResult<ExternalWorkerStatus> registerWorker(const WorkerRegistration& registration);
    quint64 lease(const LeaseRequest& request, QObject* context, Engine::LeaseCallback callback);
    void cancelLease(quint64 handle);
    void releaseLeases(const QList<LeaseGrant>& grants); // granted, but never answered
    EngineResult<LeaseStatus> extendLease(JobId id, const QString& token, qint64 reserveForMs);
    EngineResult<LeaseStatus> reportProgress(JobId id, const QString& token, double fraction, const QString& message);
    void completeLease(
        JobId id, const QString& token, const QJsonValue& result, QObject* context, Engine::FinishCallback callback);
    void failLease(JobId id, const QString& token, const WorkerFailure& failure, QObject* context,
        Engine::FinishCallback callback);
    EngineResult<BeatAnswer> beat(const QString& workerId);
    QList<ExternalWorkerStatus> externalWorkers() const;
    WorkerCounts workerCounts() const;
    EngineResult<ExternalWorkerStatus> setWorkerDirective(const QString& workerId, WorkerDirective directive);
    void setAllWorkersDirective(WorkerDirective directive);
    EngineResult<Job> expireLease(JobId id);

    // Faults (faulting.cpp)
    EngineResult<Fault> addFault(const FaultSpec& spec);
    QList<Fault> faults() const;
    EngineResult<Fault> removeFault(const QString& id);
    int clearFaults();
    FaultCounts faultCounts() const { return m_faults.counts(); }
    HttpFaultDecision httpFault() const;

    void runDueJobs();
    // The engine's clock (EngineConfig::clock), ms since the epoch. Any thread.
    qint64 now() const;
    const EngineClock& clock() const { return m_clock; }
    EngineClock::State setVirtualClock(bool isVirtual);
    EngineResult<EngineClock::State> advanceClock(qint64 ms);
    EngineResult<EngineClock::State> advanceClockToNextDue();

    // What the timers wait for next: a due time on the engine clock, and the first long poll's
    // deadline in the clock source's time; 0: nothing.
    struct NextWake
    {
        qint64 dueAt = 0;
        qint64 longPollDeadline = 0;
    };
    // Called by EngineTimers on the timer thread, and after the clock moved.
    NextWake promoteDueJobs();
    void drainDeadlinePassed();
    std::optional<EngineSnapshot> takeSnapshot();

private:
    struct ActiveJob
    {
        Job job;
        std::shared_ptr<CancelToken> token; // set while a built-in slot runs it
        bool external = false; // no built-in handler: only a lease takes it
        // False until the store committed the job's insert: until then it is neither queued,
        // scheduled nor counted, so a job whose client hears 503 can never have run.
        bool stored = true;
    };
    struct LeaseWaiter
    {
        quint64 handle;
        LeaseRequest request; // queues resolved
        qint64 deadline; // the clock source's time: a long poll waits as long as its client does
        QPointer<QObject> context;
        Engine::LeaseCallback callback;
        bool emptied = false; // an empty_leases fault struck: it waits out its time with none
    };

    QString disabledReason(const QString& type) const; // empty: the type may run
    // `finalState`: the job after the attempt, when the caller needs it (a lease's answer).
    void finishAttempt(JobId id, const JobOutcome& outcome, AttemptEnd::Reason reason, Job* finalState = nullptr);
    // Stores the final state and forgets the job; returns that state (with its callback job's id).
    Job finishJobLocked(ActiveJob& active);
    // callbacks.cpp: writes a finished job, with the callback job its callback_url asks for in
    // the same store write (one commit), so that a crash keeps both or neither.
    void storeFinishedLocked(Job& job);
    void callbackStored(const Job& callback, const QString& error); // the insert's outcome
    Job cancelWaitingLocked(ActiveJob& active); // a queued or scheduled job
    Job reviveLocked(const Job& finished); // runs a failed or cancelled job again
    // bulkactions.cpp
    EngineResult<BulkOutcome> bulkCancel(const JobQuery& filter, const QList<JobStatus>& statuses, bool dryRun);
    EngineResult<BulkOutcome> bulkRetry(const JobQuery& filter, const QList<JobStatus>& statuses, bool dryRun);
    EngineResult<BulkOutcome> bulkDelete(const JobQuery& filter, const QList<JobStatus>& statuses, bool dryRun);
    std::optional<EngineError> waitUntilDurable(); // set: the commit failed
    void scheduleLocked(const Job& job); // into m_scheduled, at job.runAt
    void pushLocked(const ActiveJob& active); // into the ready set of its queue
    void maybeStoppedLocked();
    // jobreads.cpp: jobs at `unheld` positions, which the engine no longer holds, get the
    // store's newest state (pending writes included); those it no longer has leave the list.
    void readUnheldFromStore(QList<Job>& jobs, const QList<qsizetype>& unheld) const;
    // The store's retention dropped finished jobs: the counts follow, with each snapshot.
    void absorbPrunedLocked();
    void setStateLocked(EngineState state);
    // submission.cpp
    std::optional<EngineError> queueFullLocked(qint64 adding) const; // set: --max-queued refuses them
    void insertStored(const QList<Job>& jobs);
    void dropUnstored(const QList<Job>& jobs, const QString& error);
    // Under the lock; each returns the submissions to tell once it is released.
    QList<JobStore::DurableCallback> insertStoredLocked(const QList<Job>& jobs);
    QList<JobStore::DurableCallback> dropUnstoredLocked(const QList<Job>& jobs, const QString& error);
    // builtinworkers.cpp
    void workerLoop(int slot);
    void startWorkersLocked();
    void runAttempt(int slot, JobId id, QMutexLocker<SpinningMutex>& lock);
    void startDeferred(int slot, const DeferredJobHandler& handler, const Job& job,
        const std::shared_ptr<CancelToken>& token, QMutexLocker<SpinningMutex>& lock);
    void wakeIdleWorkerLocked();
    // Jobs held back may run now (a queue resumed, a limit raised): built-in slots and lease
    // waiters look again.
    void wakeAllWorkersLocked();
    void wakeWorkersSoonLocked(int jobs);
    // leasing.cpp
    QList<LeaseGrant> grantLeasesLocked(const LeaseRequest& request, qint64 now);
    void answerLeaseLater(QList<LeaseGrant> grants, QObject* context, Engine::LeaseCallback callback);
    void finishLease(
        JobId id, const QString& token, const JobOutcome& outcome, QObject* context, Engine::FinishCallback callback);
    void serveLeaseWaitersLocked();
    void endLeaseLocked(JobId id, const JobOutcome& outcome, AttemptEnd::Reason reason, Job* finalState = nullptr);
    // `fault`: the id of the fault that expired it, if one did.
    void expireLeaseLocked(JobId id, const QString& why, Job* finalState = nullptr, const QString& fault = {});
    void revokeLeasesLocked(); // the drain deadline: leased jobs go back to the queue
    qint64 sweepLeasesLocked(qint64 now); // returns the next time something is due, or 0
    // Answers the long polls whose wait ran out (the source's time); returns the next deadline, or 0.
    qint64 endLongPollsLocked(qint64 realNow);
    qint64 nextDueLocked() const; // the engine clock's next event (advance to next due), or 0
    void clockMoved(); // promote what became due, then let the timers re-arm
    void answerLeaseWaitersEmptyLocked();
    WorkerDirective directiveLocked(const WorkerRegistry::Entry& worker) const;
    ExternalWorkerStatus workerStatusLocked(const WorkerRegistry::Entry& worker, qint64 now) const;
    EngineResult<Lease*> leaseForCallLocked(JobId id, const QString& token, qint64 now);
    std::optional<EngineError> validateLeaseRequest(LeaseRequest& request) const;
    // snapshots.cpp
    void changedLocked(const Job& job);
    // queues.cpp
    QHash<QString, qint64> scheduledByQueueLocked() const;
    QueueInfo queueInfoLocked(const QString& name, std::optional<qint64> scheduled = std::nullopt) const;
    // faulting.cpp: the checks on the paths of jobs and requests; each is cheap with no fault on.
    std::optional<EngineError> injectedRefusal(const QList<JobSpec>& specs); // a submission
    std::optional<EngineError> storeFaultError(); // a submission or a retry while the store is off
    std::optional<EngineError> droppedWorkerLocked(const QString& workerId, qint64 now);
    bool leaseEmptiedLocked(const LeaseRequest& request, qint64 now);
    // An attempt's outcome as the faults make it: `run` runs the job (or not, if one fails it first).
    JobOutcome runWithFaults(const Job& job, const CancelToken& token, const std::function<JobOutcome()>& run);
    void failAfterRunLocked(const Job& job, JobOutcome& outcome, qint64 now); // an external worker's result
    void syncStoreFaultLocked(qint64 now); // tells the store whether a store_unavailable fault is on
    qint64 pruneFaultsLocked(qint64 now); // returns the next end of a fault, or 0
    // queuesettings.cpp: pauses, limits and the worker count, kept in the store across restarts
    void restoreSettingsLocked(const QJsonObject& settings);
    void storeSettingsLocked();

    Engine* const q;
    // set at construction, immutable
    const EngineConfig m_config;
    const std::unique_ptr<JobStore> m_store;
    // Target policy and webhook secret of http jobs and callbacks; the dashboard may change them.
    const std::shared_ptr<DeliverySettings> m_delivery;
    EngineClock m_clock; // outlives the jobs' cancel tokens and the timers, which read it
    HandlerRegistry m_handlers;
    QThreadPool m_pool;
    QThread m_timerThread;
    EngineTimers* m_timers = nullptr; // lives in m_timerThread

    mutable SpinningMutex m_mutex;
    QWaitCondition m_workAvailable;
    EngineState m_state = EngineState::Stopped;
    bool m_opened = false;
    bool m_quitting = false;
    JobId m_lastId = 0;
    QHash<JobId, ActiveJob> m_active; // scheduled, queued and running jobs, and those being stored
    qint64 m_unstored = 0; // jobs in m_active whose insert awaits its commit (count toward capacity)
    // Unstored job -> submissions answering with it (same idempotency key), told once it is stored.
    QHash<JobId, QList<JobStore::DurableCallback>> m_awaitingInsert;
    JobQueue m_queue;
    std::set<std::pair<qint64, JobId>> m_scheduled; // (runAt, id)
    QHash<QString, JobId> m_activeKeys; // idempotency keys of active jobs
    // Keyed jobs stored or dropped since start: written under m_mutex, read before it too.
    QAtomicInteger<quint64> m_keyedJobsCreated;
    QList<WorkerStatus> m_slots; // one per worker slot ever started
    int m_workerCount = 0;
    int m_chosenWorkers = 0; // by setWorkerCount(), now or before a restart; 0: none
    QList<bool> m_loopAlive; // per slot: its loop runs
    int m_running = 0; // attempts a worker slot runs
    int m_deferredRunning = 0; // attempts a deferred handler holds (no slot)
    QWaitCondition m_deferredDone; // m_deferredRunning reached 0
    int m_idleWorkers = 0; // worker loops waiting for work
    int m_pendingWakes = 0; // of those, signalled but not yet awake
    int m_wakesOwed = 0; // wakes deferred to the end of the submitting thread's event-loop pass
    bool m_wakeFlushPosted = false;
    QAtomicPointer<QThread> m_deferWakesOn; // any thread
    qint64 m_drainDeadline = 0;
    JobLifecycle m_lifecycle; // every status change, and the counts per status
    ThroughputStats m_throughput;
    QueueThroughput m_queueThroughput;
    quint64 m_submittedTotal = 0;
    quint64 m_finishedTotal = 0;
    JobWaiters m_waiters;
    quint64 m_nextWaitHandle = 1; // of lease waiters
    // external workers
    WorkerRegistry m_workers;
    LeaseTable m_leases;
    QList<LeaseWaiter> m_leaseWaiters; // oldest first: served in the order they asked
    bool m_externalReady = false; // an external job became ready since the waiters were served
    quint64 m_leasesGranted = 0;
    quint64 m_leaseExpiries = 0;
    quint64 m_changeSeq = 0; // numbers every change of every job
    // Its own lock: read on the paths of jobs and requests without m_mutex. Mutable: a draw
    // advances its generators, and reads drop the faults that ended.
    mutable FaultSet m_faults;
    QString m_storeFault; // the store_unavailable fault the store was told of; empty: none
    // for the next snapshot
    bool m_trackChanges = false; // snapshots have a receiver, so m_changed is read
    quint64 m_publishedChangeSeq = 0; // the changeSeq of the last snapshot
    QHash<JobId, JobChange> m_changed;
    bool m_changesTruncated = false;
    bool m_dirty = true;
    double m_lastPublishedRate = -1;
    qint64 m_lastPublishedMinute = -1;
};
