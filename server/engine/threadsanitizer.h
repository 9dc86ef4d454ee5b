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
#endif
