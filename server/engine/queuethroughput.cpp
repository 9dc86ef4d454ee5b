#include "queuethroughput.h"

#include <algorithm>

void QueueThroughput::record(const QString& queue, qint64 nowMs)
{
    const qint64 second = nowMs / 1000;
    auto it = m_queues.find(queue);
    if (it == m_queues.end()) {
        if (m_queues.size() >= m_forgetAt)
            forgetQuietQueues(second);
        it = m_queues.insert(queue, Seconds {});
    }
    Seconds& seconds = *it;
    const std::size_t slot = std::size_t(second % (windowSecs + 1));
    if (seconds.start[slot] != second) {
        seconds.start[slot] = second;
        seconds.count[slot] = 0;
    }
    ++seconds.count[slot];
    seconds.lastSecond = std::max(seconds.lastSecond, second);
}

qint64 QueueThroughput::lastMinute(const QString& queue, qint64 nowMs) const
{
    const auto it = m_queues.constFind(queue);
    if (it == m_queues.cend())
        return 0;
    const qint64 now = nowMs / 1000;
    qint64 total = 0;
    for (std::size_t i = 0; i < it->start.size(); ++i) {
        if (it->start[i] < now && it->start[i] >= now - windowSecs)
            total += it->count[i];
    }
    return total;
}

void QueueThroughput::forgetQuietQueues(qint64 nowSecond)
{
    // Nothing to tell of a queue quiet for a minute; amortized: twice the queues kept.
    m_queues.removeIf([nowSecond](const auto& entry) { return entry.value().lastSecond < nowSecond - windowSecs; });
    m_forgetAt = std::max<qsizetype>(64, 2 * m_queues.size());
}
