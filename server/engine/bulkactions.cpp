// Engine::bulk(): acting on every job that passes a filter, committed before it answers.
#include "enginecore.h"
#include "submissionchecks.h"

#include <future>

namespace {

// Finished jobs are read from the store this many at a time, each page under the engine's lock.
constexpr int retryPage = 500;

QString statusList(const QList<JobStatus>& statuses)
{
    QStringList names;
    for (JobStatus status : statuses)
        names.append(QString(statusName(status)));
    return names.join(QStringLiteral(", "));
}

} // namespace

QList<JobStatus> Engine::bulkStatuses(BulkAction action)
{
    switch (action) {
    case BulkAction::Retry:
        return { JobStatus::Failed, JobStatus::Cancelled };
    case BulkAction::Cancel:
        return { JobStatus::Queued, JobStatus::Scheduled };
    case BulkAction::Delete:
        return { JobStatus::Succeeded, JobStatus::Failed, JobStatus::Cancelled };
    }
    return {};
}

EngineResult<BulkOutcome> EngineCore::bulk(BulkAction action, const JobQuery& filter, bool dryRun)
{
    QList<JobStatus> statuses = Engine::bulkStatuses(action);
    if (filter.status) {
        if (!statuses.contains(*filter.status))
            return EngineError { EngineError::Kind::Invalid, QStringLiteral("invalid_field"),
                QStringLiteral("this action applies to jobs that are %1").arg(statusList(statuses)),
                QStringLiteral("status") };
        statuses = { *filter.status };
    } else if (action == BulkAction::Retry) {
        statuses = { JobStatus::Failed }; // cancelled jobs were stopped on purpose: only when asked
    }
    switch (action) {
    case BulkAction::Retry:
        return bulkRetry(filter, statuses, dryRun);
    case BulkAction::Cancel:
        return bulkCancel(filter, statuses, dryRun);
    case BulkAction::Delete:
        return bulkDelete(filter, statuses, dryRun);
    }
    Q_UNREACHABLE();
    return BulkOutcome {};
}

std::optional<EngineError> EngineCore::waitUntilDurable()
{
    std::promise<QString> committed;
    std::future<QString> error = committed.get_future();
    m_store->whenDurable([&committed](const QString& failure) { committed.set_value(failure); });
    const QString failure = error.get();
    if (failure.isEmpty())
        return std::nullopt;
    return EngineError { EngineError::Kind::Storage, QStringLiteral("storage_failed"),
        QStringLiteral("the changes could not be stored: %1").arg(failure), {} };
}

EngineResult<BulkOutcome> EngineCore::bulkCancel(const JobQuery& filter, const QList<JobStatus>& statuses, bool dryRun)
{
    // Queued and scheduled jobs are all in m_active: no store read is needed.
    JobQuery anyStatus = filter;
    anyStatus.status.reset();
    BulkOutcome outcome;
    {
        QMutexLocker lock(&m_mutex);
        QList<JobId> ids;
        for (auto it = m_active.cbegin(); it != m_active.cend(); ++it) {
            if (it->stored && statuses.contains(it->job.status) && matches(anyStatus, it->job))
                ids.append(it.key());
        }
        outcome.count = ids.size();
        if (dryRun)
            return outcome;
        for (const JobId id : std::as_const(ids))
            cancelWaitingLocked(m_active[id]);
    }
    if (auto failed = waitUntilDurable())
        return *failed;
    return outcome;
}

EngineResult<BulkOutcome> EngineCore::bulkRetry(const JobQuery& filter, const QList<JobStatus>& statuses, bool dryRun)
{
    BulkOutcome outcome;
    if (dryRun) {
        for (const JobStatus status : statuses) {
            JobQuery query = filter;
            query.status = status;
            outcome.count += m_store->count(query);
        }
        return outcome;
    }
    if (auto lost = SubmissionChecks::storageLost(m_store->problem()))
        return *lost;
    for (const JobStatus status : statuses) {
        JobQuery query = filter;
        query.status = status;
        query.limit = retryPage;
        query.after.reset();
        query.sort = JobSort::Created; // pages by id, whatever order a caller asked for
        for (;;) {
            const JobPage page = m_store->list(query);
            QMutexLocker lock(&m_mutex);
            for (const Job& listed : page.jobs) {
                if (m_active.contains(listed.id))
                    continue; // retried meanwhile
                // Read again under the lock, as retry() does: the page may be a commit behind,
                // and a concurrent retry may have run and finished the job since.
                const std::optional<Job> stored = m_store->find(listed.id);
                if (!stored || !matches(query, *stored))
                    continue;
                if (!disabledReason(stored->type).isEmpty()) {
                    ++outcome.skipped;
                    continue;
                }
                if (auto full = queueFullLocked(1)) {
                    outcome.stopped = full;
                    break;
                }
                reviveLocked(*stored);
                ++outcome.count;
            }
            if (outcome.stopped || !page.nextCursor)
                break;
            query.after = page.nextCursor;
        }
        if (outcome.stopped)
            break;
    }
    if (auto failed = waitUntilDurable())
        return *failed;
    return outcome;
}

EngineResult<BulkOutcome> EngineCore::bulkDelete(const JobQuery& filter, const QList<JobStatus>& statuses, bool dryRun)
{
    BulkOutcome outcome;
    for (const JobStatus status : statuses) {
        JobQuery query = filter;
        query.status = status;
        if (dryRun) {
            outcome.count += m_store->count(query);
            continue;
        }
        // Queue by queue, so that each queue's counts lose exactly the jobs it lost.
        QStringList queues;
        if (!filter.queue.isEmpty()) {
            queues.append(filter.queue);
        } else {
            QMutexLocker lock(&m_mutex);
            for (const auto& [queue, count] : m_lifecycle.queuesWith(status))
                queues.append(queue);
        }
        for (const QString& queue : std::as_const(queues)) {
            query.queue = queue;
            std::promise<std::pair<qint64, QString>> removed;
            std::future<std::pair<qint64, QString>> result = removed.get_future();
            m_store->removeFinished(query, [&removed](qint64 rows, const QString& error) {
                removed.set_value({ rows, error });
            });
            const auto [rows, error] = result.get();
            if (!error.isEmpty())
                return EngineError { EngineError::Kind::Storage, QStringLiteral("storage_failed"),
                    QStringLiteral("the jobs could not be deleted: %1").arg(error), {} };
            outcome.count += rows;
            QMutexLocker lock(&m_mutex);
            m_lifecycle.removed(status, queue, rows);
            if (rows > 0) {
                // Deleted jobs leave no change to publish: views reconcile what they hold instead.
                m_changesTruncated = m_changesTruncated || m_trackChanges;
                m_dirty = true;
                ++m_changeSeq;
            }
        }
    }
    return outcome;
}
