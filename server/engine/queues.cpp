// EngineCore's queues: their list, pause, concurrency and deletion. Shares the engine's state
// and mutex with enginecore.cpp.
#include "defaultlimits.h"
#include "enginecore.h"

#include <algorithm>

namespace {

EngineError tooManyQueues()
{
    return { EngineError::Kind::Conflict, QStringLiteral("too_many_queues"),
        QStringLiteral("%1 queues exist without jobs already: delete one (DELETE /queues/{name}) first")
            .arg(Limits::maxQueuesWithoutJobs),
        {} };
}

} // namespace

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
    const StatusCounts counts = m_lifecycle.queueCounts(name);
    info.failed = counts[std::size_t(JobStatus::Failed)];
    info.processed = counts[std::size_t(JobStatus::Succeeded)] + info.failed;
    const qint64 t = now();
    info.finishedLastMinute = m_queueThroughput.lastMinute(name, t);
    if (const JobId oldest = m_queue.oldest(name)) {
        const auto it = m_active.constFind(oldest);
        if (it != m_active.cend())
            info.oldestQueuedMs = std::max<qint64>(0, t - it->job.createdAt);
    }
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
    storeSettingsLocked();
    if (!paused)
        wakeAllWorkersLocked();
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
    storeSettingsLocked();
    wakeAllWorkersLocked();
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
    storeSettingsLocked();
    m_dirty = true;
    return queueInfoLocked(name);
}

void EngineCore::setProcessingPaused(bool paused)
{
    QMutexLocker lock(&m_mutex);
    if (m_queue.isAllPaused() == paused)
        return;
    m_queue.setAllPaused(paused);
    storeSettingsLocked();
    if (!paused)
        wakeAllWorkersLocked();
    m_dirty = true;
}

bool EngineCore::isProcessingPaused() const
{
    QMutexLocker lock(&m_mutex);
    return m_queue.isAllPaused();
}

void EngineCore::wakeAllWorkersLocked()
{
    m_workAvailable.wakeAll();
    m_externalReady = true;
    serveLeaseWaitersLocked();
}
