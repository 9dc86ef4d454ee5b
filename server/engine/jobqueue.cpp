#include "jobqueue.h"

#include "defaultlimits.h"

#include <algorithm>
#include <limits>

JobQueue::Named* JobQueue::find(const QString& queue) const
{
    const auto it = m_queues.constFind(queue);
    return it == m_queues.cend() ? nullptr : it->get();
}

JobQueue::Named* JobQueue::named(const QString& queue)
{
    if (Named* found = find(queue))
        return found;
    auto created = std::make_shared<Named>();
    created->name = queue;
    ++m_withoutJobs;
    return m_queues.insert(queue, std::move(created))->get();
}

void JobQueue::changed(Named& queue, bool hadNoJobs)
{
    relist(queue);
    const bool noJobs = hasNoJobs(queue);
    if (noJobs == hadNoJobs)
        return;
    m_withoutJobs += noJobs ? 1 : -1;
    if (noJobs && m_withoutJobs >= std::max<qsizetype>(m_forgetAt, Limits::maxQueuesWithoutJobs))
        forgetIdleQueues();
}

void JobQueue::forgetIdleQueues()
{
    // Idle: nothing to remember. Paused and limited ones stay until deleted.
    m_withoutJobs -= m_queues.removeIf([](const auto& entry) {
        const Named& queue = *entry.value();
        return hasNoJobs(queue) && !queue.paused && queue.concurrency == 0;
    });
    m_forgetAt = 2 * m_withoutJobs;
}

bool JobQueue::roomForAQueueWithoutJobs()
{
    if (m_withoutJobs >= Limits::maxQueuesWithoutJobs)
        forgetIdleQueues();
    return m_withoutJobs < Limits::maxQueuesWithoutJobs;
}

void JobQueue::relist(Named& queue)
{
    const bool takable
        = !queue.ready.empty() && !queue.paused && (queue.concurrency == 0 || queue.running < queue.concurrency);
    const std::optional<Key> head = takable ? std::optional<Key>(*queue.ready.begin()) : std::nullopt;
    if (head == queue.listedHead)
        return;
    if (queue.listedHead && head) { // moves the node: no allocation on the hot path
        auto node = m_runnable.extract({ *queue.listedHead, &queue });
        node.value().first = *head;
        m_runnable.insert(std::move(node));
    } else if (queue.listedHead) {
        m_runnable.erase({ *queue.listedHead, &queue });
    } else {
        m_runnable.insert({ *head, &queue });
    }
    queue.listedHead = head;
}

bool JobQueue::push(const QString& queue, int priority, JobId id, bool external)
{
    Named& target = *named(queue);
    const bool hadNoJobs = hasNoJobs(target);
    if ((external ? target.external : target.ready).insert({ -priority, id }).second)
        ++m_depth;
    const bool takable
        = !m_allPaused && !target.paused && (target.concurrency == 0 || target.running < target.concurrency);
    changed(target, hadNoJobs);
    return takable;
}

bool JobQueue::remove(const QString& queue, int priority, JobId id)
{
    Named* found = find(queue);
    if (!found || (found->ready.erase({ -priority, id }) == 0 && found->external.erase({ -priority, id }) == 0))
        return false;
    --m_depth;
    changed(*found, false);
    return true;
}

JobId JobQueue::pop(QString* queueOut)
{
    if (m_allPaused || m_runnable.empty())
        return 0;
    Named& best = *m_runnable.begin()->second;
    const JobId id = best.ready.begin()->second;
    best.ready.erase(best.ready.begin());
    ++best.running;
    --m_depth;
    *queueOut = best.name;
    changed(best, false);
    return id;
}

JobId JobQueue::popExternal(const QString& queue)
{
    Named* found = find(queue);
    if (m_allPaused || !found || found->external.empty() || found->paused
        || (found->concurrency > 0 && found->running >= found->concurrency))
        return 0;
    const JobId id = found->external.begin()->second;
    found->external.erase(found->external.begin());
    ++found->running;
    --m_depth;
    changed(*found, false);
    return id;
}

void JobQueue::finishedRunning(const QString& queue)
{
    Named* found = find(queue);
    if (found && found->running > 0) {
        --found->running;
        changed(*found, false);
    }
}

qint64 JobQueue::runnable() const
{
    if (m_allPaused)
        return 0;
    qint64 total = 0;
    for (const auto& entry : m_queues) {
        const Named& queue = *entry;
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
    return found ? qint64(found->ready.size() + found->external.size()) : 0;
}

int JobQueue::running(const QString& queue) const
{
    const Named* found = find(queue);
    return found ? found->running : 0;
}

JobId JobQueue::oldest(const QString& queue) const
{
    const Named* found = find(queue);
    if (!found)
        return 0;
    JobId oldest = 0;
    for (const std::set<Key>* jobs : { &found->ready, &found->external }) {
        // Keys sort by (-priority, id): the first key of each priority level holds its lowest id.
        for (auto it = jobs->begin(); it != jobs->end();) {
            if (oldest == 0 || it->second < oldest)
                oldest = it->second;
            if (it->first == std::numeric_limits<int>::max())
                break;
            it = jobs->lower_bound({ it->first + 1, std::numeric_limits<JobId>::min() });
        }
    }
    return oldest;
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

bool JobQueue::setPaused(const QString& queue, bool paused)
{
    Named* target = find(queue);
    if (!target) {
        if (!paused)
            return true; // nothing to remember
        if (!roomForAQueueWithoutJobs())
            return false;
        target = named(queue);
    }
    const bool hadNoJobs = hasNoJobs(*target);
    target->paused = paused;
    changed(*target, hadNoJobs);
    return true;
}

bool JobQueue::setConcurrency(const QString& queue, int limit)
{
    limit = std::max(0, limit);
    Named* target = find(queue);
    if (!target) {
        if (limit == 0)
            return true; // nothing to remember
        if (!roomForAQueueWithoutJobs())
            return false;
        target = named(queue);
    }
    const bool hadNoJobs = hasNoJobs(*target);
    target->concurrency = limit;
    changed(*target, hadNoJobs);
    return true;
}

JobQueue::Removal JobQueue::removeQueue(const QString& queue)
{
    const Named* found = find(queue);
    if (!found)
        return Removal::Unknown;
    if (!hasNoJobs(*found))
        return Removal::NotEmpty;
    m_queues.remove(queue); // not in m_runnable: it has no ready job
    --m_withoutJobs;
    return Removal::Removed;
}

QStringList JobQueue::names() const
{
    QStringList names = m_queues.keys();
    names.sort();
    return names;
}
