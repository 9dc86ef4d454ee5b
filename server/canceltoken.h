#pragma once

#include "engineclock.h"

#include <atomic>
#include <condition_variable>
#include <mutex>

// Shared between a running job and whoever may stop it: the client (DELETE), the job's
// timeout, or a shutdown past its drain deadline. Handlers poll stopReason() or sleep through
// waitFor(), which wakes at once when the job is stopped. The timeout and waitFor() follow the
// engine's clock: a virtual clock's advance ends them.
class CancelToken
{
public:
    enum class Reason { None, Cancelled, TimedOut, Shutdown };

    explicit CancelToken(qint64 timeoutMs = -1, const EngineClock& clock = EngineClock::system());

    void cancel(Reason reason);
    // None while the job may go on; the timeout counts as soon as it passes.
    Reason stopReason() const;
    bool isStopped() const { return stopReason() != Reason::None; }
    // Sleeps up to `ms` of the clock's time; returns false early when the job is stopped meanwhile.
    bool waitFor(qint64 ms) const;
    qint64 remainingTimeoutMs() const;
    const EngineClock& clock() const { return m_clock; }

private:
    const EngineClock& m_clock;
    const qint64 m_timeoutAt; // the clock's time; -1: none
    std::atomic<Reason> m_reason { Reason::None };
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_wake;
};
