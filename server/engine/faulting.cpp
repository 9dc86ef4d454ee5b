// EngineCore's side of injected faults (faults.h): adding and removing them, and what they do
// on the paths of jobs and requests. Every check starts with FaultSet::isEmpty(), one relaxed
// atomic load: with no fault on, nothing else happens.
#include "defaultlimits.h"
#include "enginecore.h"
#include "enginetimers.h"
#include "queuedcall.h"

#include <algorithm>
#include <cmath>

namespace {

EngineError invalid(const QString& field, const QString& message)
{
    return { EngineError::Kind::Invalid, QStringLiteral("invalid_field"), message, field };
}

bool inScope(const FaultSpec& spec, const QString& queue, const QString& type)
{
    return (spec.queue.isEmpty() || spec.queue == queue) && (spec.jobType.isEmpty() || spec.jobType == type);
}

bool isPlainText(const QString& text, qsizetype maxLength)
{
    return text.size() <= maxLength
        && std::none_of(text.cbegin(), text.cend(), [](QChar c) { return c.unicode() < 0x20; });
}

// Which of the scope's fields a kind takes: the others must be left empty, so that a fault
// never looks narrower than it is.
struct ScopeFields
{
    bool queue;
    bool jobType;
    bool worker;
};

ScopeFields scopeFields(FaultKind kind)
{
    switch (kind) {
    case FaultKind::FailAttempts:
    case FaultKind::RunLatency:
    case FaultKind::RefuseSubmissions:
    case FaultKind::ExpireLeases:
        return { true, true, false };
    case FaultKind::EmptyLeases:
        return { true, false, false };
    case FaultKind::DropWorker:
        return { false, false, true };
    case FaultKind::HttpLatency:
    case FaultKind::HttpDrop:
    case FaultKind::StoreUnavailable:
        break;
    }
    return { false, false, false };
}

std::optional<EngineError> validate(const FaultSpec& spec)
{
    const QString kind = faultKindName(spec.kind);
    const ScopeFields scope = scopeFields(spec.kind);
    const auto notFor = [&kind](const QString& field) {
        return invalid(field, QStringLiteral("does not apply to a %1 fault").arg(kind));
    };
    if (!std::isfinite(spec.share) || spec.share < 0 || spec.share > 1)
        return invalid(QStringLiteral("percent"), QStringLiteral("must be a number from 0 to 100"));
    if (spec.kind == FaultKind::StoreUnavailable && spec.share != 1)
        return invalid(QStringLiteral("percent"), QStringLiteral("must be 100 for a store_unavailable fault"));
    if (spec.durationMs < 0 || spec.durationMs > Limits::maxFaultDurationMs)
        return invalid(QStringLiteral("duration_ms"),
            QStringLiteral("must be an integer from 0 (until removed) to %1").arg(Limits::maxFaultDurationMs));
    if (!spec.queue.isEmpty() && !scope.queue)
        return notFor(QStringLiteral("queue"));
    if (!spec.queue.isEmpty() && !isValidQueueName(spec.queue))
        return invalid(QStringLiteral("queue"), QStringLiteral("is not a valid queue name"));
    if (!spec.jobType.isEmpty() && !scope.jobType)
        return notFor(QStringLiteral("job_type"));
    if (!isPlainText(spec.jobType, Limits::maxTypeLength))
        return invalid(
            QStringLiteral("job_type"), QStringLiteral("must be at most %1 characters").arg(Limits::maxTypeLength));
    if (!spec.worker.isEmpty() && !scope.worker)
        return notFor(QStringLiteral("worker"));
    if (scope.worker && (spec.worker.isEmpty() || !isPlainText(spec.worker, Limits::maxWorkerIdLength)))
        return invalid(QStringLiteral("worker"), QStringLiteral("must name the worker to drop (its id)"));
    if (spec.kind == FaultKind::FailAttempts) {
        if (spec.errorCode.isEmpty() || !isPlainText(spec.errorCode, Limits::maxTypeLength))
            return invalid(QStringLiteral("error_code"),
                QStringLiteral("must be a non-empty string of at most %1 characters").arg(Limits::maxTypeLength));
        if (!isPlainText(spec.errorMessage, Limits::maxFaultMessageLength))
            return invalid(QStringLiteral("error_message"),
                QStringLiteral("must be at most %1 characters").arg(Limits::maxFaultMessageLength));
    }
    const bool latency = spec.kind == FaultKind::RunLatency || spec.kind == FaultKind::HttpLatency;
    if (latency
        && (spec.minMs < 0 || spec.maxMs < spec.minMs || spec.maxMs > Limits::maxFaultLatencyMs || spec.maxMs == 0))
        return invalid(QStringLiteral("latency_ms"),
            QStringLiteral("must be from 1 to %1 ms, and latency_max_ms (if given) at least latency_ms")
                .arg(Limits::maxFaultLatencyMs));
    if (spec.kind == FaultKind::RefuseSubmissions
        && (spec.retryAfterSecs < 1 || spec.retryAfterSecs > Limits::maxFaultRetryAfterSecs))
        return invalid(QStringLiteral("retry_after_s"),
            QStringLiteral("must be from 1 to %1 seconds").arg(Limits::maxFaultRetryAfterSecs));
    return std::nullopt;
}

JobError injectedError(const FaultSet::Strike& strike)
{
    JobError error { strike.spec.errorCode,
        strike.spec.errorMessage.isEmpty() ? QStringLiteral("failure injected by fault %1").arg(strike.faultId)
                                           : strike.spec.errorMessage };
    error.fault = strike.faultId;
    return error;
}

} // namespace

EngineResult<Fault> EngineCore::addFault(const FaultSpec& spec)
{
    if (auto error = validate(spec))
        return *error;
    QMutexLocker lock(&m_mutex);
    if (m_faults.size() >= Limits::maxFaults)
        return EngineError { EngineError::Kind::Conflict, QStringLiteral("too_many_faults"),
            QStringLiteral("%1 faults are on already: remove one (DELETE /faults/{id}) first").arg(Limits::maxFaults),
            {} };
    const qint64 t = now();
    Fault fault = m_faults.add(spec, t);
    m_dirty = true;
    if (spec.kind == FaultKind::ExpireLeases) {
        // Once, now: each lease in scope is a chance. The fault is not kept; its answer says
        // how many leases it expired.
        const QList<JobId> leased = m_leases.jobs();
        for (const JobId id : leased) {
            const Job& job = m_active[id].job;
            const auto scope = [&job](const FaultSpec& s) { return inScope(s, job.queue, job.type); };
            if (m_faults.strike(FaultKind::ExpireLeases, scope, t)) {
                expireLeaseLocked(
                    id, QStringLiteral("the lease was expired by fault %1").arg(fault.id), nullptr, fault.id);
                ++fault.affected;
            }
        }
        m_faults.remove(fault.id);
        fault.injected = quint64(fault.affected);
        fault.chances = quint64(leased.size());
        fault.endsAt = t;
        return fault;
    }
    if (spec.kind == FaultKind::DropWorker) {
        // Gone at once, as if its connection broke: its leases expire and its jobs follow their
        // retries. Its calls are refused while the fault is on (droppedWorkerLocked()).
        if (WorkerRegistry::Entry* worker = m_workers.find(spec.worker)) {
            worker->gone = true;
            for (const JobId id : m_leases.jobsOf(spec.worker)) {
                expireLeaseLocked(id, QStringLiteral("worker %1 was dropped by fault %2").arg(spec.worker, fault.id),
                    nullptr, fault.id);
                ++fault.affected;
            }
        }
        // Its waiting long polls end now (empty), or their wait would count as a sign of life.
        for (auto it = m_leaseWaiters.begin(); it != m_leaseWaiters.end();) {
            if (it->request.workerId != spec.worker) {
                ++it;
                continue;
            }
            if (it->context) {
                QueuedCall::invoke(
                    it->context.data(),
                    [callback = it->callback] { callback(EngineResult<QList<LeaseGrant>>(QList<LeaseGrant>())); },
                    Qt::QueuedConnection);
            }
            it = m_leaseWaiters.erase(it);
        }
        m_faults.setAffected(fault.id, fault.affected);
        m_faults.count(FaultKind::DropWorker, quint64(fault.affected));
        fault.injected = quint64(fault.affected);
    }
    if (fault.endsAt > 0)
        m_timers->wakeSchedulerAt(fault.endsAt); // so that its end is noticed without a request
    syncStoreFaultLocked(t);
    return fault;
}

QList<Fault> EngineCore::faults() const
{
    return m_faults.list(now());
}

EngineResult<Fault> EngineCore::removeFault(const QString& id)
{
    QMutexLocker lock(&m_mutex);
    const qint64 t = now();
    const QList<Fault> on = m_faults.list(t);
    const auto it = std::find_if(on.cbegin(), on.cend(), [&id](const Fault& fault) { return fault.id == id; });
    if (it == on.cend() || !m_faults.remove(id))
        return EngineError { EngineError::Kind::NotFound, QStringLiteral("not_found"),
            QStringLiteral("no fault with id %1 is on (it ended, or was removed)").arg(id), {} };
    m_dirty = true;
    syncStoreFaultLocked(t);
    return *it;
}

int EngineCore::clearFaults()
{
    QMutexLocker lock(&m_mutex);
    const int removed = m_faults.clear();
    m_dirty = true;
    syncStoreFaultLocked(now());
    return removed;
}

HttpFaultDecision EngineCore::httpFault() const
{
    HttpFaultDecision decision;
    if (m_faults.isEmpty())
        return decision;
    const qint64 t = now();
    if (m_faults.strike(FaultKind::HttpDrop, {}, t)) {
        decision.drop = true;
        return decision;
    }
    if (const auto strike = m_faults.strike(FaultKind::HttpLatency, {}, t))
        decision.latencyMs = strike->latencyMs;
    return decision;
}

std::optional<EngineError> EngineCore::storeFaultError()
{
    if (m_faults.isEmpty())
        return std::nullopt;
    const auto strike = m_faults.strike(FaultKind::StoreUnavailable, {}, now());
    if (!strike)
        return std::nullopt;
    return EngineError { EngineError::Kind::Storage, QStringLiteral("storage_unavailable"),
        QStringLiteral("the store is unavailable (fault %1): nothing was stored; submit again later")
            .arg(strike->faultId),
        {}, 1 };
}

std::optional<EngineError> EngineCore::injectedRefusal(const QList<JobSpec>& specs)
{
    if (m_faults.isEmpty())
        return std::nullopt;
    if (auto store = storeFaultError())
        return store;
    // One draw per submission (a batch is refused whole, as its jobs are accepted whole).
    const auto scope = [&specs](const FaultSpec& fault) {
        return std::any_of(
            specs.cbegin(), specs.cend(), [&fault](const JobSpec& s) { return inScope(fault, s.queue, s.type); });
    };
    const auto strike = m_faults.strike(FaultKind::RefuseSubmissions, scope, now());
    if (!strike)
        return std::nullopt;
    return EngineError { EngineError::Kind::Unavailable, QStringLiteral("injected"),
        QStringLiteral("refused by fault %1: submit again after Retry-After").arg(strike->faultId), {},
        strike->spec.retryAfterSecs };
}

std::optional<EngineError> EngineCore::droppedWorkerLocked(const QString& workerId, qint64 t)
{
    if (m_faults.isEmpty())
        return std::nullopt;
    const auto strike = m_faults.strike(
        FaultKind::DropWorker, [&workerId](const FaultSpec& spec) { return spec.worker == workerId; }, t);
    if (!strike)
        return std::nullopt;
    return EngineError { EngineError::Kind::Unavailable, QStringLiteral("injected"),
        QStringLiteral("worker %1 is dropped by fault %2: its calls are refused while the fault is on")
            .arg(workerId, strike->faultId),
        {} };
}

bool EngineCore::leaseEmptiedLocked(const LeaseRequest& request, qint64 t)
{
    if (m_faults.isEmpty())
        return false;
    const auto scope
        = [&request](const FaultSpec& spec) { return spec.queue.isEmpty() || request.queues.contains(spec.queue); };
    return m_faults.strike(FaultKind::EmptyLeases, scope, t).has_value();
}

JobOutcome EngineCore::runWithFaults(const Job& job, const CancelToken& token, const std::function<JobOutcome()>& run)
{
    if (m_faults.isEmpty())
        return run();
    const auto scope = [&job](const FaultSpec& spec) { return inScope(spec, job.queue, job.type); };
    if (const auto delay = m_faults.strike(FaultKind::RunLatency, scope, now()))
        token.waitFor(delay->latencyMs); // real time: the attempt is late, as a slow dependency makes it
    const auto before = [&scope](const FaultSpec& spec) { return !spec.afterRun && scope(spec); };
    if (const auto strike = m_faults.strike(FaultKind::FailAttempts, before, now()))
        return JobOutcome { QJsonValue(QJsonValue::Null), injectedError(*strike) };
    JobOutcome outcome = run();
    const auto after = [&scope](const FaultSpec& spec) { return spec.afterRun && scope(spec); };
    if (!token.isStopped()) {
        if (const auto strike = m_faults.strike(FaultKind::FailAttempts, after, now()))
            outcome = JobOutcome { outcome.result, injectedError(*strike) };
    }
    return outcome;
}

void EngineCore::failAfterRunLocked(const Job& job, JobOutcome& outcome, qint64 t)
{
    if (m_faults.isEmpty() || outcome.error)
        return;
    const auto scope = [&job](const FaultSpec& spec) { return spec.afterRun && inScope(spec, job.queue, job.type); };
    if (const auto strike = m_faults.strike(FaultKind::FailAttempts, scope, t))
        outcome = JobOutcome { outcome.result, injectedError(*strike) };
}

void EngineCore::syncStoreFaultLocked(qint64 t)
{
    const auto fault = m_faults.active(FaultKind::StoreUnavailable, {}, t);
    const QString id = fault ? fault->faultId : QString();
    if (id == m_storeFault)
        return;
    m_storeFault = id;
    m_store->setUnavailable(
        fault ? QStringLiteral("the store is unavailable (fault %1): nothing is written").arg(id) : QString());
}

qint64 EngineCore::pruneFaultsLocked(qint64 t)
{
    if (m_faults.isEmpty() && m_storeFault.isEmpty())
        return 0;
    qint64 nextEnd = 0;
    if (m_faults.prune(t, &nextEnd))
        m_dirty = true;
    syncStoreFaultLocked(t);
    return nextEnd;
}
