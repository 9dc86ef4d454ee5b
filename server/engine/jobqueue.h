#pragma once

#include "job.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <set>
#include <utility>

// Jobs ready to run, by named queue: higher priority first, then submission order (id).
// Queues can be paused and limited in concurrency. Jobs for external workers wait beside the
// others in their queue, but only lease requests take them (popExternal), never pop().
// Not thread-safe: the engine's mutex guards it.
//
// A queue exists while it has jobs or settings; one whose jobs are all done is kept (listed)
// until more than Limits::maxQueuesWithoutJobs exist, then forgotten. Paused and limited queues
// are kept until deleted, and at most that many of them can be made without a job.
class JobQueue
{
public:
    // True when a worker could take the job now (its queue is neither paused nor saturated).
    bool push(const QString& queue, int priority, JobId id, bool external = false);
    bool remove(const QString& queue, int priority, JobId id);
    // The next job any worker may take: the best head among queues that are neither paused
    // nor at their concurrency limit. Marks it running in its queue. 0 when there is none.
    JobId pop(QString* queueOut);
    // The next job of `queue` for an external worker, under the same rules. 0 when there is none.
    JobId popExternal(const QString& queue);
    void finishedRunning(const QString& queue);

    // Pause all processing: no queue gives a job to a worker slot or a lease until resumed; jobs
    // still come in and wait. Each queue keeps its own pause beside it.
    void setAllPaused(bool paused) { m_allPaused = paused; }
    bool isAllPaused() const { return m_allPaused; }

    qint64 depth() const { return m_depth; }
    // Of depth(), the jobs a worker could take now: not in a paused queue, and within the free
    // slots of a queue's concurrency limit.
    qint64 runnable() const;
    qint64 depth(const QString& queue) const;
    int running(const QString& queue) const;
    // The queued job of `queue` submitted first (the lowest id: ids follow submission), 0 when
    // none is queued. Looks at one job per priority level, not at every job.
    JobId oldest(const QString& queue) const;
    bool isPaused(const QString& queue) const;
    int concurrency(const QString& queue) const;
    // False, changing nothing, when `queue` is new and too many queues exist already.
    bool setPaused(const QString& queue, bool paused);
    bool setConcurrency(const QString& queue, int limit); // 0: unlimited
    enum class Removal { Removed, Unknown, NotEmpty };
    Removal removeQueue(const QString& queue); // forgets its settings; only without ready or running jobs
    QStringList names() const; // every queue that exists, sorted

private:
    using Key = std::pair<int, JobId>; // (-priority, id): std::set's order is the run order
    struct Named
    {
        QString name;
        std::set<Key> ready;
        std::set<Key> external; // for external workers only: never in m_runnable
        int running = 0;
        int concurrency = 0;
        bool paused = false;
        std::optional<Key> listedHead; // its entry in m_runnable, if any
    };
    static bool hasNoJobs(const Named& queue)
    {
        return queue.ready.empty() && queue.external.empty() && queue.running == 0;
    }
    Named* find(const QString& queue) const; // null if it does not exist
    Named* named(const QString& queue); // created if need be
    // After any change to `queue`, which was without jobs before it or not: relists it, counts
    // it, and may forget idle queues (`queue` too: callers do not use it afterwards).
    void changed(Named& queue, bool hadNoJobs);
    // Lists the queue in m_runnable under its current head, or not at all when no worker may take from it.
    void relist(Named& queue);
    bool roomForAQueueWithoutJobs();
    void forgetIdleQueues();

    QHash<QString, std::shared_ptr<Named>> m_queues; // shared_ptr: a QHash rehash moves its values
    // The head of every queue a worker may take from now, best first: pop() looks at one entry,
    // however many queues are idle, paused or saturated.
    std::set<std::pair<Key, Named*>> m_runnable;
    qsizetype m_withoutJobs = 0; // queues with no ready and no running job
    qsizetype m_forgetAt = 0; // m_withoutJobs at which idle ones are forgotten (amortized: 2x the kept ones)
    qint64 m_depth = 0;
    bool m_allPaused = false;
};
