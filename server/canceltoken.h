#pragma once

#include <QDeadlineTimer>

#include <atomic>
#include <condition_variable>
#include <mutex>

// Shared between a running job and whoever may stop it: the client (DELETE), the job's
// timeout, or a shutdown past its drain deadline. Handlers poll stopReason() or sleep through
// waitFor(), which wakes at once when the job is stopped.
class CancelToken
{
public:
    enum class Reason { None, Cancelled, TimedOut, Shutdown };

    explicit CancelToken(qint64 timeoutMs = -1);

    void cancel(Reason reason);
    // None while the job may go on; the timeout counts as soon as it passes.
    Reason stopReason() const;
    bool isStopped() const { return stopReason() != Reason::None; }
    // Sleeps up to `ms`; returns false early when the job is stopped meanwhile.
    bool waitFor(qint64 ms) const;
    qint64 remainingTimeoutMs() const;

private:
    QDeadlineTimer m_timeout; // set at construction, immutable
    std::atomic<Reason> m_reason { Reason::None };
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_wake;
};
