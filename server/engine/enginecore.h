#pragma once

#include "engine.h"
#include "jobqueue.h"
#include "spinningmutex.h"
#include "throughputstats.h"

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
    EngineResult<Job> cancel(JobId id);
    EngineResult<Job> retry(JobId id);
    CurrentJobs currentJobs(JobId fromId, JobId toId) const;
    JobId lastJobId() const;
    quint64 waitForFinish(JobId id, QObject* context, std::function<void(const Job&)> callback);
    void cancelWait(quint64 handle);
    QList<QueueInfo> queues() const;
    EngineResult<QueueInfo> setQueuePaused(const QString& name, bool paused);
    EngineResult<QueueInfo> setQueueConcurrency(const QString& name, int limit);
    EngineStats stats() const;
    int workerCount() const;
    void setWorkerCount(int count);
    Engine::Histogram waitHistogram() const;
    Engine::Histogram runHistogram() const;
    const HandlerRegistry& handlers() const { return m_handlers; }
    void deferWakeupsOn(QThread* thread);
    // From now on, snapshots list the jobs that changed (the first one asks for a reload).
    void trackChangedJobs();

    void runDueJobs();
    // The engine's clock (EngineConfig::clock), ms since the epoch. Any thread.
    qint64 now() const;

    // Called by EngineTimers on the timer thread.
    qint64 promoteDueJobs(); // returns the next due time, or 0
    void drainDeadlinePassed();
    std::optional<EngineSnapshot> takeSnapshot();

private:
    struct ActiveJob
    {
        Job job;
        std::shared_ptr<CancelToken> token; // set while running
    };
    struct Waiter
    {
        quint64 handle;
        QPointer<QObject> context;
        std::function<void(const Job&)> callback;
    };

    void workerLoop(int slot);
    void startWorkersLocked();
    void runAttempt(int slot, JobId id, QMutexLocker<SpinningMutex>& lock);
    void finishAttempt(JobId id, const JobOutcome& outcome, CancelToken::Reason reason);
    void finishJobLocked(ActiveJob& active);
    void dropUnstored(const QList<Job>& jobs, const QString& error);
    void scheduleLocked(Job& job, qint64 runAt);
    void enqueueLocked(Job& job);
    void wakeIdleWorkerLocked();
    void wakeWorkersSoonLocked(int jobs);
    void setStatusLocked(Job& job, JobStatus status);
    void changedLocked(const Job& job);
    void maybeStoppedLocked();
    void setStateLocked(EngineState state);
    QHash<QString, qint64> scheduledByQueueLocked() const;
    QueueInfo queueInfoLocked(const QString& name, std::optional<qint64> scheduled = std::nullopt) const;

    Engine* const q;
    // set at construction, immutable
    const EngineConfig m_config;
    const std::unique_ptr<JobStore> m_store;
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
    QHash<JobId, ActiveJob> m_active; // scheduled, queued and running jobs
    JobQueue m_queue;
    std::set<std::pair<qint64, JobId>> m_scheduled; // (runAt, id)
    QHash<QString, JobId> m_activeKeys; // idempotency keys of active jobs
    QAtomicInteger<quint64> m_keyedJobsCreated; // written under m_mutex, read before it too
    QList<WorkerStatus> m_slots; // one per worker slot ever started
    int m_workerCount = 0;
    QList<bool> m_loopAlive; // per slot: its loop runs
    int m_running = 0;
    int m_idleWorkers = 0; // worker loops waiting for work
    int m_pendingWakes = 0; // of those, signalled but not yet awake
    int m_wakesOwed = 0; // wakes deferred to the end of the submitting thread's event-loop pass
    bool m_wakeFlushPosted = false;
    QAtomicPointer<QThread> m_deferWakesOn; // any thread
    qint64 m_drainDeadline = 0;
    StatusCounts m_counts {};
    ThroughputStats m_throughput;
    quint64 m_submittedTotal = 0;
    quint64 m_finishedTotal = 0;
    QMultiHash<JobId, Waiter> m_waiters;
    quint64 m_nextWaitHandle = 1;
    quint64 m_changeSeq = 0; // numbers every change of every job
    // for the next snapshot
    bool m_trackChanges = false; // snapshots have a receiver, so m_changed is read
    quint64 m_publishedChangeSeq = 0; // the changeSeq of the last snapshot
    QHash<JobId, JobChange> m_changed;
    bool m_changesTruncated = false;
    bool m_dirty = true;
    double m_lastPublishedRate = -1;
    qint64 m_lastPublishedMinute = -1;
};
