#include "enginecore.h"

#include "conditionwait.h"
#include "defaultlimits.h"
#include "enginetimers.h"
#include "handlers/builtinhandlers.h"
#include "queuedcall.h"
#include "submissionchecks.h"
#include "threadjoin.h"

#include <QDeadlineTimer>

#include <algorithm>

namespace {

EngineError notFound(JobId id)
{
    return { EngineError::Kind::NotFound, QStringLiteral("not_found"), QStringLiteral("no job with id %1").arg(id),
        {} };
}

EngineError conflict(const Job& job, const QString& what)
{
    return { EngineError::Kind::Conflict, QStringLiteral("conflict"),
        QStringLiteral("job %1 is %2: %3").arg(job.id).arg(statusName(job.status)).arg(what), {} };
}

} // namespace

EngineCore::EngineCore(Engine* q, const EngineConfig& config, std::unique_ptr<JobStore> store)
    : q(q)
    , m_config(config)
    , m_store(std::move(store))
    , m_delivery(std::make_shared<DeliverySettings>(config.handlers.allowedHttpTargets, config.handlers.webhookSecret))
    , m_clock(config.clock, config.virtualClock)
    , m_lifecycle({ config.retryBaseMs > 0 ? config.retryBaseMs : Limits::retryBaseMs,
          config.retryMaxMs > 0 ? config.retryMaxMs : Limits::retryMaxMs })
    , m_workers(config.workerGoneMs > 0 ? config.workerGoneMs : Limits::workerGoneMs)
{
    registerBuiltinHandlers(m_handlers, config.handlers, m_delivery);
    if (config.registerHandlers)
        config.registerHandlers(m_handlers);
    for (const QString& type : config.declaredJobTypes)
        m_workers.declareType(type);
    m_workerCount
        = std::clamp(config.workers > 0 ? config.workers : QThread::idealThreadCount(), 1, Limits::maxWorkers);
    m_pool.setObjectName(QStringLiteral("queuelab-workers"));
    m_pool.setMaxThreadCount(m_workerCount);
    m_pool.setExpiryTimeout(-1);

    m_timerThread.setObjectName(QStringLiteral("queuelab-engine"));
    m_timers = new EngineTimers(
        q, this, m_clock, config.snapshotIntervalMs > 0 ? config.snapshotIntervalMs : Limits::snapshotIntervalMs);
    m_timers->moveToThread(&m_timerThread);
    QObject::connect(&m_timerThread, &QThread::finished, m_timers, &QObject::deleteLater);
    ThreadJoin::markJoinable(m_timerThread);
    m_timerThread.start();
}

EngineCore::~EngineCore()
{
    {
        QMutexLocker lock(&m_mutex);
        m_quitting = true;
        for (ActiveJob& active : m_active) {
            if (active.token)
                active.token->cancel(CancelToken::Reason::Shutdown);
        }
        m_workAvailable.wakeAll();
    }
    ThreadJoin::waitPoolDone(m_pool);
    {
        // Deferred attempts see their tokens stopped and finish (back to the queue) on their own
        // threads; they must do so while the store is open.
        QMutexLocker lock(&m_mutex);
        QDeadlineTimer deadline(5000);
        while (m_deferredRunning > 0 && !deadline.hasExpired())
            waitOn(m_deferredDone, m_mutex, deadline);
    }
    m_timerThread.quit();
    ThreadJoin::waitJoined(m_timerThread);
    if (m_store)
        m_store->close();
}

QString EngineCore::disabledReason(const QString& type) const
{
    const auto handler = m_handlers.find(type);
    return handler ? handler->disabledReason() : QString();
}

qint64 EngineCore::now() const
{
    return m_clock.now();
}

bool EngineCore::open(QString* error)
{
    if (!m_store->open(error))
        return false;

    QMutexLocker lock(&m_mutex);
    m_lifecycle.setCounts(m_store->countByStatus(), m_store->countByQueueAtOpen());
    m_lastId = m_store->maxId();
    for (const QString& type : m_store->declaredJobTypes())
        m_workers.declareType(type);
    const qint64 t = now();
    for (Job job : m_store->loadUnfinished()) {
        // Stored by a server whose policy allowed the type (an exec job, by one started with
        // --allow-exec): this one does not run it, and says why.
        if (const QString disabled = disabledReason(job.type); !disabled.isEmpty()) {
            m_lifecycle.disable(job, disabled, t);
            storeFinishedLocked(job);
            continue;
        }
        const bool external = !m_handlers.find(job.type);
        if (external)
            m_workers.declareType(job.type); // accepted once, its jobs still wait for a worker
        const JobStatus loaded = job.status;
        // The process died while it ran: that attempt is lost. Run it again if allowed.
        if (job.status == JobStatus::Running && m_lifecycle.interrupted(job, t, external) == JobStatus::Failed) {
            storeFinishedLocked(job);
            continue;
        }
        if (job.status == JobStatus::Scheduled && job.runAt <= t)
            m_lifecycle.promote(job);
        ActiveJob& active = m_active.insert(job.id, ActiveJob { job, {}, external }).value();
        const Job& stored = active.job;
        if (stored.status == JobStatus::Scheduled)
            scheduleLocked(stored);
        else
            pushLocked(active);
        if (!stored.idempotencyKey.isEmpty())
            m_activeKeys.insert(stored.idempotencyKey, stored.id);
        if (stored.status != loaded)
            m_store->update(stored); // only what changed: a million queued jobs need no rewrite
    }
    m_store->setDeclaredJobTypes(m_workers.declaredTypes()); // with those of the command line
    restoreSettingsLocked(m_store->settings());
    m_opened = true;
    m_timers->startSnapshots();
    if (!m_scheduled.empty())
        m_timers->wakeSchedulerAt(m_scheduled.begin()->first);
    return true;
}

void EngineCore::start()
{
    QMutexLocker lock(&m_mutex);
    Q_ASSERT(m_opened);
    if (m_state == EngineState::Running)
        return;
    m_timers->cancelDrainDeadline();
    m_drainDeadline = 0;
    setStateLocked(EngineState::Running);
    startWorkersLocked();
    m_workAvailable.wakeAll();
}

void EngineCore::stop(int deadlineMs)
{
    QMutexLocker lock(&m_mutex);
    if (m_state == EngineState::Stopped)
        return;
    answerLeaseWaitersEmptyLocked(); // leasing stops with intake
    if (deadlineMs < 0)
        deadlineMs = 1000 * (m_config.drainTimeoutSecs >= 0 ? m_config.drainTimeoutSecs : Limits::drainTimeoutSecs);
    if (m_state == EngineState::Running) {
        setStateLocked(EngineState::Draining);
        m_drainDeadline = now() + deadlineMs;
    }
    if (deadlineMs == 0) {
        lock.unlock();
        drainDeadlinePassed();
        return;
    }
    m_timers->armDrainDeadline(now() + deadlineMs);
    maybeStoppedLocked();
}

void EngineCore::drainDeadlinePassed()
{
    QMutexLocker lock(&m_mutex);
    if (m_state != EngineState::Draining)
        return;
    for (ActiveJob& active : m_active) {
        if (active.token)
            active.token->cancel(CancelToken::Reason::Shutdown);
    }
    revokeLeasesLocked();
    maybeStoppedLocked();
}

void EngineCore::maybeStoppedLocked()
{
    if (m_state == EngineState::Draining && m_running == 0 && m_deferredRunning == 0 && m_leases.isEmpty()) {
        m_timers->cancelDrainDeadline();
        m_drainDeadline = 0;
        setStateLocked(EngineState::Stopped);
    }
}

void EngineCore::setStateLocked(EngineState state)
{
    if (m_state == state)
        return;
    m_state = state;
    m_dirty = true;
    // Queued: receivers never run inside the engine's lock.
    QueuedCall::invoke(
        q, [engine = q, state] { Q_EMIT engine->stateChanged(state); }, Qt::QueuedConnection);
}

EngineState EngineCore::state() const
{
    QMutexLocker lock(&m_mutex);
    return m_state;
}

void EngineCore::pushLocked(const ActiveJob& active)
{
    const Job& job = active.job;
    const bool runnable = m_queue.push(job.queue, job.priority, job.id, active.external);
    if (!runnable)
        return;
    if (!active.external)
        wakeIdleWorkerLocked();
    else
        m_externalReady = true; // the caller serves the lease waiters once it is done
}

void EngineCore::scheduleLocked(const Job& job)
{
    const qint64 runAt = job.runAt;
    const bool earliest = m_scheduled.empty() || runAt < m_scheduled.begin()->first;
    m_scheduled.insert({ runAt, job.id });
    if (earliest)
        m_timers->wakeSchedulerAt(runAt);
}

EngineCore::NextWake EngineCore::promoteDueJobs()
{
    QMutexLocker lock(&m_mutex);
    const EngineClock::State clock = m_clock.state();
    const qint64 t = clock.now;
    NextWake next;
    const qint64 nextLeaseEvent = sweepLeasesLocked(t); // first: waiting in a long poll is a sign of life
    next.longPollDeadline = endLongPollsLocked(clock.realNow);
    while (!m_scheduled.empty() && m_scheduled.begin()->first <= t) {
        const JobId id = m_scheduled.begin()->second;
        m_scheduled.erase(m_scheduled.begin());
        auto it = m_active.find(id);
        if (it == m_active.end() || it->job.status != JobStatus::Scheduled)
            continue;
        m_lifecycle.promote(it->job);
        pushLocked(*it);
        m_store->update(it->job);
        changedLocked(it->job);
    }
    serveLeaseWaitersLocked();
    next.dueAt = m_scheduled.empty() ? 0 : m_scheduled.begin()->first;
    for (const qint64 at : { nextLeaseEvent, pruneFaultsLocked(t) }) {
        if (at > 0 && (next.dueAt == 0 || at < next.dueAt))
            next.dueAt = at;
    }
    return next;
}

void EngineCore::runDueJobs()
{
    // Normally a no-op: the timer is still armed for the next due time.
    const NextWake next = promoteDueJobs();
    if (next.dueAt > 0)
        m_timers->wakeSchedulerAt(next.dueAt);
    if (next.longPollDeadline > 0)
        m_timers->wakeLongPollsAt(next.longPollDeadline);
}

void EngineCore::finishAttempt(JobId id, const JobOutcome& outcome, AttemptEnd::Reason reason, Job* finalState)
{
    ActiveJob& active = m_active[id];
    Job& job = active.job;
    active.token.reset();
    m_queue.finishedRunning(job.queue);
    const qint64 t = now();

    const AttemptEnd end { reason, outcome.error, outcome.result, outcome.retryInMs };
    const bool ran = reason != AttemptEnd::Reason::DrainCutOff && reason != AttemptEnd::Reason::Returned;
    if (ran)
        m_throughput.record(t, job.startedAt - std::max(job.createdAt, job.runAt), t - job.startedAt);

    const JobStatus status = m_lifecycle.endAttempt(job, end, t);
    if (reason != AttemptEnd::Reason::Returned && !job.history.isEmpty())
        job.history.last().delivery = outcome.delivery; // the attempt's HTTP exchange (http jobs)
    if (status == JobStatus::Succeeded || status == JobStatus::Failed)
        m_queueThroughput.record(job.queue, t);
    if (isFinished(status)) {
        const Job finished = finishJobLocked(active);
        if (finalState)
            *finalState = finished;
        return;
    }
    if (finalState)
        *finalState = job;
    if (status == JobStatus::Scheduled)
        scheduleLocked(job); // a retry after its backoff
    else
        m_queue.push(job.queue, job.priority, job.id, active.external); // cut off by a stop, or returned
    m_store->update(job);
    changedLocked(job);
}

Job EngineCore::finishJobLocked(ActiveJob& active)
{
    Job job = active.job;
    if (!job.idempotencyKey.isEmpty())
        m_activeKeys.remove(job.idempotencyKey);
    m_active.remove(job.id); // first: a callback job joins m_active below, which may move its entries
    storeFinishedLocked(job);
    changedLocked(job);
    ++m_finishedTotal;
    m_waiters.finished(job);
    return job;
}

EngineResult<Job> EngineCore::cancel(JobId id)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_active.find(id);
    if (it == m_active.end()) {
        lock.unlock();
        if (auto stored = m_store->find(id))
            return conflict(*stored, QStringLiteral("only queued, scheduled or running jobs can be cancelled"));
        return notFound(id);
    }
    Job& job = it->job;
    if (!it->stored)
        return conflict(job, QStringLiteral("it is being stored; cancel it once it is acknowledged"));
    if (job.status == JobStatus::Running && it->token) {
        it->token->cancel(CancelToken::Reason::Cancelled);
        return job; // the worker finishes it as cancelled in a moment
    }
    if (job.status == JobStatus::Running) {
        // Leased: the worker hears of it on its next beat, extend or progress, and the job ends
        // cancelled then (or when it finishes it, or when the lease expires).
        if (Lease* lease = m_leases.find(id); lease && !lease->cancelRequested) {
            lease->cancelRequested = true;
            m_dirty = true;
        }
        return job;
    }
    return cancelWaitingLocked(*it);
}

Job EngineCore::cancelWaitingLocked(ActiveJob& active)
{
    Job& job = active.job;
    if (job.status == JobStatus::Queued)
        m_queue.remove(job.queue, job.priority, job.id);
    else
        m_scheduled.erase({ job.runAt, job.id });
    m_lifecycle.cancelWaiting(job, now());
    return finishJobLocked(active);
}

EngineResult<Job> EngineCore::retry(JobId id)
{
    if (auto lost = SubmissionChecks::storageLost(m_store->problem()))
        return *lost;
    if (auto unavailable = storeFaultError())
        return *unavailable;
    QMutexLocker lock(&m_mutex);
    const auto it = m_active.constFind(id);
    if (it != m_active.cend())
        return conflict(it->job, QStringLiteral("only failed or cancelled jobs can be retried"));
    // Read under the lock (as submit() reads idempotency keys): read outside it, a concurrent
    // retry could revive, run and finish the job meanwhile, and this one would revive a stale copy.
    const std::optional<Job> stored = m_store->find(id);
    if (!stored)
        return notFound(id);
    if (stored->status != JobStatus::Failed && stored->status != JobStatus::Cancelled)
        return conflict(*stored, QStringLiteral("only failed or cancelled jobs can be retried"));
    // The same policy as a submission: an exec job does not run again on a server without --allow-exec.
    if (const QString disabled = disabledReason(stored->type); !disabled.isEmpty())
        return EngineError { EngineError::Kind::Forbidden, QStringLiteral("forbidden"), disabled, {} };
    if (const auto handler = m_handlers.find(stored->type)) {
        if (const auto forbidden = handler->forbiddenPayload(stored->payload))
            return EngineError { EngineError::Kind::Forbidden, forbidden->code, forbidden->message, {} };
    }
    if (auto full = queueFullLocked(1))
        return *full;

    return reviveLocked(*stored);
}

EngineResult<Job> EngineCore::runNow(JobId id)
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_active.find(id);
    if (it == m_active.end() || !it->stored) {
        lock.unlock();
        if (const auto stored = m_store->find(id))
            return conflict(*stored, QStringLiteral("only scheduled jobs can be run now"));
        return notFound(id);
    }
    Job& job = it->job;
    if (job.status != JobStatus::Scheduled)
        return conflict(job, QStringLiteral("only scheduled jobs can be run now"));
    m_scheduled.erase({ job.runAt, job.id });
    m_lifecycle.runNow(job, now());
    pushLocked(*it);
    serveLeaseWaitersLocked();
    m_store->update(job);
    changedLocked(job);
    return job;
}

Job EngineCore::reviveLocked(const Job& finished)
{
    const JobId id = finished.id;
    Job job = finished;
    m_lifecycle.retry(job);
    job.callbackJobId = 0; // the callback of the finish to come is queued then
    auto& active = m_active.insert(id, ActiveJob { job, {}, !m_handlers.find(job.type) }).value();
    if (!job.idempotencyKey.isEmpty())
        m_activeKeys.insert(job.idempotencyKey, id);
    pushLocked(active);
    serveLeaseWaitersLocked();
    m_store->update(active.job);
    changedLocked(active.job);
    return active.job;
}

quint64 EngineCore::waitForFinish(JobId id, QObject* context, std::function<void(const Job&)> callback)
{
    QMutexLocker lock(&m_mutex);
    if (m_active.contains(id))
        return m_waiters.add(id, context, std::move(callback));
    lock.unlock();
    auto stored = m_store->find(id);
    if (!stored)
        return 0;
    QueuedCall::invoke(context, [callback = std::move(callback), job = *stored] { callback(job); });
    lock.relock(); // the handle only has to be non-zero and unique; cancelling it does nothing
    return m_waiters.spareHandle();
}

void EngineCore::cancelWait(quint64 handle)
{
    QMutexLocker lock(&m_mutex);
    m_waiters.remove(handle);
}
