#include "joblifecycle.h"

#include <QRandomGenerator>

#include <algorithm>

AttemptEnd::Reason AttemptEnd::stoppedBy(CancelToken::Reason reason)
{
    switch (reason) {
    case CancelToken::Reason::None:
        break;
    case CancelToken::Reason::Cancelled:
        return Reason::Cancelled;
    case CancelToken::Reason::TimedOut:
        return Reason::TimedOut;
    case CancelToken::Reason::Shutdown:
        return Reason::DrainCutOff;
    }
    return Reason::Finished;
}

JobLifecycle::JobLifecycle(RetryPolicy retry)
    : m_retry(retry)
{ }

std::optional<JobStatus> JobLifecycle::target(std::optional<JobStatus> from, JobEvent event)
{
    using S = JobStatus;
    if (!from) {
        switch (event) {
        case JobEvent::Submit:
            return S::Queued;
        case JobEvent::SubmitDelayed:
            return S::Scheduled;
        default:
            return std::nullopt;
        }
    }
    const S status = *from;
    const bool waiting = status == S::Queued || status == S::Scheduled;
    const bool running = status == S::Running;
    switch (event) {
    case JobEvent::Submit:
    case JobEvent::SubmitDelayed:
        return std::nullopt; // the job exists already
    case JobEvent::Promote:
    case JobEvent::RunNow:
        return status == S::Scheduled ? std::optional(S::Queued) : std::nullopt;
    case JobEvent::Start:
        return status == S::Queued ? std::optional(S::Running) : std::nullopt;
    case JobEvent::Succeed:
        return running ? std::optional(S::Succeeded) : std::nullopt;
    case JobEvent::FailWithAttemptsLeft:
    case JobEvent::TimeOutWithAttemptsLeft:
        return running ? std::optional(S::Scheduled) : std::nullopt;
    case JobEvent::Fail:
    case JobEvent::TimeOut:
        return running ? std::optional(S::Failed) : std::nullopt;
    case JobEvent::Cancel:
        return waiting || running ? std::optional(S::Cancelled) : std::nullopt;
    case JobEvent::Retry:
        return status == S::Failed || status == S::Cancelled ? std::optional(S::Queued) : std::nullopt;
    case JobEvent::InterruptedWithAttemptsLeft:
    case JobEvent::DrainCutOff:
    case JobEvent::Return:
        return running ? std::optional(S::Queued) : std::nullopt;
    case JobEvent::Interrupted:
        return running ? std::optional(S::Failed) : std::nullopt;
    case JobEvent::Disable:
        return waiting || running ? std::optional(S::Failed) : std::nullopt;
    }
    return std::nullopt;
}

void JobLifecycle::move(Job& job, JobEvent event)
{
    const std::optional<JobStatus> to = target(job.status, event);
    Q_ASSERT_X(to, "JobLifecycle", "an event the lifecycle table does not allow from the job's status");
    if (!to)
        return; // counters stay true even if a caller is wrong
    --m_counts[std::size_t(job.status)];
    ++m_counts[std::size_t(*to)];
    StatusCounts& queue = m_queueCounts[job.queue];
    --queue[std::size_t(job.status)];
    ++queue[std::size_t(*to)];
    job.status = *to;
}

void JobLifecycle::submit(Job& job, qint64 delayMs, qint64 now)
{
    job.status = *target(std::nullopt, delayMs > 0 ? JobEvent::SubmitDelayed : JobEvent::Submit);
    job.createdAt = now;
    job.runAt = delayMs > 0 ? now + delayMs : 0;
}

void JobLifecycle::stored(const Job& job)
{
    ++m_counts[std::size_t(job.status)];
    ++m_queueCounts[job.queue][std::size_t(job.status)];
}

QList<std::pair<QString, qint64>> JobLifecycle::queuesWith(JobStatus status) const
{
    QList<std::pair<QString, qint64>> queues;
    for (auto it = m_queueCounts.cbegin(); it != m_queueCounts.cend(); ++it) {
        if (const qint64 count = (*it)[std::size_t(status)]; count > 0)
            queues.append({ it.key(), count });
    }
    return queues;
}

void JobLifecycle::promote(Job& job)
{
    move(job, JobEvent::Promote);
}

void JobLifecycle::runNow(Job& job, qint64 now)
{
    move(job, JobEvent::RunNow);
    job.runAt = now;
}

void JobLifecycle::start(Job& job, qint64 now, const QString& worker)
{
    move(job, JobEvent::Start);
    ++job.attempts;
    job.startedAt = now;
    job.progress = 0;
    job.error.reset();
    job.worker = worker;
}

JobStatus JobLifecycle::endAttempt(Job& job, const AttemptEnd& end, qint64 now)
{
    if (end.reason == AttemptEnd::Reason::Returned) {
        move(job, JobEvent::Return);
        --job.attempts;
        job.startedAt = 0;
        job.progress = 0;
        job.worker.clear();
        return job.status;
    }
    if (end.reason == AttemptEnd::Reason::DrainCutOff) {
        // Kept in the history, so that the job explains where its run went; but the stop was
        // the user's, not the job's: one more attempt makes up for it.
        job.history.append(JobAttempt { job.attempts, job.startedAt, now,
            JobError { QStringLiteral("interrupted"), QStringLiteral("cut off by a stop past its drain deadline") },
            job.worker });
        move(job, JobEvent::DrainCutOff);
        job.maxAttempts = std::max(job.maxAttempts, job.attempts) + 1;
        job.startedAt = 0;
        job.progress = 0;
        job.worker.clear();
        return job.status;
    }

    JobAttempt attempt { job.attempts, job.startedAt, now, end.error, job.worker };
    job.worker.clear();
    if (end.reason == AttemptEnd::Reason::Cancelled)
        attempt.error = JobError { QStringLiteral("cancelled"), QStringLiteral("cancelled by request") };
    else if (end.reason == AttemptEnd::Reason::TimedOut)
        attempt.error = JobError { QStringLiteral("timeout"),
            QStringLiteral("the job exceeded its timeout of %1 ms").arg(job.timeoutMs) };
    job.history.append(attempt);

    const bool timedOut = end.reason == AttemptEnd::Reason::TimedOut;
    if (end.reason == AttemptEnd::Reason::Cancelled) {
        move(job, JobEvent::Cancel);
        job.error = attempt.error;
    } else if (attempt.error && job.attempts < job.maxAttempts) {
        move(job, timedOut ? JobEvent::TimeOutWithAttemptsLeft : JobEvent::FailWithAttemptsLeft);
        job.error = attempt.error;
        job.runAt = now + (end.retryInMs >= 0 ? end.retryInMs : backoffMs(job.attempts, m_retry.baseMs, m_retry.maxMs));
        return job.status;
    } else if (attempt.error) {
        move(job, timedOut ? JobEvent::TimeOut : JobEvent::Fail);
        job.error = attempt.error;
        job.result = end.result; // a failed exec still reports its output
    } else {
        move(job, JobEvent::Succeed);
        job.result = end.result;
        job.error.reset();
        job.progress = 1.0;
    }
    job.finishedAt = now;
    return job.status;
}

void JobLifecycle::cancelWaiting(Job& job, qint64 now)
{
    Q_ASSERT(job.status == JobStatus::Queued || job.status == JobStatus::Scheduled);
    move(job, JobEvent::Cancel);
    job.error = JobError { QStringLiteral("cancelled"), QStringLiteral("cancelled by request") };
    job.finishedAt = now;
}

void JobLifecycle::retry(Job& job)
{
    move(job, JobEvent::Retry);
    job.maxAttempts = std::max(job.maxAttempts, job.attempts + 1);
    job.error.reset();
    job.result = QJsonValue(QJsonValue::Null);
    job.startedAt = 0;
    job.finishedAt = 0;
    job.progress = 0;
    job.runAt = 0;
}

void JobLifecycle::removed(JobStatus status, const QString& queue, qint64 count)
{
    Q_ASSERT(isFinished(status));
    m_counts[std::size_t(status)] -= count;
    const auto it = m_queueCounts.find(queue);
    if (it != m_queueCounts.end())
        (*it)[std::size_t(status)] -= count;
}

JobStatus JobLifecycle::interrupted(Job& job, qint64 now, bool external)
{
    // A lease lived in memory only, so the worker's token is void: its attempt expired.
    JobAttempt lost { job.attempts, job.startedAt, now,
        external ? JobError { QStringLiteral("lease_expired"),
            QStringLiteral("QueueLab stopped while an external worker held the job") }
                 : JobError { QStringLiteral("interrupted"), QStringLiteral("QueueLab stopped while the job ran") },
        job.worker };
    job.worker.clear();
    job.history.append(lost);
    job.startedAt = 0;
    job.progress = 0;
    if (job.attempts >= job.maxAttempts) {
        move(job, JobEvent::Interrupted);
        job.error = lost.error;
        job.finishedAt = now;
    } else {
        move(job, JobEvent::InterruptedWithAttemptsLeft);
    }
    return job.status;
}

void JobLifecycle::disable(Job& job, const QString& reason, qint64 now)
{
    move(job, JobEvent::Disable);
    job.error = JobError { QStringLiteral("type_disabled"), reason };
    job.finishedAt = now;
}

qint64 JobLifecycle::backoffMs(int attempt, qint64 baseMs, qint64 maxMs)
{
    const qint64 base = std::min(maxMs, baseMs << std::min(attempt - 1, 20));
    const double jitter = 0.8 + 0.4 * QRandomGenerator::global()->generateDouble();
    return qint64(double(base) * jitter);
}
