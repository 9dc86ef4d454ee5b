#pragma once

#include <QObject>
#include <QTimer>

class Engine;
class EngineCore;

// The engine's clockwork, on its own thread so neither a busy HTTP thread nor the GUI delays
// it: due scheduled jobs enter the queue on a timer set to the next due time (no polling), the
// drain deadline cancels what still runs, and snapshots are published on a fixed tick.
class EngineTimers : public QObject
{
    Q_OBJECT
public:
    EngineTimers(Engine* engine, EngineCore* core, int snapshotIntervalMs);

    // Thread-safe: each posts to the timer thread.
    void wakeSchedulerAt(qint64 dueAtMs);
    void armDrainDeadline(int ms);
    void cancelDrainDeadline();
    void startSnapshots();

private:
    void promote();
    void publish();

    Engine* const m_engine;
    EngineCore* const m_core;
    QTimer m_scheduler;
    QTimer m_drain;
    QTimer m_snapshots;
    qint64 m_armedFor = 0; // timer thread only
};
