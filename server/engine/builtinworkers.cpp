// EngineCore's built-in worker slots: one long-running loop per slot on the worker pool, and
// the wake-ups that feed them. Shares the engine's state and mutex with enginecore.cpp.
#include "conditionwait.h"
#include "defaultlimits.h"
#include "enginecore.h"
#include "queuedcall.h"
#include "threadjoin.h"
#include "wire/jobjson.h"

namespace {

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
        ThreadJoin::runInPool(m_pool, [this, slot] { workerLoop(slot); });
    }
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
    QueuedCall::invoke(
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
            waitOn(m_workAvailable, m_mutex);
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
    active.token = std::make_shared<CancelToken>(job.timeoutMs, m_clock);
    ++m_running;
    m_slots[slot] = WorkerStatus { slot, true, id, job.type, job.startedAt, 0.0 };
    m_store->update(job);
    changedLocked(job);

    const Job snapshot = job;
    const std::shared_ptr<CancelToken> token = active.token;
    const auto handler = m_handlers.find(job.type);
    if (const auto deferred = std::dynamic_pointer_cast<const DeferredJobHandler>(handler)) {
        startDeferred(slot, *deferred, snapshot, token, lock);
        return;
    }
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
    const auto run = [&]() -> JobOutcome {
        try {
            return handler ? handler->run(JobContext(snapshot, *token, reportProgress))
                           : JobOutcome::failure(QStringLiteral("unknown_type"), QStringLiteral("no handler"));
        } catch (const std::exception& e) {
            return JobOutcome::failure(QStringLiteral("handler_exception"), QString::fromUtf8(e.what()));
        } catch (...) {
            return JobOutcome::failure(QStringLiteral("handler_exception"), QStringLiteral("unknown exception"));
        }
    };
    JobOutcome outcome = runWithFaults(snapshot, *token, run);
    if (!outcome.error && resultSize(outcome.result) > Limits::maxResultBytes) {
        outcome = JobOutcome::failure(QStringLiteral("result_too_large"),
            QStringLiteral("the result exceeds %1 bytes").arg(Limits::maxResultBytes));
    }

    lock.relock();
    m_slots[slot] = WorkerStatus { slot, false, 0, {}, 0, 0.0 };
    --m_running;
    finishAttempt(id, outcome, AttemptEnd::stoppedBy(token->stopReason()));
    maybeStoppedLocked();
}

void EngineCore::startDeferred(int slot, const DeferredJobHandler& handler, const Job& job,
    const std::shared_ptr<CancelToken>& token, QMutexLocker<SpinningMutex>& lock)
{
    // The slot only starts the attempt: the job stays running (and counted for a drain) until the
    // handler finishes it, while the slot takes the next job.
    m_slots[slot] = WorkerStatus { slot, false, 0, {}, 0, 0.0 };
    --m_running;
    ++m_deferredRunning;
    lock.unlock();
    handler.start(job, token, [this, id = job.id, token](const JobOutcome& outcome) {
        QMutexLocker finishLock(&m_mutex);
        --m_deferredRunning;
        finishAttempt(id, outcome, AttemptEnd::stoppedBy(token->stopReason()));
        maybeStoppedLocked();
        if (m_deferredRunning == 0)
            m_deferredDone.wakeAll();
    });
    lock.relock();
}

int EngineCore::workerCount() const
{
    QMutexLocker lock(&m_mutex);
    return m_workerCount;
}

void EngineCore::setWorkerCount(int count)
{
    QMutexLocker lock(&m_mutex);
    const int chosen = std::clamp(count, 1, Limits::maxWorkers);
    if (chosen != m_workerCount) { // a change, not the window echoing the count it was shown
        m_chosenWorkers = chosen;
        m_workerCount = chosen;
        storeSettingsLocked();
    }
    m_dirty = true;
    if (m_opened)
        startWorkersLocked();
    m_workAvailable.wakeAll(); // loops above the new count exit
}
