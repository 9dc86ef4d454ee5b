#include "engine.h"

#include "enginecore.h"

#include <QMetaMethod>

QLatin1StringView stateName(EngineState state)
{
    switch (state) {
    case EngineState::Stopped:
        return QLatin1StringView("stopped");
    case EngineState::Running:
        return QLatin1StringView("running");
    case EngineState::Draining:
        return QLatin1StringView("draining");
    }
    Q_UNREACHABLE();
}

Engine::Engine(const EngineConfig& config, std::unique_ptr<JobStore> store, QObject* parent)
    : QObject(parent)
{
    qRegisterMetaType<EngineSnapshot>();
    qRegisterMetaType<EngineState>();
    qRegisterMetaType<Job>();
    d = std::make_unique<EngineCore>(this, config, std::move(store));
}

Engine::~Engine() = default;

void Engine::connectNotify(const QMetaMethod& signal)
{
    // Collecting each job's changes for snapshots costs every submission and every finish;
    // without a receiver (headless) nobody would read them.
    if (signal == QMetaMethod::fromSignal(&Engine::snapshotReady))
        d->trackChangedJobs();
}

bool Engine::open(QString* error)
{
    return d->open(error);
}
void Engine::start()
{
    d->start();
}
void Engine::stop(int deadlineMs)
{
    d->stop(deadlineMs);
}
EngineState Engine::state() const
{
    return d->state();
}

EngineResult<QList<Job>> Engine::submit(const QList<JobSpec>& specs, JobStore::DurableCallback onDurable, bool batch)
{
    return d->submit(specs, std::move(onDurable), batch);
}

std::optional<Job> Engine::job(JobId id) const
{
    return d->job(id);
}
JobPage Engine::listJobs(const JobQuery& query) const
{
    return d->listJobs(query);
}
EngineResult<Job> Engine::cancel(JobId id)
{
    return d->cancel(id);
}
EngineResult<Job> Engine::retry(JobId id)
{
    return d->retry(id);
}

EngineResult<Job> Engine::runNow(JobId id)
{
    return d->runNow(id);
}
CurrentJobs Engine::currentJobs(JobId fromId, JobId toId) const
{
    return d->currentJobs(fromId, toId);
}
CurrentJobs Engine::findJobs(const JobQuery& query) const
{
    return d->findJobs(query);
}
EngineResult<BulkOutcome> Engine::bulk(BulkAction action, const JobQuery& filter, bool dryRun)
{
    return d->bulk(action, filter, dryRun);
}

JobId Engine::lastJobId() const
{
    return d->lastJobId();
}

quint64 Engine::waitForFinish(JobId id, QObject* context, std::function<void(const Job&)> callback)
{
    return d->waitForFinish(id, context, std::move(callback));
}

void Engine::cancelWait(quint64 handle)
{
    d->cancelWait(handle);
}
QList<QueueInfo> Engine::queues() const
{
    return d->queues();
}
void Engine::runDueJobs()
{
    d->runDueJobs();
}

EngineClock::State Engine::clockState() const
{
    return d->clock().state();
}

EngineClock::State Engine::setVirtualClock(bool isVirtual)
{
    return d->setVirtualClock(isVirtual);
}

EngineResult<EngineClock::State> Engine::advanceClock(qint64 ms)
{
    return d->advanceClock(ms);
}

EngineResult<EngineClock::State> Engine::advanceClockToNextDue()
{
    return d->advanceClockToNextDue();
}

const EngineClock& Engine::clock() const
{
    return d->clock();
}

EngineResult<QueueInfo> Engine::setQueuePaused(const QString& name, bool paused)
{
    return d->setQueuePaused(name, paused);
}

EngineResult<QueueInfo> Engine::setQueueConcurrency(const QString& name, int limit)
{
    return d->setQueueConcurrency(name, limit);
}

EngineResult<QueueInfo> Engine::deleteQueue(const QString& name)
{
    return d->deleteQueue(name);
}

QString Engine::storageProblem() const
{
    return d->storageProblem();
}

void Engine::setProcessingPaused(bool paused)
{
    d->setProcessingPaused(paused);
}
bool Engine::isProcessingPaused() const
{
    return d->isProcessingPaused();
}
EngineStats Engine::stats() const
{
    return d->stats();
}
int Engine::workerCount() const
{
    return d->workerCount();
}
void Engine::setWorkerCount(int count)
{
    d->setWorkerCount(count);
}
void Engine::deferWakeupsOn(QThread* thread)
{
    d->deferWakeupsOn(thread);
}
QStringList Engine::jobTypes() const
{
    return d->handlers().types();
}

QJsonValue Engine::examplePayload(const QString& type) const
{
    const auto handler = d->handlers().find(type);
    return handler ? handler->examplePayload() : QJsonValue();
}

Engine::Histogram Engine::waitHistogram() const
{
    return d->waitHistogram();
}
Engine::Histogram Engine::runHistogram() const
{
    return d->runHistogram();
}

QLatin1StringView workerStateName(WorkerState state)
{
    switch (state) {
    case WorkerState::Idle:
        return QLatin1StringView("idle");
    case WorkerState::Busy:
        return QLatin1StringView("busy");
    case WorkerState::Quiet:
        return QLatin1StringView("quiet");
    case WorkerState::Gone:
        return QLatin1StringView("gone");
    }
    Q_UNREACHABLE();
}

QLatin1StringView directiveName(WorkerDirective directive)
{
    switch (directive) {
    case WorkerDirective::Ok:
        return QLatin1StringView("ok");
    case WorkerDirective::Quiet:
        return QLatin1StringView("quiet");
    case WorkerDirective::Terminate:
        return QLatin1StringView("terminate");
    }
    Q_UNREACHABLE();
}

EngineResult<QString> Engine::declareJobType(const QString& type)
{
    return d->declareJobType(type);
}
QStringList Engine::declaredJobTypes() const
{
    return d->declaredJobTypes();
}

QStringList Engine::allowedHttpTargets() const
{
    return d->delivery()->allowedTargets();
}

EngineResult<QStringList> Engine::setAllowedHttpTargets(const QStringList& targets)
{
    QStringList cleaned;
    for (const QString& target : targets) {
        if (!target.trimmed().isEmpty())
            cleaned.append(target.trimmed());
    }
    for (const QString& target : std::as_const(cleaned)) {
        if (!TargetPolicy::checkAllowList({ target }).isEmpty())
            return EngineError { EngineError::Kind::Invalid, QStringLiteral("invalid_field"),
                QStringLiteral("\"%1\" is not HOST or HOST:PORT").arg(target), QStringLiteral("allowed_targets") };
    }
    d->delivery()->setAllowedTargets(cleaned);
    return cleaned;
}

QString Engine::webhookSecret() const
{
    return d->delivery()->secret();
}

EngineResult<QString> Engine::setWebhookSecret(const QString& secret)
{
    const QString trimmed = secret.trimmed();
    if (!trimmed.isEmpty()) {
        if (const QString problem = WebhookSignature::checkSecret(trimmed); !problem.isEmpty())
            return EngineError { EngineError::Kind::Invalid, QStringLiteral("invalid_field"), problem,
                QStringLiteral("webhook_secret") };
    }
    d->delivery()->setSecret(trimmed);
    return trimmed;
}

std::shared_ptr<const DeliverySettings> Engine::deliverySettings() const
{
    return d->delivery();
}
EngineResult<ExternalWorkerStatus> Engine::registerWorker(const WorkerRegistration& registration)
{
    return d->registerWorker(registration);
}
quint64 Engine::lease(const LeaseRequest& request, QObject* context, LeaseCallback callback)
{
    return d->lease(request, context, std::move(callback));
}
void Engine::cancelLease(quint64 handle)
{
    d->cancelLease(handle);
}
void Engine::returnLeases(const QList<LeaseGrant>& grants)
{
    d->releaseLeases(grants);
}
EngineResult<LeaseStatus> Engine::extendLease(JobId id, const QString& token, qint64 reserveForMs)
{
    return d->extendLease(id, token, reserveForMs);
}
EngineResult<LeaseStatus> Engine::reportProgress(
    JobId id, const QString& token, double fraction, const QString& message)
{
    return d->reportProgress(id, token, fraction, message);
}
void Engine::completeLease(
    JobId id, const QString& token, const QJsonValue& result, QObject* context, FinishCallback callback)
{
    d->completeLease(id, token, result, context, std::move(callback));
}
void Engine::failLease(
    JobId id, const QString& token, const WorkerFailure& failure, QObject* context, FinishCallback callback)
{
    d->failLease(id, token, failure, context, std::move(callback));
}
EngineResult<BeatAnswer> Engine::beat(const QString& workerId)
{
    return d->beat(workerId);
}
QList<ExternalWorkerStatus> Engine::externalWorkers() const
{
    return d->externalWorkers();
}
WorkerCounts Engine::workerCounts() const
{
    return d->workerCounts();
}
EngineResult<ExternalWorkerStatus> Engine::setWorkerDirective(const QString& workerId, WorkerDirective directive)
{
    return d->setWorkerDirective(workerId, directive);
}
void Engine::setAllWorkersDirective(WorkerDirective directive)
{
    d->setAllWorkersDirective(directive);
}
EngineResult<Job> Engine::expireLease(JobId id)
{
    return d->expireLease(id);
}

EngineResult<Fault> Engine::addFault(const FaultSpec& spec)
{
    return d->addFault(spec);
}

QList<Fault> Engine::faults() const
{
    return d->faults();
}

EngineResult<Fault> Engine::removeFault(const QString& id)
{
    return d->removeFault(id);
}

int Engine::clearFaults()
{
    return d->clearFaults();
}

FaultCounts Engine::faultCounts() const
{
    return d->faultCounts();
}

HttpFaultDecision Engine::httpFault() const
{
    return d->httpFault();
}
