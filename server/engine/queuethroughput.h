#pragma once

#include <QHash>
#include <QString>

#include <array>

// Jobs of each named queue that ended (succeeded or failed) in the last minute: per-second
// slots per queue, so that recording is a hash lookup and an increment.
// Not thread-safe: the engine's mutex guards it. Times come from the caller (testable).
class QueueThroughput
{
public:
    static constexpr int windowSecs = 60; // whole seconds, the current partial one left out

    void record(const QString& queue, qint64 nowMs);
    qint64 lastMinute(const QString& queue, qint64 nowMs) const;

private:
    struct Seconds
    {
        std::array<qint64, windowSecs + 1> start {}; // one slot per second, the current one too
        std::array<qint64, windowSecs + 1> count {};
        qint64 lastSecond = 0;
    };
    void forgetQuietQueues(qint64 nowSecond);

    QHash<QString, Seconds> m_queues;
    qsizetype m_forgetAt = 64; // queues held at which those quiet for a minute are forgotten
};
