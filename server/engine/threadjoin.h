#pragma once

#include "threadsanitizer.h"

#include <QThread>
#include <QThreadStorage>

// A QThread whose end ThreadSanitizer can see: call markJoinable() before start() and
// waitJoined() instead of wait().
//
// Qt 6 ends a thread by waking a wait condition inside libQt6Core, which is not instrumented,
// not by pthread_join(): without this ThreadSanitizer orders nothing the thread did before what
// the waiter does after wait(), and reports every object the waiter then destroys. The thread
// releases its QThread's address as its last act (its thread storage goes after its deferred
// deletes, before wait() returns) and the waiter acquires it. Both are no-ops in other builds.
namespace ThreadJoin {

#ifdef QUEUELAB_TSAN
struct EndMarker
{
    QThread* thread;
    ~EndMarker() { __tsan_release(thread); }
};

inline QThreadStorage<EndMarker*>& endMarkers()
{
    static QThreadStorage<EndMarker*> markers;
    return markers;
}
#endif

inline void markJoinable(QThread& thread)
{
#ifdef QUEUELAB_TSAN
    QObject::connect(
        &thread, &QThread::started, &thread, [&thread] { endMarkers().setLocalData(new EndMarker { &thread }); },
        Qt::DirectConnection);
#else
    Q_UNUSED(thread);
#endif
}

inline bool waitJoined(QThread& thread, QDeadlineTimer deadline = QDeadlineTimer(QDeadlineTimer::Forever))
{
    const bool ended = thread.wait(deadline);
#ifdef QUEUELAB_TSAN
    if (ended)
        __tsan_acquire(&thread);
#endif
    return ended;
}

} // namespace ThreadJoin
