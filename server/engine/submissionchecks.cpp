#include "submissionchecks.h"

namespace SubmissionChecks {

EngineResult<ResolvedTypes> resolveTypes(const QList<JobSpec>& specs, bool batch, const HandlerRegistry& handlers,
    const std::function<bool(const QString&)>& declared)
{
    ResolvedTypes types;
    for (qsizetype i = 0; i < specs.size(); ++i) {
        const JobSpec& spec = specs[i];
        const auto field = [&](const char* name) -> QString { // built on the error path only
            const QString prefix = batch ? QStringLiteral("jobs[%1].").arg(i) : QString();
            return prefix + QLatin1StringView(name);
        };
        QString typeName;
        const auto handler = handlers.find(spec.type, &typeName);
        if (!handler) {
            if (declared(spec.type)) {
                types.append(ResolvedType { spec.type, true });
                continue;
            }
            return EngineError { EngineError::Kind::Invalid, QStringLiteral("invalid_field"),
                QStringLiteral("unknown job type \"%1\"; built-in types: %2. To run it on your own workers, declare it "
                               "(start QueueLab with --job-type %1, or declare it in the window), or register a "
                               "worker that names it")
                    .arg(spec.type, handlers.types().join(QStringLiteral(", "))),
                field("type") };
        }
        const QString disabled = handler->disabledReason();
        if (!disabled.isEmpty())
            return EngineError { EngineError::Kind::Forbidden, QStringLiteral("forbidden"), disabled, field("type") };
        const QString problem = handler->validatePayload(spec.payload);
        if (!problem.isEmpty())
            return EngineError { EngineError::Kind::Invalid, QStringLiteral("invalid_field"), problem,
                field("payload") };
        if (const auto forbidden = handler->forbiddenPayload(spec.payload))
            return EngineError { EngineError::Kind::Forbidden, forbidden->code, forbidden->message, field("payload") };
        types.append(ResolvedType { typeName, false });
    }
    return types;
}

std::optional<EngineError> callbackRefused(const QList<JobSpec>& specs, bool batch, const TargetPolicy& policy)
{
    for (qsizetype i = 0; i < specs.size(); ++i) {
        if (specs[i].callbackUrl.isEmpty())
            continue;
        const QString refusal = policy.refusal(QUrl(specs[i].callbackUrl));
        if (refusal.isEmpty())
            continue;
        const QString prefix = batch ? QStringLiteral("jobs[%1].").arg(i) : QString();
        return EngineError { EngineError::Kind::Forbidden, QStringLiteral("target_not_allowed"),
            QStringLiteral("callback_url: ") + refusal, prefix + QStringLiteral("callback_url") };
    }
    return std::nullopt;
}

std::optional<EngineError> storageLost(const QString& problem)
{
    if (problem.isEmpty())
        return std::nullopt;
    return EngineError { EngineError::Kind::Storage, QStringLiteral("storage_lost"),
        problem + QStringLiteral("; no job is accepted until QueueLab is restarted"), {} };
}

std::optional<EngineError> notTakingJobs(EngineState state)
{
    if (state == EngineState::Running)
        return std::nullopt;
    return EngineError { EngineError::Kind::Unavailable, QStringLiteral("unavailable"),
        state == EngineState::Draining ? QStringLiteral("QueueLab is shutting down and takes no new jobs")
                                       : QStringLiteral("QueueLab is stopped and takes no new jobs"),
        {} };
}

std::optional<EngineError> queueFull(qint64 waiting, qint64 adding, qint64 capacity)
{
    if (waiting + adding <= capacity)
        return std::nullopt;
    return EngineError { EngineError::Kind::QueueFull, QStringLiteral("queue_full"),
        QStringLiteral("the queue holds %1 waiting jobs, its capacity is %2").arg(waiting).arg(capacity), {} };
}

} // namespace SubmissionChecks
