#pragma once

#include <QMutex>
#include <QThread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

// A QMutex that spins briefly before it sleeps.
//
// The engine's lock is held for about a microsecond at a time, by the HTTP thread (submit) and
// the workers (finish one job, start the next). QMutex sleeps in the kernel as soon as the lock
// is taken, and at high submission rates the HTTP thread spent much of its time in futex calls
// (docs/performance.md). Spinning a few microseconds first lets the holder finish instead.
// QMutexLocker and QWaitCondition use it like any QMutex.
class SpinningMutex : public QMutex
{
public:
    void lock() noexcept
    {
        // On one CPU the holder cannot run while we spin.
        static const int spins = QThread::idealThreadCount() > 1 ? maxSpins : 0;
        for (int i = 0; i < spins; ++i) {
            if (tryLock())
                return;
            pause();
        }
        QMutex::lock();
    }

private:
    static constexpr int maxSpins = 200; // a few microseconds

    static void pause() noexcept
    {
#if defined(__x86_64__) || defined(__i386__)
        _mm_pause();
#endif
    }
};
