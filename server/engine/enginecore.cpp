#include "enginecore.h"

#include "defaultlimits.h"
#include "durablejoin.h"
#include "enginetimers.h"
#include "jobjson.h"

#include <QDateTime>
#include <QtConcurrent>
#include <QVarLengthArray>

#include <algorithm>

namespace {

constexpr int maxChangedPerSnapshot = 5000;

EngineError notFound(JobId id)
{
    return { EngineError::Kind::NotFound, QStringLiteral("not_found"), QStringLiteral("no job with id %1").arg(id),
        {} };
}

EngineError tooManyQueues()
{
    return { EngineError::Kind::Conflict, QStringLiteral("too_many_queues"),
        QStringLiteral("%1 queues exist without jobs already: delete one (DELETE /queues/{name}) first")
            .arg(Limits::maxQueuesWithoutJobs),
        {} };
}

EngineError conflict(const Job& job, const QString& what)
{
    return { EngineError::Kind::Conflict, QStringLiteral("conflict"),
        QStringLiteral("job %1 is %2: %3").arg(job.id).arg(statusName(job.status)).arg(what), {} };
}

qint64 resultSize(const QJsonValue& value)
{
    // Written as the API writes it, into a buffer each worker keeps: serializing through
    // QJsonDocument was a visible share of a worker's time for echo jobs.
    thread_local QByteArray json;
    json.resize(0); // keeps the capacity
    JobJson::appendValue(json, value);
    return json.size();
}

} // namespace

EngineCore::EngineCore(Engine* q, const EngineConfig& config, std::unique_ptr<JobStore> store)
    : q(q)
    , m_config(config)
    , m_store(std::move(store))
    , m_lifecycle({ config.retryBaseMs > 0 ? config.retryBaseMs : Limits::retryBaseMs,
          config.retryMaxMs > 0 ? config.retryMaxMs : Limits::retryMaxMs })
    , m_workers(config.workerGoneMs > 0 ? config.workerGoneMs : Limits::workerGoneMs)
{
    registerBuiltinHandlers(m_handlers, config.handlers);
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
        q, this, config.snapshotIntervalMs > 0 ? config.snapshotIntervalMs : Limits::snapshotIntervalMs);
    m_timers->moveToThread(&m_timerThread);
    QObject::connect(&m_timerThread, &QThread::finished, m_timers, &QObject::deleteLater);
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
    m_pool.waitForDone();
    m_timerThread.quit();
    m_timerThread.wait();
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
    return m_config.clock ? m_config.clock() : QDateTime::currentMSecsSinceEpoch();
}

bool EngineCore::open(QString* error)
{
    if (!m_store->open(error))
        return false;

    QMutexLocker lock(&m_mutex);
    m_lifecycle.setCounts(m_store->countByStatus());
    m_lastId = m_store->maxId();
    for (const QString& type : m_store->declaredJobTypes())
        m_workers.declareType(type);
    const qint64 t = now();
    for (Job job : m_store->loadUnfinished()) {
        // Stored by a server whose policy allowed the type (an exec job, by one started with
        // --allow-exec): this one does not run it, and says why.
        if (const QString disabled = disabledReason(job.type); !disabled.isEmpty()) {
            m_lifecycle.disable(job, disabled, t);
            m_store->update(job);
            continue;
        }
        const bool external = !m_handlers.find(job.type);
        if (external)
            m_workers.declareType(job.type); // accepted once, its jobs still wait for a worker
        const JobStatus loaded = job.status;
        // The process died while it ran: that attempt is lost. Run it again if allowed.
        if (job.status == JobStatus::Running && m_lifecycle.interrupted(job, t, external) == JobStatus::Failed) {
            m_store->update(job);
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

void EngineCore::startWorkersLocked()
{
    while (m_slots.size() < m_workerCount) {
        m_slots.append(WorkerStatus { int(m_slots.size()), false, 0, {}, 0, 0.0 });
        m_loopAlive.append(false);
    }
    // Loops of removed slots exit on their own (a busy one after its job); start the missing ones.
    const int alive = int(std::count(m_loopAlive.cbegin(), m_loopAlive.cend(), true));
    int missing = 0;
    for (int slot = 0; slot < m_workerCount; ++slot)
        missing += m_loopAlive[slot] ? 0 : 1;
    m_pool.setMaxThreadCount(std::max(1, alive + missing));
    for (int slot = 0; slot < m_workerCount; ++slot) {
        if (m_loopAlive[slot])
            continue;
        m_loopAlive[slot] = true;
        // The loop runs until its slot is removed or the engine quits; nobody waits on its future.
        static_cast<void>(QtConcurrent::run(&m_pool, [this, slot] { workerLoop(slot); }));
    }
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
    m_timers->armDrainDeadline(deadlineMs);
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
    if (m_state == EngineState::Draining && m_running == 0 && m_leases.isEmpty()) {
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
    QMetaObject::invokeMethod(
        q, [engine = q, state] { Q_EMIT engine->stateChanged(state); }, Qt::QueuedConnection);
}

EngineState EngineCore::state() const
{
    QMutexLocker lock(&m_mutex);
    return m_state;
}

void EngineCore::trackChangedJobs()
{
    QMutexLocker lock(&m_mutex);
    if (m_trackChanges)
        return;
    m_trackChanges = true;
    m_changesTruncated = true; // what changed before is unknown: views reload
    m_dirty = true;
}

void EngineCore::changedLocked(const Job& job)
{
    m_dirty = true;
    ++m_changeSeq;
    if (!m_trackChanges)
        return;
    const auto it = m_changed.find(job.id);
    if (it != m_changed.end())
        *it = JobChange { m_changeSeq, job };
    else if (m_changed.size() < maxChangedPerSnapshot)
        m_changed.insert(job.id, JobChange { m_changeSeq, job });
    else
        m_changesTruncated = true;
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

void EngineCore::wakeIdleWorkerLocked()
{
    // A futex wake is the most expensive part of a submission: skip it when no worker sleeps,
    // or when enough are already being woken; awake workers take the next job without sleeping.
    if (m_idleWorkers > m_pendingWakes) {
        ++m_pendingWakes;
        m_workAvailable.wakeOne();
    }
}

void EngineCore::wakeWorkersSoonLocked(int jobs)
{
    // On the thread named by deferWakeupsOn() (the HTTP thread, whose event loop always runs):
    // wake the workers once, after the requests of this event-loop pass, instead of once per
    // job. A woken worker then runs the pass's jobs back to back instead of sleeping between them.
    if (QThread::currentThread() != m_deferWakesOn.loadRelaxed()) {
        for (int i = 0; i < jobs; ++i)
            wakeIdleWorkerLocked();
        return;
    }
    m_wakesOwed += jobs;
    if (m_wakeFlushPosted)
        return;
    m_wakeFlushPosted = true;
    thread_local std::unique_ptr<QObject> threadContext;
    if (!threadContext)
        threadContext = std::make_unique<QObject>();
    QMetaObject::invokeMethod(
        threadContext.get(),
        [this] {
            QMutexLocker lock(&m_mutex);
            m_wakeFlushPosted = false;
            for (; m_wakesOwed > 0; --m_wakesOwed)
                wakeIdleWorkerLocked();
        },
        Qt::QueuedConnection);
}

void EngineCore::deferWakeupsOn(QThread* thread)
{
    m_deferWakesOn.storeRelaxed(thread);
}

void EngineCore::scheduleLocked(const Job& job)
{
    const qint64 runAt = job.runAt;
    const bool earliest = m_scheduled.empty() || runAt < m_scheduled.begin()->first;
    m_scheduled.insert({ runAt, job.id });
    if (earliest)
        m_timers->wakeSchedulerAt(runAt);
}

qint64 EngineCore::promoteDueJobs()
{
    QMutexLocker lock(&m_mutex);
    const qint64 t = now();
    const qint64 nextLeaseEvent = sweepLeasesLocked(t);
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
    const qint64 nextDue = m_scheduled.empty() ? 0 : m_scheduled.begin()->first;
    if (nextDue == 0 || nextLeaseEvent == 0)
        return std::max(nextDue, nextLeaseEvent);
    return std::min(nextDue, nextLeaseEvent);
}

void EngineCore::runDueJobs()
{
    // Normally a no-op: the timer is still armed for the next due time.
    if (const qint64 next = promoteDueJobs())
        m_timers->wakeSchedulerAt(next);
}

std::optional<EngineError> EngineCore::storageLost() const
{
    const QString lost = m_store->problem();
    if (lost.isEmpty())
        return std::nullopt;
    return EngineError { EngineError::Kind::Storage, QStringLiteral("storage_lost"),
        lost + QStringLiteral("; no job is accepted until QueueLab is restarted"), {} };
}

std::optional<EngineError> EngineCore::queueFullLocked(qint64 adding) const
{
    const qint64 capacity = m_config.maxQueued > 0 ? m_config.maxQueued : Limits::maxQueued;
    const qint64 waiting = m_lifecycle.count(JobStatus::Queued) + m_lifecycle.count(JobStatus::Scheduled) + m_unstored;
    if (waiting + adding <= capacity)
        return std::nullopt;
    return EngineError { EngineError::Kind::QueueFull, QStringLiteral("queue_full"),
        QStringLiteral("the queue holds %1 waiting jobs, its capacity is %2").arg(waiting).arg(capacity), {} };
}

EngineResult<QList<Job>> EngineCore::submit(
    const QList<JobSpec>& specs, JobStore::DurableCallback onDurable, bool batch)
{
    // The registry's own copy of each type name (static): the jobs hold it, not the client's.
    QVarLengthArray<QString, 1> typeNames;
    QVarLengthArray<bool, 1> externalTypes; // no built-in handler: for external workers
    for (qsizetype i = 0; i < specs.size(); ++i) {
        const JobSpec& spec = specs[i];
        const auto field = [&](const char* name) -> QString { // built on the error path only
            const QString prefix = batch ? QStringLiteral("jobs[%1].").arg(i) : QString();
            return prefix + QLatin1StringView(name);
        };
        QString typeName;
        const auto handler = m_handlers.find(spec.type, &typeName);
        if (!handler) {
            QMutexLocker lock(&m_mutex);
            if (m_workers.acceptsType(spec.type)) {
                typeNames.append(spec.type);
                externalTypes.append(true);
                continue;
            }
            lock.unlock();
            return EngineError { EngineError::Kind::Invalid, QStringLiteral("invalid_field"),
                QStringLiteral("unknown job type \"%1\"; built-in types: %2. To run it on your own workers, declare it "
                               "(start QueueLab with --job-type %1, or declare it in the window), or register a "
                               "worker that names it")
                    .arg(spec.type, m_handlers.types().join(QStringLiteral(", "))),
                field("type") };
        }
        const QString disabled = handler->disabledReason();
        if (!disabled.isEmpty())
            return EngineError { EngineError::Kind::Forbidden, QStringLiteral("forbidden"), disabled, field("type") };
        const QString problem = handler->validatePayload(spec.payload);
        if (!problem.isEmpty())
            return EngineError { EngineError::Kind::Invalid, QStringLiteral("invalid_field"), problem,
                field("payload") };
        typeNames.append(typeName);
        externalTypes.append(false);
    }

    if (auto lost = storageLost())
        return *lost;

    // Keys not held by an active job are looked up in the store, which can mean a database read:
    // done before taking the lock, so that a batch of fresh keys does not stall
    // the workers. Valid only if no keyed job was created meanwhile (checked under the lock).
    const quint64 keyedBefore = m_keyedJobsCreated.loadAcquire();
    QHash<QString, std::optional<Job>> storedByKey;
    for (const JobSpec& spec : specs) {
        if (!spec.idempotencyKey.isEmpty() && !storedByKey.contains(spec.idempotencyKey))
            storedByKey.insert(spec.idempotencyKey, m_store->findByIdempotencyKey(spec.idempotencyKey));
    }

    QMutexLocker lock(&m_mutex);
    const bool storedByKeyValid = m_keyedJobsCreated.loadRelaxed() == keyedBefore;
    if (m_state != EngineState::Running) {
        return EngineError { EngineError::Kind::Unavailable, QStringLiteral("unavailable"),
            m_state == EngineState::Draining ? QStringLiteral("QueueLab is shutting down and takes no new jobs")
                                             : QStringLiteral("QueueLab is stopped and takes no new jobs"),
            {} };
    }
    if (auto full = queueFullLocked(specs.size()))
        return *full;

    const qint64 t = now();
    QList<Job> created;
    // The jobs to answer with, in the order asked: `created`, until a key finds an existing job.
    std::optional<QList<Job>> answer;
    const auto answerWithExisting = [&](const Job& job) {
        if (!answer)
            answer = created;
        answer->append(job);
    };
    QHash<QString, qsizetype> createdKeys; // idempotency key -> index in `created`: linear, not quadratic
    QVarLengthArray<JobId, 1> awaitedInserts; // existing jobs of the answer whose commit is pending
    QVarLengthArray<bool, 1> createdExternal;
    created.reserve(specs.size());
    for (qsizetype i = 0; i < specs.size(); ++i) {
        const JobSpec& spec = specs[i];
        if (!spec.idempotencyKey.isEmpty()) {
            const auto existing = m_active.constFind(m_activeKeys.value(spec.idempotencyKey));
            if (existing != m_active.cend()) {
                if (!existing->stored)
                    awaitedInserts.append(existing->job.id); // answered once its commit is known
                answerWithExisting(existing->job);
                continue;
            }
            const std::optional<Job> stored = storedByKeyValid ? storedByKey.value(spec.idempotencyKey)
                                                               : m_store->findByIdempotencyKey(spec.idempotencyKey);
            if (stored) {
                answerWithExisting(*stored);
                continue;
            }
            const auto inBatch = createdKeys.constFind(spec.idempotencyKey);
            if (inBatch != createdKeys.cend()) {
                answerWithExisting(created[*inBatch]);
                continue;
            }
        }
        Job job;
        job.id = ++m_lastId;
        job.type = typeNames[i];
        job.queue = spec.queue;
        job.priority = spec.priority;
        job.maxAttempts = spec.maxAttempts;
        job.payload = spec.payload;
        job.timeoutMs = spec.timeoutMs;
        job.idempotencyKey = spec.idempotencyKey;
        JobLifecycle::submit(job, spec.delayMs, t); // counted once stored
        if (!job.idempotencyKey.isEmpty())
            createdKeys.insert(job.idempotencyKey, created.size());
        created.append(job);
        createdExternal.append(externalTypes[i]);
        if (answer)
            answer->append(job);
    }

    // Held back until the store has committed them: none runs, is counted or is listed in a
    // queue before its client can be told 202. Their keys are held meanwhile, so that a second
    // submission with the same key does not create another job.
    for (qsizetype i = 0; i < created.size(); ++i) {
        const Job& job = created[i];
        m_active.insert(job.id, ActiveJob { job, {}, createdExternal[i], false });
        if (!job.idempotencyKey.isEmpty())
            m_activeKeys.insert(job.idempotencyKey, job.id);
    }
    m_unstored += created.size();
    if (!awaitedInserts.isEmpty()) {
        const auto join = std::make_shared<DurableJoin>(int(awaitedInserts.size()) + 1, std::move(onDurable));
        for (const JobId id : awaitedInserts)
            m_awaitingInsert[id].append([join](const QString& error) { join->arrive(error); });
        onDurable = [join](const QString& error) { join->arrive(error); };
    }
    lock.unlock();

    // Outside the lock: the in-memory store reports durability from inside insert(). The
    // callback holds the list itself (shared, not copied).
    m_store->insert(created, [this, created, onDurable = std::move(onDurable)](const QString& error) {
        if (error.isEmpty())
            insertStored(created);
        else
            dropUnstored(created, error);
        if (onDurable)
            onDurable(error);
    });
    return answer ? *answer : created;
}

void EngineCore::insertStored(const QList<Job>& jobs)
{
    QMutexLocker lock(&m_mutex);
    int runnable = 0;
    int keyed = 0;
    QList<JobStore::DurableCallback> awaiting;
    for (const Job& committed : jobs) {
        auto it = m_active.find(committed.id);
        if (it == m_active.end() || it->stored)
            continue;
        it->stored = true;
        if (!m_awaitingInsert.isEmpty())
            awaiting += m_awaitingInsert.take(committed.id);
        --m_unstored;
        Job& job = it->job;
        m_lifecycle.stored(job);
        if (job.status == JobStatus::Scheduled)
            scheduleLocked(job);
        else if (m_queue.push(job.queue, job.priority, job.id, it->external)) {
            if (it->external)
                m_externalReady = true;
            else
                ++runnable;
        }
        keyed += job.idempotencyKey.isEmpty() ? 0 : 1;
        changedLocked(job);
        ++m_submittedTotal;
    }
    // Only now that the store has them: a submit that read the old count looked them up too
    // early, and learns so under the lock; one that reads the new count finds them in the store.
    if (keyed)
        m_keyedJobsCreated.fetchAndAddRelease(quint64(keyed));
    if (runnable)
        wakeWorkersSoonLocked(runnable);
    serveLeaseWaitersLocked();
    lock.unlock();
    for (const auto& callback : std::as_const(awaiting))
        callback({});
}

void EngineCore::workerLoop(int slot)
{
    QMutexLocker lock(&m_mutex);
    for (;;) {
        if (m_quitting || slot >= m_workerCount)
            break;
        QString queue;
        const JobId id = m_state == EngineState::Running ? m_queue.pop(&queue) : 0;
        if (!id) {
            ++m_idleWorkers;
            m_workAvailable.wait(&m_mutex);
            --m_idleWorkers;
            m_pendingWakes = std::max(0, m_pendingWakes - 1);
            continue;
        }
        runAttempt(slot, id, lock);
    }
    m_loopAlive[slot] = false;
    m_slots[slot] = WorkerStatus { slot, false, 0, {}, 0, 0.0 };
    m_dirty = true;
}

void EngineCore::runAttempt(int slot, JobId id, QMutexLocker<SpinningMutex>& lock)
{
    ActiveJob& active = m_active[id];
    Job& job = active.job;
    m_lifecycle.start(job, now());
    active.token = std::make_shared<CancelToken>(job.timeoutMs);
    ++m_running;
    m_slots[slot] = WorkerStatus { slot, true, id, job.type, job.startedAt, 0.0 };
    m_store->update(job);
    changedLocked(job);

    const Job snapshot = job;
    const std::shared_ptr<CancelToken> token = active.token;
    const auto handler = m_handlers.find(job.type);
    lock.unlock();

    const auto reportProgress = [this, id, slot](double fraction) {
        QMutexLocker progressLock(&m_mutex);
        auto it = m_active.find(id);
        if (it == m_active.end())
            return;
        it->job.progress = std::clamp(fraction, 0.0, 1.0);
        m_slots[slot].progress = it->job.progress;
        changedLocked(it->job);
    };
    JobOutcome outcome;
    try {
        outcome = handler ? handler->run(JobContext(snapshot, *token, reportProgress))
                          : JobOutcome::failure(QStringLiteral("unknown_type"), QStringLiteral("no handler"));
    } catch (const std::exception& e) {
        outcome = JobOutcome::failure(QStringLiteral("handler_exception"), QString::fromUtf8(e.what()));
    } catch (...) {
        outcome = JobOutcome::failure(QStringLiteral("handler_exception"), QStringLiteral("unknown exception"));
    }
    if (!outcome.error && resultSize(outcome.result) > Limits::maxResultBytes) {
        outcome = JobOutcome::failure(QStringLiteral("result_too_large"),
            QStringLiteral("the result exceeds %1 bytes").arg(Limits::maxResultBytes));
    }

    lock.relock();
    m_slots[slot] = WorkerStatus { slot, false, 0, {}, 0, 0.0 };
    --m_running;
    finishAttempt(id, outcome, token->stopReason());
    maybeStoppedLocked();
}

void EngineCore::finishAttempt(JobId id, const JobOutcome& outcome, CancelToken::Reason reason, Job* finalState)
{
    ActiveJob& active = m_active[id];
    Job& job = active.job;
    active.token.reset();
    m_queue.finishedRunning(job.queue);
    const qint64 t = now();

    AttemptEnd end { AttemptEnd::Reason::Finished, outcome.error, outcome.result };
    switch (reason) {
    case CancelToken::Reason::None:
        break;
    case CancelToken::Reason::Cancelled:
        end.reason = AttemptEnd::Reason::Cancelled;
        break;
    case CancelToken::Reason::TimedOut:
        end.reason = AttemptEnd::Reason::TimedOut;
        break;
    case CancelToken::Reason::Shutdown:
        end.reason = AttemptEnd::Reason::DrainCutOff;
        break;
    }
    if (end.reason != AttemptEnd::Reason::DrainCutOff)
        m_throughput.record(t, job.startedAt - std::max(job.createdAt, job.runAt), t - job.startedAt);

    const JobStatus status = m_lifecycle.endAttempt(job, end, t);
    if (finalState)
        *finalState = job;
    if (isFinished(status)) {
        finishJobLocked(active);
        return;
    }
    if (status == JobStatus::Scheduled)
        scheduleLocked(job); // a retry after its backoff
    else
        m_queue.push(job.queue, job.priority, job.id, active.external); // cut off by the drain deadline
    m_store->update(job);
    changedLocked(job);
}

void EngineCore::finishJobLocked(ActiveJob& active)
{
    const Job job = active.job;
    m_store->update(job);
    changedLocked(job);
    if (!job.idempotencyKey.isEmpty())
        m_activeKeys.remove(job.idempotencyKey);
    m_active.remove(job.id);
    ++m_finishedTotal;
    m_waiters.finished(job);
}

void EngineCore::dropUnstored(const QList<Job>& jobs, const QString& error)
{
    // The client gets an error instead of a 202, so the jobs must not run: they never existed.
    // Being unstored, none was queued, scheduled, counted or run.
    qWarning("queuelab: storing %lld new job(s) failed: %s", qlonglong(jobs.size()), qPrintable(error));
    QMutexLocker lock(&m_mutex);
    QList<JobStore::DurableCallback> awaiting;
    quint64 keyed = 0;
    for (const Job& unstored : jobs) {
        auto it = m_active.find(unstored.id);
        if (it == m_active.end() || it->stored)
            continue;
        --m_unstored;
        if (!unstored.idempotencyKey.isEmpty()) {
            m_activeKeys.remove(unstored.idempotencyKey);
            ++keyed;
        }
        m_active.erase(it);
        m_waiters.forget(unstored.id);
        if (!m_awaitingInsert.isEmpty())
            awaiting += m_awaitingInsert.take(unstored.id);
    }
    // A submit that found one of them in the store's pending writes before taking the lock
    // looks again under it.
    if (keyed)
        m_keyedJobsCreated.fetchAndAddRelease(keyed);
    lock.unlock();
    for (const auto& callback : std::as_const(awaiting))
        callback(error);
}

std::optional<Job> EngineCore::job(JobId id) const
{
    {
        QMutexLocker lock(&m_mutex);
        const auto it = m_active.constFind(id);
        if (it != m_active.cend() && it->stored)
            return it->job;
    }
    return m_store->find(id);
}

CurrentJobs EngineCore::currentJobs(JobId fromId, JobId toId) const
{
    CurrentJobs result;
    QList<qsizetype> unheld; // positions in result.jobs of jobs the engine no longer holds
    {
        QMutexLocker lock(&m_mutex);
        result.changeSeq = m_changeSeq;
        toId = std::min(toId, m_lastId);
        fromId = std::max({ fromId, JobId(1), toId - Engine::maxCurrentJobs + 1 });
        result.jobs.reserve(std::max<qsizetype>(0, toId - fromId + 1));
        for (JobId id = toId; id >= fromId; --id) {
            const auto it = m_active.constFind(id);
            if (it != m_active.cend()) {
                result.jobs.append(it->job);
            } else {
                unheld.append(result.jobs.size());
                result.jobs.append(Job {});
                result.jobs.last().id = id;
            }
        }
    }
    // Finished (or never stored): the store has its newest state, pending writes included.
    // Every job up to m_lastId was handed to the store before the lock was released.
    for (const qsizetype position : std::as_const(unheld)) {
        if (std::optional<Job> stored = m_store->find(result.jobs[position].id))
            result.jobs[position] = std::move(*stored);
        else
            result.jobs[position].id = 0;
    }
    result.jobs.removeIf([](const Job& job) { return job.id == 0; });
    return result;
}

JobId EngineCore::lastJobId() const
{
    QMutexLocker lock(&m_mutex);
    return m_lastId;
}

JobPage EngineCore::listJobs(const JobQuery& query) const
{
    return m_store->list(query);
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
    if (job.status == JobStatus::Queued)
        m_queue.remove(job.queue, job.priority, job.id);
    else
        m_scheduled.erase({ job.runAt, job.id });
    m_lifecycle.cancelWaiting(job, now());
    const Job result = job;
    finishJobLocked(*it);
    return result;
}

EngineResult<Job> EngineCore::retry(JobId id)
{
    if (auto lost = storageLost())
        return *lost;
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
    if (auto full = queueFullLocked(1))
        return *full;

    Job job = *stored;
    m_lifecycle.retry(job);
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
    QMetaObject::invokeMethod(context, [callback = std::move(callback), job = *stored] { callback(job); });
    lock.relock(); // the handle only has to be non-zero and unique; cancelling it does nothing
    return m_waiters.spareHandle();
}

void EngineCore::cancelWait(quint64 handle)
{
    QMutexLocker lock(&m_mutex);
    m_waiters.remove(handle);
}

QHash<QString, qint64> EngineCore::scheduledByQueueLocked() const
{
    QHash<QString, qint64> counts;
    for (const auto& [runAt, id] : m_scheduled) {
        Q_UNUSED(runAt);
        const auto it = m_active.constFind(id); // not value(): that copies the job
        if (it != m_active.cend())
            ++counts[it->job.queue];
    }
    return counts;
}

QueueInfo EngineCore::queueInfoLocked(const QString& name, std::optional<qint64> scheduled) const
{
    QueueInfo info;
    info.name = name;
    info.depth = m_queue.depth(name);
    info.running = m_queue.running(name);
    info.paused = m_queue.isPaused(name);
    info.concurrency = m_queue.concurrency(name);
    info.scheduled = scheduled ? *scheduled : scheduledByQueueLocked().value(name);
    return info;
}

QList<QueueInfo> EngineCore::queues() const
{
    QMutexLocker lock(&m_mutex);
    const QHash<QString, qint64> scheduled = scheduledByQueueLocked();
    QStringList names = m_queue.names();
    // A queue whose jobs are all delayed has not reached m_queue yet, but it exists.
    for (auto it = scheduled.cbegin(); it != scheduled.cend(); ++it) {
        if (!names.contains(it.key()))
            names.append(it.key());
    }
    names.sort();
    if (!names.contains(QStringLiteral("default")))
        names.prepend(QStringLiteral("default"));
    QList<QueueInfo> result;
    for (const QString& name : std::as_const(names))
        result.append(queueInfoLocked(name, scheduled.value(name)));
    return result;
}

EngineResult<QueueInfo> EngineCore::setQueuePaused(const QString& name, bool paused)
{
    if (!isValidQueueName(name))
        return EngineError { EngineError::Kind::Invalid, QStringLiteral("invalid_field"),
            QStringLiteral("not a valid queue name"), QStringLiteral("name") };
    QMutexLocker lock(&m_mutex);
    if (!m_queue.setPaused(name, paused))
        return tooManyQueues();
    if (!paused) {
        m_workAvailable.wakeAll();
        m_externalReady = true;
        serveLeaseWaitersLocked();
    }
    m_dirty = true;
    return queueInfoLocked(name);
}

EngineResult<QueueInfo> EngineCore::setQueueConcurrency(const QString& name, int limit)
{
    if (!isValidQueueName(name))
        return EngineError { EngineError::Kind::Invalid, QStringLiteral("invalid_field"),
            QStringLiteral("not a valid queue name"), QStringLiteral("name") };
    QMutexLocker lock(&m_mutex);
    if (!m_queue.setConcurrency(name, limit))
        return tooManyQueues();
    m_workAvailable.wakeAll();
    m_externalReady = true;
    serveLeaseWaitersLocked();
    m_dirty = true;
    return queueInfoLocked(name);
}

EngineResult<QueueInfo> EngineCore::deleteQueue(const QString& name)
{
    if (!isValidQueueName(name))
        return EngineError { EngineError::Kind::Invalid, QStringLiteral("invalid_field"),
            QStringLiteral("not a valid queue name"), QStringLiteral("name") };
    QMutexLocker lock(&m_mutex);
    const QueueInfo info = queueInfoLocked(name);
    if (info.scheduled > 0 || info.depth > 0 || info.running > 0)
        return EngineError { EngineError::Kind::Conflict, QStringLiteral("conflict"),
            QStringLiteral("queue %1 holds %2 queued, %3 scheduled and %4 running jobs: only an empty queue can be "
                           "deleted")
                .arg(name)
                .arg(info.depth)
                .arg(info.scheduled)
                .arg(info.running),
            {} };
    // "default" is always there: deleting it forgets its settings.
    if (m_queue.removeQueue(name) == JobQueue::Removal::Unknown && name != QStringLiteral("default"))
        return EngineError { EngineError::Kind::NotFound, QStringLiteral("not_found"),
            QStringLiteral("no queue named %1").arg(name), {} };
    m_dirty = true;
    return QueueInfo { name, 0, 0, 0, false, 0 };
}

EngineStats EngineCore::stats() const
{
    QMutexLocker lock(&m_mutex);
    EngineStats stats;
    stats.state = m_state;
    stats.counts = m_lifecycle.counts();
    stats.queueDepth = m_queue.depth();
    stats.runnable = m_queue.runnable();
    stats.workerCount = m_workerCount;
    stats.busyWorkers = m_running;
    stats.throughput = m_throughput.current(now());
    stats.submittedTotal = m_submittedTotal;
    stats.finishedTotal = m_finishedTotal;
    return stats;
}

int EngineCore::workerCount() const
{
    QMutexLocker lock(&m_mutex);
    return m_workerCount;
}

void EngineCore::setWorkerCount(int count)
{
    QMutexLocker lock(&m_mutex);
    m_workerCount = std::clamp(count, 1, Limits::maxWorkers);
    m_dirty = true;
    if (m_opened)
        startWorkersLocked();
    m_workAvailable.wakeAll(); // loops above the new count exit
}

Engine::Histogram EngineCore::waitHistogram() const
{
    QMutexLocker lock(&m_mutex);
    return m_throughput.waitHistogram();
}

Engine::Histogram EngineCore::runHistogram() const
{
    QMutexLocker lock(&m_mutex);
    return m_throughput.runHistogram();
}

std::optional<EngineSnapshot> EngineCore::takeSnapshot()
{
    QMutexLocker lock(&m_mutex);
    const qint64 t = now();
    const Throughput throughput = m_throughput.current(t);
    if (!m_dirty && throughput.jobsPerSecond == m_lastPublishedRate
        && throughput.finishedLastMinute == m_lastPublishedMinute)
        return std::nullopt;
    EngineSnapshot snapshot;
    snapshot.state = m_state;
    snapshot.takenAt = t;
    snapshot.counts = m_lifecycle.counts();
    snapshot.queueDepth = m_queue.depth();
    snapshot.runnable = m_queue.runnable();
    snapshot.workerCount = m_workerCount;
    snapshot.busyWorkers = m_running;
    snapshot.workers = m_slots.mid(0, m_workerCount);
    for (const WorkerRegistry::Entry& worker : m_workers.all())
        snapshot.externalWorkers.append(workerStatusLocked(worker, t));
    snapshot.throughput = throughput;
    snapshot.drainDeadline = m_drainDeadline;
    snapshot.previousChangeSeq = m_publishedChangeSeq;
    snapshot.changeSeq = m_changeSeq;
    m_publishedChangeSeq = m_changeSeq;
    snapshot.changedJobs = m_changed.values();
    std::sort(snapshot.changedJobs.begin(), snapshot.changedJobs.end(),
        [](const JobChange& a, const JobChange& b) { return a.job.id > b.job.id; });
    snapshot.changesTruncated = m_changesTruncated;
    m_changed.clear();
    m_changesTruncated = false;
    m_dirty = false;
    m_lastPublishedRate = throughput.jobsPerSecond;
    m_lastPublishedMinute = throughput.finishedLastMinute;
    return snapshot;
}
