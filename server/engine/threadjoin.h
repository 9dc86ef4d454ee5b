#pragma once

#include "threadsanitizer.h"

#include <QtConcurrent/QtConcurrentRun>
#include <QThread>
#include <QThreadPool>
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

// The same for a pool's tasks: start them with runInPool() and wait with waitPoolDone().
//
// A pool thread takes its task, and the pool waits for it, under the pool's locks inside
// libQt6Core. Each task acquires the pool's address first and releases it last; the owner acquires
// it once the pool is done. The task's own storage is filled unrecorded, since Qt hands it over.
template <typename Task> void runInPool(QThreadPool& pool, Task&& task)
{
#ifdef QUEUELAB_TSAN
    __tsan_release(&pool);
    UnrecordedAccesses handOver;
    static_cast<void>(QtConcurrent::run(&pool, [&pool, task = std::forward<Task>(task)]() mutable {
        __tsan_acquire(&pool);
        task();
        __tsan_release(&pool);
    }));
#else
    static_cast<void>(QtConcurrent::run(&pool, std::forward<Task>(task)));
#endif
}

inline void waitPoolDone(QThreadPool& pool)
{
    pool.waitForDone();
#ifdef QUEUELAB_TSAN
    __tsan_acquire(&pool);
#endif
}

} // namespace ThreadJoin
