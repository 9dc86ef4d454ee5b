// EngineCore's side of the clock: switching it, advancing it, and doing what became due.
#include "defaultlimits.h"
#include "enginecore.h"
#include "enginetimers.h"
#include "queuedcall.h"

namespace {

EngineError notVirtual()
{
    return { EngineError::Kind::Conflict, QStringLiteral("clock_not_virtual"),
        QStringLiteral("the clock is real: switch it to virtual ({\"mode\":\"virtual\"}) before advancing it"), {} };
}

} // namespace

EngineClock::State EngineCore::setVirtualClock(bool isVirtual)
{
    const EngineClock::State state = m_clock.setVirtual(isVirtual);
    clockMoved();
    return state;
}

EngineResult<EngineClock::State> EngineCore::advanceClock(qint64 ms)
{
    if (ms <= 0 || ms > Limits::maxClockAdvanceMs)
        return EngineError { EngineError::Kind::Invalid, QStringLiteral("invalid_field"),
            QStringLiteral("must be an integer from 1 to %1 (ms); time never goes back").arg(Limits::maxClockAdvanceMs),
            QStringLiteral("advance_ms") };
    const std::optional<EngineClock::State> state = m_clock.advance(ms);
    if (!state)
        return notVirtual();
    clockMoved();
    return *state;
}

EngineResult<EngineClock::State> EngineCore::advanceClockToNextDue()
{
    if (!m_clock.isVirtual())
        return notVirtual();
    qint64 due = 0;
    {
        QMutexLocker lock(&m_mutex);
        due = nextDueLocked();
    }
    if (due == 0)
        return EngineError { EngineError::Kind::Conflict, QStringLiteral("nothing_due"),
            QStringLiteral("nothing is due later: no scheduled job, lease, worker or drain deadline waits for the "
                           "clock"),
            {} };
    // Due already (a promotion on its way): the clock stays, what is due is done now.
    const qint64 ms = due - m_clock.now();
    const std::optional<EngineClock::State> state = ms > 0 ? m_clock.advance(ms) : m_clock.state();
    if (!state)
        return notVirtual(); // switched to real meanwhile
    clockMoved();
    return *state;
}

qint64 EngineCore::nextDueLocked() const
{
    qint64 next = 0;
    const auto consider = [&next](qint64 at) {
        if (at > 0 && (next == 0 || at < next))
            next = at;
    };
    if (!m_scheduled.empty())
        consider(m_scheduled.begin()->first);
    consider(m_leases.nextExpiry());
    consider(m_workers.nextGoneAt());
    if (m_state == EngineState::Draining)
        consider(m_drainDeadline);
    return next;
}

void EngineCore::clockMoved()
{
    // At once on the caller's thread, so that what became due is queued when the call returns;
    // the timers then re-arm for the new time and end the drain if its deadline passed.
    promoteDueJobs();
    {
        QMutexLocker lock(&m_mutex);
        m_dirty = true;
    }
    m_timers->clockMoved();
    QueuedCall::invoke(
        q, [engine = q] { Q_EMIT engine->clockChanged(); }, Qt::QueuedConnection);
}
