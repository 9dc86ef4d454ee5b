#include "canceltoken.h"

#include <chrono>

CancelToken::CancelToken(qint64 timeoutMs, const EngineClock& clock)
    : m_clock(clock)
    , m_timeoutAt(timeoutMs < 0 ? -1 : clock.now() + timeoutMs)
{ }

void CancelToken::cancel(Reason reason)
{
    Reason expected = Reason::None;
    if (!m_reason.compare_exchange_strong(expected, reason))
        return; // the first reason wins
    std::lock_guard lock(m_mutex);
    m_wake.notify_all();
}

CancelToken::Reason CancelToken::stopReason() const
{
    const Reason reason = m_reason.load(std::memory_order_relaxed);
    if (reason != Reason::None)
        return reason;
    return m_timeoutAt >= 0 && m_clock.now() >= m_timeoutAt ? Reason::TimedOut : Reason::None;
}

qint64 CancelToken::remainingTimeoutMs() const
{
    return m_timeoutAt < 0 ? -1 : std::max<qint64>(0, m_timeoutAt - m_clock.now());
}

bool CancelToken::waitFor(qint64 ms) const
{
    qint64 until = m_clock.now() + std::max<qint64>(0, ms);
    if (m_timeoutAt >= 0)
        until = std::min(until, m_timeoutAt);
    // Woken by a move of the clock as by a cancel: a virtual clock's advance ends the wait.
    const quint64 subscription = m_clock.subscribe([this] {
        std::lock_guard lock(m_mutex);
        m_wake.notify_all();
    });
    {
        std::unique_lock lock(m_mutex);
        while (m_reason.load() == Reason::None) {
            const std::optional<qint64> realWait = m_clock.realWaitMs(until);
            if (realWait == 0)
                break;
            if (realWait)
                m_wake.wait_for(lock, std::chrono::milliseconds(*realWait));
            else
                m_wake.wait(lock);
        }
    }
    m_clock.unsubscribe(subscription);
    return stopReason() == Reason::None && ms >= 0;
}
