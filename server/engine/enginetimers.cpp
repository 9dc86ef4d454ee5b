#include "enginetimers.h"

#include "enginecore.h"
#include "queuedcall.h"

namespace {
constexpr qint64 maxTimerMs = 24LL * 3600 * 1000; // a longer wait re-arms when it fires
}

EngineTimers::EngineTimers(Engine* engine, EngineCore* core, const EngineClock& clock, int snapshotIntervalMs)
    : m_engine(engine)
    , m_core(core)
    , m_clock(clock)
    , m_scheduler(this)
    , m_longPolls(this)
    , m_drain(this)
    , m_snapshots(this)
{
    m_scheduler.setSingleShot(true);
    m_scheduler.setTimerType(Qt::PreciseTimer);
    m_longPolls.setSingleShot(true);
    m_drain.setSingleShot(true);
    m_snapshots.setInterval(snapshotIntervalMs);
    connect(&m_scheduler, &QTimer::timeout, this, &EngineTimers::promote);
    connect(&m_longPolls, &QTimer::timeout, this, &EngineTimers::promote);
    connect(&m_drain, &QTimer::timeout, this, &EngineTimers::armDrain); // fires once it has passed
    connect(&m_snapshots, &QTimer::timeout, this, &EngineTimers::publish);
}

void EngineTimers::wakeSchedulerAt(qint64 dueAtMs)
{
    QueuedCall::invoke(this, [this, dueAtMs] {
        if (m_armedFor != 0 && m_armedFor <= dueAtMs)
            return;
        m_armedFor = dueAtMs;
        armScheduler();
    });
}

void EngineTimers::wakeLongPollsAt(qint64 realDeadlineMs)
{
    QueuedCall::invoke(this, [this, realDeadlineMs] {
        if (m_longPollsArmedFor != 0 && m_longPollsArmedFor <= realDeadlineMs)
            return;
        m_longPollsArmedFor = realDeadlineMs;
        m_longPolls.start(int(qBound<qint64>(0, realDeadlineMs - m_clock.state().realNow, maxTimerMs)));
    });
}

void EngineTimers::armScheduler()
{
    if (m_armedFor == 0 || m_clock.isVirtual()) {
        m_scheduler.stop(); // a virtual clock's advance calls clockMoved()
        if (m_armedFor != 0 && m_armedFor <= m_clock.now()) // due already: no advance will come for it
            QMetaObject::invokeMethod(this, &EngineTimers::promote, Qt::QueuedConnection);
        return;
    }
    m_scheduler.start(int(qBound<qint64>(0, m_armedFor - m_clock.now(), maxTimerMs)));
}

void EngineTimers::promote()
{
    const EngineCore::NextWake next = m_core->promoteDueJobs();
    m_armedFor = 0;
    m_longPollsArmedFor = 0;
    m_scheduler.stop();
    m_longPolls.stop();
    if (next.dueAt > 0)
        wakeSchedulerAt(next.dueAt);
    if (next.longPollDeadline > 0)
        wakeLongPollsAt(next.longPollDeadline);
}

void EngineTimers::armDrainDeadline(qint64 atMs)
{
    QueuedCall::invoke(this, [this, atMs] {
        m_drainAt = atMs;
        armDrain();
    });
}

void EngineTimers::cancelDrainDeadline()
{
    QueuedCall::invoke(this, [this] {
        m_drainAt = 0;
        m_drain.stop();
    });
}

void EngineTimers::armDrain()
{
    if (m_drainAt == 0)
        return;
    const qint64 left = m_drainAt - m_clock.now();
    if (left <= 0) {
        m_drainAt = 0;
        m_drain.stop();
        m_core->drainDeadlinePassed();
    } else if (m_clock.isVirtual()) {
        m_drain.stop();
    } else {
        m_drain.start(int(std::min(left, maxTimerMs)));
    }
}

void EngineTimers::clockMoved()
{
    QueuedCall::invoke(this, [this] {
        promote();
        armDrain();
    });
}

void EngineTimers::startSnapshots()
{
    QueuedCall::invoke(this, [this] { m_snapshots.start(); });
}

void EngineTimers::publish()
{
    if (auto snapshot = m_core->takeSnapshot())
        Q_EMIT m_engine->snapshotReady(*snapshot);
}
