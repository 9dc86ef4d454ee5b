#pragma once

#include <QObject>
#include <QTimer>

class Engine;
class EngineClock;
class EngineCore;

// The engine's clockwork, on its own thread so neither a busy HTTP thread nor the GUI delays
// it: due scheduled jobs enter the queue on a timer set to the next due time (no polling), the
// drain deadline cancels what still runs, and snapshots are published on a fixed tick.
//
// Due times and the drain deadline are the engine clock's: while it is virtual no real timer
// runs for them, and clockMoved() does what became due. Long polls wait in the source's time
// (the HTTP client's), so a virtual clock never holds a request past its wait.
class EngineTimers : public QObject
{
    Q_OBJECT
public:
    EngineTimers(Engine* engine, EngineCore* core, const EngineClock& clock, int snapshotIntervalMs);

    // Thread-safe: each posts to the timer thread.
    void wakeSchedulerAt(qint64 dueAtMs); // the engine clock's time
    void wakeLongPollsAt(qint64 realDeadlineMs); // the clock source's time
    void armDrainDeadline(qint64 atMs); // the engine clock's time
    void cancelDrainDeadline();
    void startSnapshots();
    void clockMoved(); // the clock was advanced or switched: re-arm, and do what became due

private:
    void promote();
    void armScheduler();
    void armDrain();
    void publish();

    Engine* const m_engine;
    EngineCore* const m_core;
    const EngineClock& m_clock;
    QTimer m_scheduler;
    QTimer m_longPolls;
    QTimer m_drain;
    QTimer m_snapshots;
    // timer thread only; 0: nothing armed
    qint64 m_armedFor = 0;
    qint64 m_longPollsArmedFor = 0;
    qint64 m_drainAt = 0;
};
