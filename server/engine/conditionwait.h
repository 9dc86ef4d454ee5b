#pragma once

#include "threadsanitizer.h"

#include <QDeadlineTimer>
#include <QWaitCondition>

// QWaitCondition::wait() with the mutex's release and re-acquisition told to ThreadSanitizer.
//
// QMutex's lock and unlock are annotated inline, but wait() unlocks and relocks it inside
// libQt6Core, which is not instrumented: without this ThreadSanitizer sees the waiter lock a
// mutex it already holds, and every access under it after the wait as unsynchronised.
template <typename Mutex>
bool waitOn(QWaitCondition& condition, Mutex& mutex, QDeadlineTimer deadline = QDeadlineTimer::Forever)
{
#ifdef QUEUELAB_TSAN
    __tsan_mutex_pre_unlock(&mutex, 0);
    __tsan_mutex_post_unlock(&mutex, 0);
#endif
    const bool woken = condition.wait(&mutex, deadline);
#ifdef QUEUELAB_TSAN
    __tsan_mutex_pre_lock(&mutex, 0);
    __tsan_mutex_post_lock(&mutex, 0, 0);
#endif
    return woken;
}
