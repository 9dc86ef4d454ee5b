#include "canceltoken.h"

#include <chrono>

CancelToken::CancelToken(qint64 timeoutMs)
    : m_timeout(timeoutMs < 0 ? QDeadlineTimer(QDeadlineTimer::Forever) : QDeadlineTimer(timeoutMs))
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
    return m_timeout.hasExpired() ? Reason::TimedOut : Reason::None;
}

qint64 CancelToken::remainingTimeoutMs() const
{
    return m_timeout.isForever() ? -1 : m_timeout.remainingTime();
}

bool CancelToken::waitFor(qint64 ms) const
{
    QDeadlineTimer until(ms);
    if (!m_timeout.isForever() && m_timeout.deadline() < until.deadline())
        until = m_timeout;
    std::unique_lock lock(m_mutex);
    while (m_reason.load() == Reason::None && !until.hasExpired())
        m_wake.wait_for(lock, std::chrono::milliseconds(until.remainingTime()));
    return stopReason() == Reason::None && ms >= 0;
}
