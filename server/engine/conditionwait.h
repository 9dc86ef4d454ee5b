#pragma once

#include <QDeadlineTimer>
#include <QWaitCondition>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define QUEUELAB_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define QUEUELAB_TSAN 1
#endif

#ifdef QUEUELAB_TSAN
#include <sanitizer/tsan_interface.h>
#endif

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
