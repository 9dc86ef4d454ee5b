#include "memoryjobstore.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace {
// A revival races a prune by a lock section's length; at the insert rate this is far more.
constexpr std::size_t prunedRemembered = 4096;
} // namespace

MemoryJobStore::MemoryJobStore(int keepFinished)
    : m_keepFinished(keepFinished)
    , m_slack(std::clamp(keepFinished / 10, 0, 10000))
{ }

bool MemoryJobStore::open(QString* error)
{
    Q_UNUSED(error);
    return true;
}

JobId MemoryJobStore::maxId() const
{
    QMutexLocker lock(&m_mutex);
    return m_jobs.empty() ? 0 : m_jobs.rbegin()->first;
}

StatusCounts MemoryJobStore::countByStatus() const
{
    QMutexLocker lock(&m_mutex);
    StatusCounts counts {};
    for (const auto& [id, job] : m_jobs)
        ++counts[std::size_t(job.status)];
    return counts;
}

QHash<QString, StatusCounts> MemoryJobStore::countByQueueAtOpen() const
{
    QMutexLocker lock(&m_mutex);
    QHash<QString, StatusCounts> counts;
    for (const auto& [id, job] : m_jobs)
        ++counts[job.queue][std::size_t(job.status)];
    return counts;
}

QHash<QString, StatusCounts> MemoryJobStore::takePruned()
{
    QMutexLocker lock(&m_mutex);
    return std::exchange(m_pruned, {});
}

void MemoryJobStore::insert(const QList<Job>& jobs, DurableCallback onDurable)
{
    {
        QMutexLocker lock(&m_mutex);
        if (!m_unavailable.isEmpty()) {
            const QString reason = m_unavailable;
            lock.unlock();
            if (onDurable)
                onDurable(reason);
            return;
        }
        insertLocked(jobs);
    }
    if (onDurable)
        onDurable({});
}

void MemoryJobStore::updateAndInsert(const Job& job, const QList<Job>& jobs, DurableCallback onDurable)
{
    // Updates are never refused here, so neither are the jobs that follow from one: the updated
    // job never names a job that is not stored.
    update(job);
    {
        QMutexLocker lock(&m_mutex);
        insertLocked(jobs);
    }
    if (onDurable)
        onDurable({});
}

void MemoryJobStore::insertLocked(const QList<Job>& jobs)
{
    for (const Job& job : jobs) {
        m_jobs.insert_or_assign(job.id, job);
        if (!job.idempotencyKey.isEmpty())
            m_keys.insert(job.idempotencyKey, job.id);
    }
    // A few more than arrive: catches up on a backlog without stalling one request for it.
    pruneLocked(0, 2 * jobs.size() + 64);
}

void MemoryJobStore::whenDurable(DurableCallback onDurable)
{
    QMutexLocker lock(&m_mutex);
    const QString reason = m_unavailable;
    lock.unlock();
    onDurable(reason);
}

void MemoryJobStore::setUnavailable(const QString& reason)
{
    QMutexLocker lock(&m_mutex);
    m_unavailable = reason;
}

void MemoryJobStore::update(const Job& job)
{
    QMutexLocker lock(&m_mutex);
    if (m_jobs.insert_or_assign(job.id, job).second && !isFinished(job.status))
        unpruneLocked(job);
    // Jobs mostly finish in the order they came: the new id goes at the end, or is not there.
    const bool atEnd = m_finished.empty() || m_finished.back() < job.id;
    const auto at = atEnd ? m_finished.end() : std::lower_bound(m_finished.begin(), m_finished.end(), job.id);
    const bool listed = at != m_finished.end() && *at == job.id;
    if (isFinished(job.status)) {
        if (!listed)
            m_finished.insert(at, job.id);
        pruneLocked(m_slack, 1);
    } else if (listed) {
        m_finished.erase(at); // retried
    }
}

void MemoryJobStore::pruneLocked(int slack, qsizetype maxJobs)
{
    for (; maxJobs > 0 && m_finished.size() > std::size_t(std::max(0, m_keepFinished)) + std::size_t(slack);
         --maxJobs) {
        const JobId oldest = m_finished.front();
        m_finished.pop_front();
        const auto it = m_jobs.find(oldest);
        if (it != m_jobs.end()) {
            ++m_pruned[it->second.queue][std::size_t(it->second.status)];
            if (!it->second.idempotencyKey.isEmpty())
                m_keys.remove(it->second.idempotencyKey);
            m_prunedLately.push_back(PrunedJob { oldest, it->second.queue, it->second.status });
            if (m_prunedLately.size() > prunedRemembered)
                m_prunedLately.pop_front();
            m_jobs.erase(it);
        }
    }
}

void MemoryJobStore::unpruneLocked(const Job& job)
{
    const auto pruned = std::find_if(m_prunedLately.crbegin(), m_prunedLately.crend(),
        [&job](const PrunedJob& candidate) { return candidate.id == job.id; });
    if (pruned == m_prunedLately.crend())
        return;
    --m_pruned[pruned->queue][std::size_t(pruned->status)];
    if (!job.idempotencyKey.isEmpty() && !m_keys.contains(job.idempotencyKey)) // else a newer job's now
        m_keys.insert(job.idempotencyKey, job.id);
    m_prunedLately.erase(std::next(pruned).base());
}

std::optional<Job> MemoryJobStore::find(JobId id) const
{
    QMutexLocker lock(&m_mutex);
    const auto it = m_jobs.find(id);
    if (it == m_jobs.end())
        return std::nullopt;
    return it->second;
}

std::optional<Job> MemoryJobStore::findByIdempotencyKey(const QString& key) const
{
    QMutexLocker lock(&m_mutex);
    const JobId id = m_keys.value(key);
    const auto it = m_jobs.find(id);
    if (!id || it == m_jobs.end())
        return std::nullopt;
    return it->second;
}

JobPage MemoryJobStore::list(const JobQuery& query) const
{
    QMutexLocker lock(&m_mutex);
    JobPage page;
    if (query.limit <= 0)
        return page;
    if (query.sort == JobSort::Created) {
        // The map's order is the query's: walk it from the cursor, one more job than the page.
        const auto take = [&](const Job& job) {
            if (!matches(query, job))
                return true;
            if (page.jobs.size() == query.limit) {
                page.nextCursor = cursorOf(page.jobs.constLast(), query.sort);
                return false;
            }
            page.jobs.append(job);
            return true;
        };
        if (query.ascending) {
            for (auto it = query.after ? m_jobs.upper_bound(query.after->id) : m_jobs.begin(); it != m_jobs.end();
                 ++it) {
                if (!take(it->second))
                    break;
            }
        } else {
            auto it = query.after ? m_jobs.lower_bound(query.after->id) : m_jobs.end();
            while (it != m_jobs.begin()) {
                if (!take((--it)->second))
                    break;
            }
        }
        return page;
    }
    // Another order: the first limit + 1 of every job past the cursor, kept in a bounded heap
    // (no index: the in-memory store holds as many jobs as memory allows, and scans them).
    const auto before = [&](const Job* a, const Job* b) {
        return isAfter(*b, cursorOf(*a, query.sort), query.sort, query.ascending);
    };
    std::vector<const Job*> heap; // a max-heap by `before`: its top is the last job kept
    const std::size_t keep = std::size_t(query.limit) + 1;
    heap.reserve(keep);
    for (const auto& [id, job] : m_jobs) {
        if (query.after && !isAfter(job, *query.after, query.sort, query.ascending))
            continue;
        if (heap.size() == keep && !before(&job, heap.front()))
            continue;
        if (!matches(query, job))
            continue;
        if (heap.size() == keep) {
            std::pop_heap(heap.begin(), heap.end(), before);
            heap.back() = &job;
        } else {
            heap.push_back(&job);
        }
        std::push_heap(heap.begin(), heap.end(), before);
    }
    std::sort_heap(heap.begin(), heap.end(), before);
    for (const Job* job : heap) {
        if (page.jobs.size() == query.limit) {
            page.nextCursor = cursorOf(page.jobs.constLast(), query.sort);
            break;
        }
        page.jobs.append(*job);
    }
    return page;
}

qint64 MemoryJobStore::count(const JobQuery& query) const
{
    QMutexLocker lock(&m_mutex);
    qint64 count = 0;
    for (const auto& [id, job] : m_jobs)
        count += matches(query, job) ? 1 : 0;
    return count;
}

void MemoryJobStore::removeFinished(const JobQuery& filter, RemovalCallback done)
{
    qint64 removed = 0;
    {
        QMutexLocker lock(&m_mutex);
        // Only finished jobs are listed in m_finished: walking it skips the unfinished ones.
        std::deque<JobId> kept;
        for (const JobId id : m_finished) {
            const auto it = m_jobs.find(id);
            if (it == m_jobs.end())
                continue;
            if (!isFinished(it->second.status) || !matches(filter, it->second)) {
                kept.push_back(id);
                continue;
            }
            if (!it->second.idempotencyKey.isEmpty())
                m_keys.remove(it->second.idempotencyKey);
            m_jobs.erase(it);
            ++removed;
        }
        m_finished.swap(kept);
    }
    if (done)
        done(removed, QString());
}

QStringList MemoryJobStore::declaredJobTypes() const
{
    QMutexLocker lock(&m_mutex);
    return m_declaredTypes;
}

void MemoryJobStore::setDeclaredJobTypes(const QStringList& types)
{
    QMutexLocker lock(&m_mutex);
    m_declaredTypes = types;
}

QJsonObject MemoryJobStore::settings() const
{
    QMutexLocker lock(&m_mutex);
    return m_settings;
}

void MemoryJobStore::setSettings(const QJsonObject& settings)
{
    QMutexLocker lock(&m_mutex);
    m_settings = settings;
}
