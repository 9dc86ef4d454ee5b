#include "jobqueue.h"

#include <algorithm>

JobQueue::Named& JobQueue::named(const QString& queue)
{
    const auto it = m_index.constFind(queue);
    if (it != m_index.cend())
        return m_queues[size_t(*it)];
    m_index.insert(queue, qsizetype(m_queues.size()));
    return m_queues.emplace_back(Named { queue, {}, 0, 0, false });
}

const JobQueue::Named* JobQueue::find(const QString& queue) const
{
    const auto it = m_index.constFind(queue);
    return it == m_index.cend() ? nullptr : &m_queues[size_t(*it)];
}

JobQueue::Named* JobQueue::find(const QString& queue)
{
    return const_cast<Named*>(std::as_const(*this).find(queue));
}

bool JobQueue::push(const QString& queue, int priority, JobId id)
{
    Named& target = named(queue);
    if (target.ready.insert({ -priority, id }).second)
        ++m_depth;
    return !target.paused && (target.concurrency == 0 || target.running < target.concurrency);
}

bool JobQueue::remove(const QString& queue, int priority, JobId id)
{
    Named* found = find(queue);
    if (!found || found->ready.erase({ -priority, id }) == 0)
        return false;
    --m_depth;
    return true;
}

JobId JobQueue::pop(QString* queueOut)
{
    Named* best = nullptr;
    for (Named& candidate : m_queues) {
        if (candidate.ready.empty() || candidate.paused
            || (candidate.concurrency > 0 && candidate.running >= candidate.concurrency))
            continue;
        if (!best || *candidate.ready.begin() < *best->ready.begin())
            best = &candidate;
    }
    if (!best)
        return 0;
    const JobId id = best->ready.begin()->second;
    best->ready.erase(best->ready.begin());
    ++best->running;
    --m_depth;
    *queueOut = best->name;
    return id;
}

void JobQueue::finishedRunning(const QString& queue)
{
    Named* found = find(queue);
    if (found && found->running > 0)
        --found->running;
}

qint64 JobQueue::runnable() const
{
    qint64 total = 0;
    for (const Named& queue : m_queues) {
        if (queue.paused)
            continue;
        const qint64 ready = qint64(queue.ready.size());
        total
            += queue.concurrency > 0 ? std::min<qint64>(ready, std::max(0, queue.concurrency - queue.running)) : ready;
    }
    return total;
}

qint64 JobQueue::depth(const QString& queue) const
{
    const Named* found = find(queue);
    return found ? qint64(found->ready.size()) : 0;
}

int JobQueue::running(const QString& queue) const
{
    const Named* found = find(queue);
    return found ? found->running : 0;
}

bool JobQueue::isPaused(const QString& queue) const
{
    const Named* found = find(queue);
    return found && found->paused;
}

int JobQueue::concurrency(const QString& queue) const
{
    const Named* found = find(queue);
    return found ? found->concurrency : 0;
}

void JobQueue::setPaused(const QString& queue, bool paused)
{
    named(queue).paused = paused;
}

void JobQueue::setConcurrency(const QString& queue, int limit)
{
    named(queue).concurrency = std::max(0, limit);
}

QStringList JobQueue::names() const
{
    QStringList names;
    names.reserve(qsizetype(m_queues.size()));
    for (const Named& queue : m_queues)
        names.append(queue.name);
    names.sort();
    return names;
}
