// EngineCore's outward view: the changes of jobs since the last snapshot, the snapshots the
// window and /metrics read, and the statistics. Shares the engine's state and mutex with
// enginecore.cpp.
#include "enginecore.h"

namespace {

constexpr int maxChangedPerSnapshot = 5000;

} // namespace

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

void EngineCore::absorbPrunedLocked()
{
    const QHash<QString, StatusCounts> pruned = m_store->takePruned();
    for (auto it = pruned.cbegin(); it != pruned.cend(); ++it) {
        for (const JobStatus status : { JobStatus::Succeeded, JobStatus::Failed, JobStatus::Cancelled })
            m_lifecycle.removed(status, it.key(), (*it)[std::size_t(status)]);
    }
    m_dirty = m_dirty || !pruned.isEmpty();
}

EngineStats EngineCore::stats() const
{
    QMutexLocker lock(&m_mutex);
    EngineStats stats;
    stats.state = m_state;
    stats.counts = m_lifecycle.counts();
    stats.queueDepth = m_queue.depth();
    stats.runnable = m_queue.runnable();
    stats.processingPaused = m_queue.isAllPaused();
    stats.workerCount = m_workerCount;
    stats.busyWorkers = m_running;
    stats.throughput = m_throughput.current(now());
    stats.submittedTotal = m_submittedTotal;
    stats.finishedTotal = m_finishedTotal;
    return stats;
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
    absorbPrunedLocked();
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
    snapshot.processingPaused = m_queue.isAllPaused();
    snapshot.workerCount = m_workerCount;
    snapshot.busyWorkers = m_running;
    snapshot.workers = m_slots.mid(0, m_workerCount);
    for (const WorkerRegistry::Entry& worker : m_workers.all())
        snapshot.externalWorkers.append(workerStatusLocked(worker, t));
    snapshot.throughput = throughput;
    snapshot.drainDeadline = m_drainDeadline;
    snapshot.faults = m_faults.list(t);
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
