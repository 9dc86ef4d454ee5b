// EngineCore's side of submissions: checked, numbered, held back until the store commits
// them, then queued or scheduled (or dropped when the commit fails). Shares the engine's state
// and mutex with enginecore.cpp.
#include "defaultlimits.h"
#include "durablejoin.h"
#include "enginecore.h"
#include "submissionchecks.h"

#include <QVarLengthArray>

#include <algorithm>

std::optional<EngineError> EngineCore::queueFullLocked(qint64 adding) const
{
    const qint64 capacity = m_config.maxQueued > 0 ? m_config.maxQueued : Limits::maxQueued;
    const qint64 waiting = m_lifecycle.count(JobStatus::Queued) + m_lifecycle.count(JobStatus::Scheduled) + m_unstored;
    return SubmissionChecks::queueFull(waiting, adding, capacity);
}

EngineResult<QList<Job>> EngineCore::submit(
    const QList<JobSpec>& specs, JobStore::DurableCallback onDurable, bool batch)
{
    const auto resolved = SubmissionChecks::resolveTypes(specs, batch, m_handlers, [this](const QString& type) {
        QMutexLocker lock(&m_mutex);
        return m_workers.acceptsType(type);
    });
    if (const auto* error = std::get_if<EngineError>(&resolved))
        return *error;
    const SubmissionChecks::ResolvedTypes& types = std::get<SubmissionChecks::ResolvedTypes>(resolved);
    const bool anyCallback
        = std::any_of(specs.cbegin(), specs.cend(), [](const JobSpec& spec) { return !spec.callbackUrl.isEmpty(); });
    if (anyCallback) { // the policy is read under a mutex: only for the submissions that need it
        if (auto refused = SubmissionChecks::callbackRefused(specs, batch, m_delivery->policy()))
            return *refused;
    }

    if (auto lost = SubmissionChecks::storageLost(m_store->problem()))
        return *lost;
    if (auto refused = injectedRefusal(specs))
        return *refused;

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
    if (auto closed = SubmissionChecks::notTakingJobs(m_state))
        return *closed;
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
        job.type = types[i].name;
        job.queue = spec.queue;
        job.priority = spec.priority;
        job.maxAttempts = spec.maxAttempts;
        job.payload = spec.payload;
        job.timeoutMs = spec.timeoutMs;
        job.idempotencyKey = spec.idempotencyKey;
        job.callbackUrl = spec.callbackUrl;
        JobLifecycle::submit(job, spec.delayMs, t); // counted once stored
        if (!job.idempotencyKey.isEmpty())
            createdKeys.insert(job.idempotencyKey, created.size());
        created.append(job);
        createdExternal.append(types[i].external);
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
    const QList<JobStore::DurableCallback> awaiting = insertStoredLocked(jobs);
    lock.unlock();
    for (const auto& callback : awaiting)
        callback({});
}

QList<JobStore::DurableCallback> EngineCore::insertStoredLocked(const QList<Job>& jobs)
{
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
    return awaiting;
}

void EngineCore::dropUnstored(const QList<Job>& jobs, const QString& error)
{
    // The client gets an error instead of a 202, so the jobs must not run: they never existed.
    // Being unstored, none was queued, scheduled, counted or run.
    QMutexLocker lock(&m_mutex);
    const QList<JobStore::DurableCallback> awaiting = dropUnstoredLocked(jobs, error);
    lock.unlock();
    for (const auto& callback : awaiting)
        callback(error);
}

QList<JobStore::DurableCallback> EngineCore::dropUnstoredLocked(const QList<Job>& jobs, const QString& error)
{
    qWarning("queuelab: storing %lld new job(s) failed: %s", qlonglong(jobs.size()), qPrintable(error));
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
    return awaiting;
}
