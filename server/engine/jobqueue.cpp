#include "jobqueue.h"

#include <algorithm>

bool JobQueue::push(const QString& queue, int priority, JobId id)
{
    Named& named = m_queues[queue];
    if (named.ready.insert({ -priority, id }).second)
        ++m_depth;
    return !named.paused && (named.concurrency == 0 || named.running < named.concurrency);
}

bool JobQueue::remove(const QString& queue, int priority, JobId id)
{
    auto it = m_queues.find(queue);
    if (it == m_queues.end() || it->ready.erase({ -priority, id }) == 0)
        return false;
    --m_depth;
    return true;
}

JobId JobQueue::pop(QString* queueOut)
{
    Named* best = nullptr;
    const QString* bestName = nullptr;
    for (auto it = m_queues.begin(); it != m_queues.end(); ++it) {
        Named& named = it.value();
        if (named.ready.empty() || named.paused || (named.concurrency > 0 && named.running >= named.concurrency))
            continue;
        if (!best || *named.ready.begin() < *best->ready.begin()) {
            best = &named;
            bestName = &it.key();
        }
    }
    if (!best)
        return 0;
    const JobId id = best->ready.begin()->second;
    best->ready.erase(best->ready.begin());
    ++best->running;
    --m_depth;
    *queueOut = *bestName;
    return id;
}

void JobQueue::finishedRunning(const QString& queue)
{
    auto it = m_queues.find(queue);
    if (it != m_queues.end() && it->running > 0)
        --it->running;
}

qint64 JobQueue::depth(const QString& queue) const
{
    const auto it = m_queues.constFind(queue);
    return it == m_queues.cend() ? 0 : qint64(it->ready.size());
}

int JobQueue::running(const QString& queue) const
{
    return m_queues.value(queue).running;
}

bool JobQueue::isPaused(const QString& queue) const
{
    return m_queues.value(queue).paused;
}

int JobQueue::concurrency(const QString& queue) const
{
    return m_queues.value(queue).concurrency;
}

void JobQueue::setPaused(const QString& queue, bool paused)
{
    m_queues[queue].paused = paused;
}

void JobQueue::setConcurrency(const QString& queue, int limit)
{
    m_queues[queue].concurrency = std::max(0, limit);
}

QStringList JobQueue::names() const
{
    QStringList names = m_queues.keys();
    names.sort();
    return names;
}
