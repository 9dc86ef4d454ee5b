#pragma once

#include <QtGlobal>

#include <functional>
#include <map>
#include <mutex>
#include <optional>

// The time every job follows, in ms since the epoch: due times and run_at, retry backoff, job
// timeouts, lease expiry and worker-gone, the drain deadline, the sleep job type, and the
// timestamps stored with jobs. Real (the source's time plus an offset) or virtual (frozen,
// moved only by advance()). Switching to virtual freezes it where it is; switching back to real
// carries the time reached forward as the offset, so it never goes backwards. Thread-safe.
//
// Waits that follow the clock wake when it moves: subscribe() a callback that notifies the
// waiter's condition variable, and wait for at most realWaitMs() (none while virtual).
class EngineClock
{
public:
    using Source = std::function<qint64()>; // ms since the epoch; empty: the system clock

    struct State
    {
        bool isVirtual = false;
        qint64 now = 0; // the clock's time
        qint64 realNow = 0; // the source's time
        qint64 offsetMs = 0; // now - realNow
    };

    explicit EngineClock(Source source = {}, bool startVirtual = false);
    EngineClock(const EngineClock&) = delete;
    EngineClock& operator=(const EngineClock&) = delete;

    // A real clock with no offset, for waits that have no engine (tools, tests of a handler).
    static const EngineClock& system();

    qint64 now() const;
    State state() const;
    bool isVirtual() const;

    State setVirtual(bool isVirtual);
    // Moves a virtual clock forward by `ms` (> 0); nullopt when the clock is real.
    std::optional<State> advance(qint64 ms);

    // How long a waiter for `deadline` may sleep in real time before it looks again: 0 once the
    // deadline passed, nullopt while virtual (only a move of the clock can bring it nearer).
    std::optional<qint64> realWaitMs(qint64 deadline) const;

    // `callback` runs after every move or switch, on the thread that made it, while the clock
    // holds its list of callbacks (so it must not subscribe or unsubscribe). It may lock the
    // waiter's mutex: the clock's time is read under another one.
    quint64 subscribe(std::function<void()> callback) const;
    void unsubscribe(quint64 handle) const;

private:
    qint64 sourceNow() const;
    qint64 nowLocked(qint64 realNow) const;
    void notify() const;

    const Source m_source;
    mutable std::mutex m_mutex; // guards the three below
    bool m_virtual = false;
    qint64 m_frozenAt = 0; // while virtual: the time
    qint64 m_offsetMs = 0; // while real: added to the source
    mutable std::mutex m_listenersMutex;
    mutable std::map<quint64, std::function<void()>> m_listeners;
    mutable quint64 m_nextHandle = 1;
};
