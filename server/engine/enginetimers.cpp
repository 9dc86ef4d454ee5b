#include "enginetimers.h"

#include "enginecore.h"

EngineTimers::EngineTimers(Engine* engine, EngineCore* core, int snapshotIntervalMs)
    : m_engine(engine)
    , m_core(core)
    , m_scheduler(this)
    , m_drain(this)
    , m_snapshots(this)
{
    m_scheduler.setSingleShot(true);
    m_scheduler.setTimerType(Qt::PreciseTimer);
    m_drain.setSingleShot(true);
    m_snapshots.setInterval(snapshotIntervalMs);
    connect(&m_scheduler, &QTimer::timeout, this, &EngineTimers::promote);
    connect(&m_drain, &QTimer::timeout, this, [this] { m_core->drainDeadlinePassed(); });
    connect(&m_snapshots, &QTimer::timeout, this, &EngineTimers::publish);
}

void EngineTimers::wakeSchedulerAt(qint64 dueAtMs)
{
    QMetaObject::invokeMethod(this, [this, dueAtMs] {
        if (m_scheduler.isActive() && m_armedFor <= dueAtMs)
            return;
        m_armedFor = dueAtMs;
        m_scheduler.start(int(qBound<qint64>(0, dueAtMs - m_core->now(), 24LL * 3600 * 1000)));
    });
}

void EngineTimers::promote()
{
    const qint64 next = m_core->promoteDueJobs();
    m_armedFor = 0;
    if (next > 0)
        wakeSchedulerAt(next);
}

void EngineTimers::armDrainDeadline(int ms)
{
    QMetaObject::invokeMethod(this, [this, ms] { m_drain.start(ms); });
}

void EngineTimers::cancelDrainDeadline()
{
    QMetaObject::invokeMethod(this, [this] { m_drain.stop(); });
}

void EngineTimers::startSnapshots()
{
    QMetaObject::invokeMethod(this, [this] { m_snapshots.start(); });
}

void EngineTimers::publish()
{
    if (auto snapshot = m_core->takeSnapshot())
        Q_EMIT m_engine->snapshotReady(*snapshot);
}
