// EngineCore's side of external workers: leases, beats, and what ends them. Kept apart from
// enginecore.cpp, which runs the built-in slots; both share the engine's state and mutex.
#include "defaultlimits.h"
#include "enginecore.h"
#include "enginetimers.h"
#include "queuedcall.h"
#include "wire/jobjson.h"

#include <QRandomGenerator>

#include <cmath>

namespace {

EngineError invalid(const QString& field, const QString& message)
{
    return { EngineError::Kind::Invalid, QStringLiteral("invalid_field"), message, field };
}

EngineError unknownWorker(const QString& id)
{
    return { EngineError::Kind::NotFound, QStringLiteral("unknown_worker"),
        QStringLiteral("no worker \"%1\" is registered; register it (again) first").arg(id), {} };
}

EngineError leaseLost(JobId id)
{
    return { EngineError::Kind::Conflict, QStringLiteral("lease_lost"),
        QStringLiteral("job %1 has no lease with this token: it expired, ended, or belongs to another attempt, and "
                       "the job may run elsewhere")
            .arg(id),
        {} };
}

EngineError storageFailed(const QString& error)
{
    return { EngineError::Kind::Storage, QStringLiteral("storage_failed"),
        QStringLiteral("the store could not commit the change: %1").arg(error), {} };
}

// 128 random bits: a worker cannot guess another's lease.
QString newToken()
{
    quint32 words[4];
    QRandomGenerator::system()->fillRange(words);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char*>(words), sizeof(words)).toHex());
}

bool isPlainText(const QString& text, qsizetype maxLength)
{
    if (text.size() > maxLength)
        return false;
    return std::none_of(text.cbegin(), text.cend(), [](QChar c) { return c.unicode() < 0x20; });
}

template <typename Callback, typename Value> void post(QObject* context, const Callback& callback, Value value)
{
    // Always queued: the caller may hold locks, and answers never run inside the call that asked.
    QueuedCall::invoke(
        context, [callback, value = std::move(value)] { callback(value); }, Qt::QueuedConnection);
}

} // namespace

EngineResult<QString> EngineCore::declareJobType(const QString& type)
{
    if (type.isEmpty() || !isPlainText(type, Limits::maxTypeLength))
        return invalid(QStringLiteral("type"),
            QStringLiteral("must be a non-empty string of at most %1 characters").arg(Limits::maxTypeLength));
    QMutexLocker lock(&m_mutex);
    if (!m_handlers.find(type)) {
        m_workers.declareType(type);
        m_store->setDeclaredJobTypes(m_workers.declaredTypes());
    }
    m_dirty = true;
    return type;
}

QStringList EngineCore::declaredJobTypes() const
{
    QMutexLocker lock(&m_mutex);
    return m_workers.declaredTypes();
}

EngineResult<ExternalWorkerStatus> EngineCore::registerWorker(const WorkerRegistration& requested)
{
    WorkerRegistration registration = requested;
    if (registration.id.isEmpty() || !isPlainText(registration.id, Limits::maxWorkerIdLength))
        return invalid(QStringLiteral("id"),
            QStringLiteral("must be a non-empty string of at most %1 characters").arg(Limits::maxWorkerIdLength));
    if (!isPlainText(registration.hostname, Limits::maxWorkerTextLength))
        return invalid(QStringLiteral("hostname"),
            QStringLiteral("must be at most %1 characters").arg(Limits::maxWorkerTextLength));
    if (registration.pid < 0)
        return invalid(QStringLiteral("pid"), QStringLiteral("must not be negative"));
    for (const QString& label : std::as_const(registration.labels)) {
        if (!isPlainText(label, Limits::maxWorkerTextLength))
            return invalid(QStringLiteral("labels"),
                QStringLiteral("each label must be at most %1 characters").arg(Limits::maxWorkerTextLength));
    }
    for (const QString& queue : std::as_const(registration.queues)) {
        if (!isValidQueueName(queue))
            return invalid(QStringLiteral("queues"), QStringLiteral("\"%1\" is not a valid queue name").arg(queue));
    }
    for (const QString& type : std::as_const(registration.jobTypes)) {
        if (type.isEmpty() || !isPlainText(type, Limits::maxTypeLength))
            return invalid(QStringLiteral("job_types"),
                QStringLiteral("each type must be a non-empty string of at most %1 characters")
                    .arg(Limits::maxTypeLength));
    }
    if (registration.queues.isEmpty())
        registration.queues = QStringList { QStringLiteral("default") };

    QMutexLocker lock(&m_mutex);
    const qint64 t = now();
    if (auto dropped = droppedWorkerLocked(registration.id, t))
        return *dropped;
    const WorkerRegistry::Entry& entry = m_workers.add(registration, t);
    m_dirty = true;
    m_timers->wakeSchedulerAt(t + m_workers.goneMs());
    return workerStatusLocked(entry, t);
}

std::optional<EngineError> EngineCore::validateLeaseRequest(LeaseRequest& request) const
{
    if (request.max < 1 || request.max > Limits::maxLeaseBatch)
        return invalid(QStringLiteral("max"), QStringLiteral("must be 1 to %1").arg(Limits::maxLeaseBatch));
    if (request.waitMs < 0 || request.waitMs > Limits::maxLeaseWaitMs)
        return invalid(QStringLiteral("wait_ms"), QStringLiteral("must be 0 to %1").arg(Limits::maxLeaseWaitMs));
    if (request.reserveForMs == 0)
        request.reserveForMs = Limits::defaultReserveForMs;
    if (request.reserveForMs < Limits::minReserveForMs || request.reserveForMs > Limits::maxReserveForMs)
        return invalid(QStringLiteral("reserve_for"),
            QStringLiteral("must be %1 to %2 ms").arg(Limits::minReserveForMs).arg(Limits::maxReserveForMs));
    for (const QString& queue : std::as_const(request.queues)) {
        if (!isValidQueueName(queue))
            return invalid(QStringLiteral("queues"), QStringLiteral("\"%1\" is not a valid queue name").arg(queue));
    }
    return std::nullopt;
}

quint64 EngineCore::lease(const LeaseRequest& requested, QObject* context, Engine::LeaseCallback callback)
{
    using Answer = EngineResult<QList<LeaseGrant>>;
    LeaseRequest request = requested;
    if (auto error = validateLeaseRequest(request)) {
        post(context, callback, Answer(*error));
        return 0;
    }
    QMutexLocker lock(&m_mutex);
    const qint64 t = now();
    if (auto dropped = droppedWorkerLocked(request.workerId, t)) {
        post(context, callback, Answer(*dropped));
        return 0;
    }
    WorkerRegistry::Entry* worker = m_workers.seen(request.workerId, t);
    if (!worker) {
        post(context, callback, Answer(unknownWorker(request.workerId)));
        return 0;
    }
    m_dirty = true;
    if (request.queues.isEmpty())
        request.queues = worker->registration.queues;
    if (m_state != EngineState::Running) {
        post(context, callback, Answer(QList<LeaseGrant>()));
        return 0;
    }
    // A quiet worker's long poll waits out its time (no busy loop of empty answers), unless
    // it is told Ok meanwhile.
    const bool quiet = directiveLocked(*worker) != WorkerDirective::Ok;
    const bool emptied = !quiet && leaseEmptiedLocked(request, t); // so does an empty_leases fault's
    QList<LeaseGrant> grants = quiet || emptied ? QList<LeaseGrant>() : grantLeasesLocked(request, t);
    if (!grants.isEmpty()) {
        answerLeaseLater(std::move(grants), context, std::move(callback));
        return 0;
    }
    if (request.waitMs == 0) {
        post(context, callback, Answer(QList<LeaseGrant>()));
        return 0;
    }
    const quint64 handle = m_nextWaitHandle++;
    const qint64 deadline = m_clock.state().realNow + request.waitMs;
    m_leaseWaiters.append(LeaseWaiter { handle, request, deadline, context, std::move(callback), emptied });
    m_timers->wakeLongPollsAt(deadline);
    return handle;
}

void EngineCore::cancelLease(quint64 handle)
{
    QMutexLocker lock(&m_mutex);
    m_leaseWaiters.removeIf([handle](const LeaseWaiter& waiter) { return waiter.handle == handle; });
}

QList<LeaseGrant> EngineCore::grantLeasesLocked(const LeaseRequest& request, qint64 t)
{
    QList<LeaseGrant> grants;
    for (const QString& queue : request.queues) {
        while (grants.size() < request.max) {
            const JobId id = m_queue.popExternal(queue);
            if (!id)
                break;
            Job& job = m_active[id].job;
            m_lifecycle.start(job, t, request.workerId);
            m_store->update(job);
            changedLocked(job);
            const Lease& lease = m_leases.add(Lease { newToken(), id, job.type, request.workerId, t,
                t + request.reserveForMs, request.reserveForMs, 0.0, {}, false });
            grants.append(LeaseGrant { lease, job });
            ++m_leasesGranted;
        }
    }
    if (!grants.isEmpty())
        m_timers->wakeSchedulerAt(t + request.reserveForMs);
    return grants;
}

void EngineCore::answerLeaseLater(QList<LeaseGrant> grants, QObject* context, Engine::LeaseCallback callback)
{
    // Answered once the leases are committed: after a crash, the store knows the jobs ran.
    m_store->whenDurable([this, grants = std::move(grants), context = QPointer<QObject>(context),
                             callback = std::move(callback)](const QString& error) {
        if (error.isEmpty() && context) {
            post(context, callback, EngineResult<QList<LeaseGrant>>(grants));
            return;
        }
        if (error.isEmpty()) {
            // Nobody to answer any more: the jobs go back now rather than when the leases run out.
            QueuedCall::invoke(m_timers, [this, grants] { releaseLeases(grants); });
            return;
        }
        // Not durable: the worker hears so, and the jobs go back as if never leased. On the
        // timer thread: this callback may run inside a store call made under the engine's lock.
        QueuedCall::invoke(m_timers, [this, grants] { releaseLeases(grants); });
        if (context)
            post(context, callback, EngineResult<QList<LeaseGrant>>(storageFailed(error)));
    });
}

void EngineCore::releaseLeases(const QList<LeaseGrant>& grants)
{
    QMutexLocker lock(&m_mutex);
    for (const LeaseGrant& grant : grants) {
        if (m_leases.find(grant.job.id, grant.lease.token))
            endLeaseLocked(grant.job.id, JobOutcome {}, AttemptEnd::Reason::Returned);
    }
}

void EngineCore::serveLeaseWaitersLocked()
{
    if (!m_externalReady)
        return;
    m_externalReady = false;
    if (m_leaseWaiters.isEmpty() || m_state != EngineState::Running)
        return;
    const qint64 t = now();
    for (auto it = m_leaseWaiters.begin(); it != m_leaseWaiters.end();) {
        const WorkerRegistry::Entry* worker = m_workers.find(it->request.workerId);
        if (!it->context || !worker) {
            it = m_leaseWaiters.erase(it);
            continue;
        }
        if (it->emptied || directiveLocked(*worker) != WorkerDirective::Ok) {
            ++it;
            continue;
        }
        QList<LeaseGrant> grants = grantLeasesLocked(it->request, t);
        if (grants.isEmpty()) {
            ++it;
            continue;
        }
        answerLeaseLater(std::move(grants), it->context.data(), std::move(it->callback));
        it = m_leaseWaiters.erase(it);
    }
}

void EngineCore::answerLeaseWaitersEmptyLocked()
{
    for (const LeaseWaiter& waiter : std::as_const(m_leaseWaiters)) {
        if (waiter.context)
            post(waiter.context.data(), waiter.callback, EngineResult<QList<LeaseGrant>>(QList<LeaseGrant>()));
    }
    m_leaseWaiters.clear();
}

void EngineCore::endLeaseLocked(JobId id, const JobOutcome& outcome, AttemptEnd::Reason reason, Job* finalState)
{
    m_leases.take(id);
    finishAttempt(id, outcome, reason, finalState);
    m_externalReady = true; // a job came back, or its queue has a free slot
    serveLeaseWaitersLocked();
    maybeStoppedLocked();
}

void EngineCore::expireLeaseLocked(JobId id, const QString& why, Job* finalState, const QString& fault)
{
    const bool cancelled = m_leases.find(id)->cancelRequested;
    ++m_leaseExpiries;
    JobOutcome outcome = JobOutcome::failure(QStringLiteral("lease_expired"), why);
    outcome.error->fault = fault;
    endLeaseLocked(id, outcome, cancelled ? AttemptEnd::Reason::Cancelled : AttemptEnd::Reason::Finished, finalState);
}

void EngineCore::revokeLeasesLocked()
{
    for (const JobId id : m_leases.jobs())
        endLeaseLocked(id, JobOutcome {}, AttemptEnd::Reason::DrainCutOff);
}

qint64 EngineCore::sweepLeasesLocked(qint64 t)
{
    for (const LeaseWaiter& waiter : std::as_const(m_leaseWaiters))
        m_workers.seen(waiter.request.workerId, t); // waiting in a long poll is a sign of life
    for (const QString& gone : m_workers.markGone(t)) {
        m_dirty = true;
        for (const JobId id : m_leases.jobsOf(gone)) {
            expireLeaseLocked(id, QStringLiteral("worker %1 was not seen for %2 ms").arg(gone).arg(m_workers.goneMs()));
        }
    }
    for (const JobId id : m_leases.expiredAt(t)) {
        const Lease* lease = m_leases.find(id);
        expireLeaseLocked(id,
            QStringLiteral("the lease of worker %1 ran out after %2 ms").arg(lease->workerId).arg(t - lease->leasedAt));
    }
    qint64 next = 0;
    const auto consider = [&next](qint64 at) {
        if (at > 0 && (next == 0 || at < next))
            next = at;
    };
    consider(m_leases.nextExpiry());
    consider(m_workers.nextGoneAt());
    return next;
}

qint64 EngineCore::endLongPollsLocked(qint64 realNow)
{
    qint64 next = 0;
    for (auto it = m_leaseWaiters.begin(); it != m_leaseWaiters.end();) {
        if (it->deadline > realNow) {
            next = next == 0 ? it->deadline : std::min(next, it->deadline);
            ++it;
            continue;
        }
        if (it->context)
            post(it->context.data(), it->callback, EngineResult<QList<LeaseGrant>>(QList<LeaseGrant>()));
        it = m_leaseWaiters.erase(it);
    }
    return next;
}

WorkerDirective EngineCore::directiveLocked(const WorkerRegistry::Entry& worker) const
{
    if (worker.directive != WorkerDirective::Ok)
        return worker.directive;
    // Draining or stopped: no new jobs for now, but the worker may stay.
    return m_state == EngineState::Running ? WorkerDirective::Ok : WorkerDirective::Quiet;
}

ExternalWorkerStatus EngineCore::workerStatusLocked(const WorkerRegistry::Entry& worker, qint64 t) const
{
    ExternalWorkerStatus status;
    status.registration = worker.registration;
    status.directive = worker.directive;
    status.registeredAt = worker.registeredAt;
    status.lastSeenAt = worker.lastSeenAt;
    for (const JobId id : m_leases.jobsOf(worker.registration.id))
        status.leases.append(*m_leases.find(id));
    if (m_workers.isGone(worker, t))
        status.state = WorkerState::Gone;
    else if (worker.directive != WorkerDirective::Ok)
        status.state = WorkerState::Quiet;
    else
        status.state = status.leases.isEmpty() ? WorkerState::Idle : WorkerState::Busy;
    return status;
}

EngineResult<Lease*> EngineCore::leaseForCallLocked(JobId id, const QString& token, qint64 t)
{
    Lease* lease = m_leases.find(id, token);
    if (!lease)
        return leaseLost(id);
    m_workers.seen(lease->workerId, t);
    m_dirty = true;
    return lease;
}

EngineResult<LeaseStatus> EngineCore::extendLease(JobId id, const QString& token, qint64 reserveForMs)
{
    if (reserveForMs != 0 && (reserveForMs < Limits::minReserveForMs || reserveForMs > Limits::maxReserveForMs))
        return invalid(QStringLiteral("reserve_for"),
            QStringLiteral("must be %1 to %2 ms").arg(Limits::minReserveForMs).arg(Limits::maxReserveForMs));
    QMutexLocker lock(&m_mutex);
    const qint64 t = now();
    const EngineResult<Lease*> found = leaseForCallLocked(id, token, t);
    if (const auto* error = std::get_if<EngineError>(&found))
        return *error;
    Lease* lease = std::get<Lease*>(found);
    LeaseStatus status;
    if (const WorkerRegistry::Entry* worker = m_workers.find(lease->workerId))
        status.directive = directiveLocked(*worker);
    if (lease->cancelRequested) {
        status.lease = *lease;
        status.cancelled = true;
        endLeaseLocked(id, JobOutcome {}, AttemptEnd::Reason::Cancelled);
        return status;
    }
    if (reserveForMs > 0)
        lease->reserveForMs = reserveForMs;
    m_leases.setExpiry(id, t + lease->reserveForMs);
    status.lease = *lease;
    return status;
}

EngineResult<LeaseStatus> EngineCore::reportProgress(
    JobId id, const QString& token, double fraction, const QString& message)
{
    if (!std::isfinite(fraction) || fraction < 0 || fraction > 1)
        return invalid(QStringLiteral("progress"), QStringLiteral("must be a number from 0 to 1"));
    if (message.size() > Limits::maxWorkerTextLength)
        return invalid(QStringLiteral("message"),
            QStringLiteral("must be at most %1 characters").arg(Limits::maxWorkerTextLength));
    QMutexLocker lock(&m_mutex);
    const qint64 t = now();
    const EngineResult<Lease*> found = leaseForCallLocked(id, token, t);
    if (const auto* error = std::get_if<EngineError>(&found))
        return *error;
    Lease* lease = std::get<Lease*>(found);
    LeaseStatus status;
    if (const WorkerRegistry::Entry* worker = m_workers.find(lease->workerId))
        status.directive = directiveLocked(*worker);
    if (lease->cancelRequested) {
        status.lease = *lease;
        status.cancelled = true;
        endLeaseLocked(id, JobOutcome {}, AttemptEnd::Reason::Cancelled);
        return status;
    }
    lease->progress = fraction;
    lease->progressMessage = message;
    Job& job = m_active[id].job;
    job.progress = fraction;
    m_store->update(job); // coalesced with the job's other writes; not waited for
    changedLocked(job);
    status.lease = *lease;
    return status;
}

void EngineCore::completeLease(
    JobId id, const QString& token, const QJsonValue& result, QObject* context, Engine::FinishCallback callback)
{
    QByteArray json;
    JobJson::appendValue(json, result);
    if (json.size() > Limits::maxResultBytes) {
        // Refused, not failed: the lease stays, so that the worker can fail the job instead.
        post(context, callback,
            EngineResult<Job>(invalid(
                QStringLiteral("result"), QStringLiteral("the result exceeds %1 bytes").arg(Limits::maxResultBytes))));
        return;
    }
    finishLease(id, token, JobOutcome::success(result), context, std::move(callback));
}

void EngineCore::failLease(
    JobId id, const QString& token, const WorkerFailure& failure, QObject* context, Engine::FinishCallback callback)
{
    JobError error { failure.code.left(Limits::maxTypeLength), failure.message, failure.details };
    if (error.code.isEmpty())
        error.code = QStringLiteral("worker_failed");
    // A long backtrace is cut rather than refused: a worker whose failure is refused leaves its
    // job waiting for the lease to expire.
    error.message.truncate(Limits::maxWorkerFailureBytes / 4);
    error.details.truncate(Limits::maxWorkerFailureBytes / 2);
    finishLease(
        id, token, JobOutcome { QJsonValue(QJsonValue::Null), error, failure.retryInMs }, context, std::move(callback));
}

void EngineCore::finishLease(
    JobId id, const QString& token, const JobOutcome& outcome, QObject* context, Engine::FinishCallback callback)
{
    Job final;
    {
        QMutexLocker lock(&m_mutex);
        const qint64 t = now();
        const EngineResult<Lease*> found = leaseForCallLocked(id, token, t);
        if (const auto* error = std::get_if<EngineError>(&found)) {
            post(context, callback, EngineResult<Job>(*error));
            return;
        }
        // Finished after a cancel: the job ends cancelled, as a built-in job would.
        const bool cancelled = std::get<Lease*>(found)->cancelRequested;
        JobOutcome injected = outcome;
        if (!cancelled)
            failAfterRunLocked(m_active[id].job, injected, t); // a fail_attempts fault "after the run"
        endLeaseLocked(id, injected, cancelled ? AttemptEnd::Reason::Cancelled : AttemptEnd::Reason::Finished, &final);
    }
    m_store->whenDurable(
        [final, context = QPointer<QObject>(context), callback = std::move(callback)](const QString& error) {
            if (context)
                post(context.data(), callback, error.isEmpty() ? EngineResult<Job>(final) : storageFailed(error));
        });
}

EngineResult<BeatAnswer> EngineCore::beat(const QString& workerId)
{
    QMutexLocker lock(&m_mutex);
    const qint64 t = now();
    if (auto dropped = droppedWorkerLocked(workerId, t))
        return *dropped;
    WorkerRegistry::Entry* worker = m_workers.seen(workerId, t);
    if (!worker)
        return unknownWorker(workerId);
    m_dirty = true;
    BeatAnswer answer;
    answer.directive = directiveLocked(*worker);
    for (const JobId id : m_leases.jobsOf(workerId)) {
        if (m_leases.find(id)->cancelRequested) {
            answer.cancelledJobs.append(id);
            endLeaseLocked(id, JobOutcome {}, AttemptEnd::Reason::Cancelled);
        }
    }
    return answer;
}

QList<ExternalWorkerStatus> EngineCore::externalWorkers() const
{
    QMutexLocker lock(&m_mutex);
    const qint64 t = now();
    QList<ExternalWorkerStatus> workers;
    for (const WorkerRegistry::Entry& worker : m_workers.all())
        workers.append(workerStatusLocked(worker, t));
    return workers;
}

WorkerCounts EngineCore::workerCounts() const
{
    QMutexLocker lock(&m_mutex);
    const qint64 t = now();
    WorkerCounts counts;
    for (const WorkerRegistry::Entry& worker : m_workers.all()) {
        switch (workerStatusLocked(worker, t).state) {
        case WorkerState::Idle:
            ++counts.idle;
            break;
        case WorkerState::Busy:
            ++counts.busy;
            break;
        case WorkerState::Quiet:
            ++counts.quiet;
            break;
        case WorkerState::Gone:
            ++counts.gone;
            break;
        }
    }
    counts.leases = m_leases.size();
    counts.leasesGranted = m_leasesGranted;
    counts.leaseExpiries = m_leaseExpiries;
    return counts;
}

EngineResult<ExternalWorkerStatus> EngineCore::setWorkerDirective(const QString& workerId, WorkerDirective directive)
{
    QMutexLocker lock(&m_mutex);
    WorkerRegistry::Entry* worker = m_workers.find(workerId);
    if (!worker)
        return unknownWorker(workerId);
    worker->directive = directive;
    m_dirty = true;
    const ExternalWorkerStatus status = workerStatusLocked(*worker, now());
    if (directive == WorkerDirective::Ok) {
        m_externalReady = true;
        serveLeaseWaitersLocked();
    }
    return status;
}

void EngineCore::setAllWorkersDirective(WorkerDirective directive)
{
    QMutexLocker lock(&m_mutex);
    m_workers.setDirectiveForAll(directive);
    m_dirty = true;
    if (directive == WorkerDirective::Ok) {
        m_externalReady = true;
        serveLeaseWaitersLocked();
    }
}

EngineResult<Job> EngineCore::expireLease(JobId id)
{
    QMutexLocker lock(&m_mutex);
    if (!m_leases.find(id)) {
        const auto it = m_active.constFind(id);
        if (it == m_active.cend())
            return EngineError { EngineError::Kind::NotFound, QStringLiteral("not_found"),
                QStringLiteral("no active job with id %1").arg(id), {} };
        return EngineError { EngineError::Kind::Conflict, QStringLiteral("conflict"),
            QStringLiteral("job %1 is %2, not leased by an external worker").arg(id).arg(statusName(it->job.status)),
            {} };
    }
    Job final;
    expireLeaseLocked(id, QStringLiteral("the lease was expired by request"), &final);
    return final;
}
