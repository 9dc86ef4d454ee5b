#pragma once

// QUEUELAB_TSAN is defined in a ThreadSanitizer build, by GCC or clang, with its annotation calls
// declared: the helpers that tell it about synchronisation inside uninstrumented Qt test it.
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

extern "C" {
// Exported by the runtime, though GCC 12's header does not declare them.
void __tsan_ignore_thread_begin();
void __tsan_ignore_thread_end();
}
#endif

// While it lives, ThreadSanitizer records none of this thread's reads and writes: for memory that
// uninstrumented Qt allocates or fills here and hands to another thread. A no-op in other builds.
class UnrecordedAccesses
{
public:
#ifdef QUEUELAB_TSAN
    UnrecordedAccesses()
    {
        __tsan_ignore_thread_begin();
    }
    ~UnrecordedAccesses()
    {
        __tsan_ignore_thread_end();
    }
#else
    UnrecordedAccesses() = default;
#endif
    UnrecordedAccesses(const UnrecordedAccesses&) = delete;
    UnrecordedAccesses& operator=(const UnrecordedAccesses&) = delete;
};
