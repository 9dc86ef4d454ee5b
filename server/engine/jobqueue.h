#pragma once

#include "job.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <set>
#include <utility>
#include <vector>

// Jobs ready to run, by named queue: higher priority first, then submission order (id).
// Queues can be paused and limited in concurrency. Not thread-safe: the engine's mutex guards it.
class JobQueue
{
public:
    // True when a worker could take the job now (its queue is neither paused nor saturated).
    bool push(const QString& queue, int priority, JobId id);
    bool remove(const QString& queue, int priority, JobId id);
    // The next job any worker may take: the best head among queues that are neither paused
    // nor at their concurrency limit. Marks it running in its queue. 0 when there is none.
    JobId pop(QString* queueOut);
    void finishedRunning(const QString& queue);

    qint64 depth() const { return m_depth; }
    // Of depth(), the jobs a worker could take now: not in a paused queue, and within the free
    // slots of a queue's concurrency limit.
    qint64 runnable() const;
    qint64 depth(const QString& queue) const;
    int running(const QString& queue) const;
    bool isPaused(const QString& queue) const;
    int concurrency(const QString& queue) const;
    void setPaused(const QString& queue, bool paused);
    void setConcurrency(const QString& queue, int limit); // 0: unlimited
    QStringList names() const; // every queue that has been used or configured, sorted

private:
    using Key = std::pair<int, JobId>; // (-priority, id): std::set's order is the run order
    struct Named
    {
        QString name;
        std::set<Key> ready;
        int running = 0;
        int concurrency = 0;
        bool paused = false;
    };
    Named& named(const QString& queue); // created on first use
    const Named* find(const QString& queue) const; // null if never used
    Named* find(const QString& queue);

    // pop() looks at every queue for each job: a vector walks only them, where a QHash walks
    // its buckets (128 at least), which made pop() cost about 3,000 instructions.
    std::vector<Named> m_queues; // never shrinks: names() lists every queue ever used
    QHash<QString, qsizetype> m_index; // name -> position in m_queues
    qint64 m_depth = 0;
};
