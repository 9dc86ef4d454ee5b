#include "engineclock.h"

#include <QDateTime>

EngineClock::EngineClock(Source source, bool startVirtual)
    : m_source(std::move(source))
{
    if (startVirtual) {
        m_virtual = true;
        m_frozenAt = sourceNow();
    }
}

const EngineClock& EngineClock::system()
{
    static const EngineClock clock;
    return clock;
}

qint64 EngineClock::sourceNow() const
{
    return m_source ? m_source() : QDateTime::currentMSecsSinceEpoch();
}

qint64 EngineClock::nowLocked(qint64 realNow) const
{
    return m_virtual ? m_frozenAt : realNow + m_offsetMs;
}

qint64 EngineClock::now() const
{
    std::lock_guard lock(m_mutex); // the source is read under it too: no reader sees time go back
    return nowLocked(sourceNow());
}

bool EngineClock::isVirtual() const
{
    std::lock_guard lock(m_mutex);
    return m_virtual;
}

EngineClock::State EngineClock::state() const
{
    std::lock_guard lock(m_mutex);
    const qint64 realNow = sourceNow();
    const qint64 t = nowLocked(realNow);
    return State { m_virtual, t, realNow, t - realNow };
}

EngineClock::State EngineClock::setVirtual(bool isVirtual)
{
    State state;
    {
        std::lock_guard lock(m_mutex);
        const qint64 realNow = sourceNow();
        const qint64 t = nowLocked(realNow);
        if (isVirtual != m_virtual) {
            m_virtual = isVirtual;
            if (isVirtual)
                m_frozenAt = t; // time stops where it is
            else
                m_offsetMs = t - realNow; // and goes on from there
        }
        state = State { m_virtual, t, realNow, t - realNow };
    }
    notify();
    return state;
}

std::optional<EngineClock::State> EngineClock::advance(qint64 ms)
{
    State state;
    {
        std::lock_guard lock(m_mutex);
        const qint64 realNow = sourceNow();
        if (!m_virtual)
            return std::nullopt;
        m_frozenAt += std::max<qint64>(0, ms);
        state = State { true, m_frozenAt, realNow, m_frozenAt - realNow };
    }
    notify();
    return state;
}

std::optional<qint64> EngineClock::realWaitMs(qint64 deadline) const
{
    std::lock_guard lock(m_mutex);
    const qint64 realNow = sourceNow();
    const qint64 left = std::max<qint64>(0, deadline - nowLocked(realNow));
    if (m_virtual && left > 0)
        return std::nullopt;
    return left;
}

quint64 EngineClock::subscribe(std::function<void()> callback) const
{
    std::lock_guard lock(m_listenersMutex);
    const quint64 handle = m_nextHandle++;
    m_listeners.emplace(handle, std::move(callback));
    return handle;
}

void EngineClock::unsubscribe(quint64 handle) const
{
    std::lock_guard lock(m_listenersMutex);
    m_listeners.erase(handle);
}

void EngineClock::notify() const
{
    // Under the list's lock: once unsubscribe() returns, its callback never runs again.
    std::lock_guard lock(m_listenersMutex);
    for (const auto& [handle, callback] : m_listeners) {
        Q_UNUSED(handle);
        callback();
    }
}
