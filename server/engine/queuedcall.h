#pragma once

#include "threadsanitizer.h"

#include <QMetaObject>
#include <QObject>
#include <QThread>

#include <utility>

// QMetaObject::invokeMethod(context, call, type), with the hand-off told to ThreadSanitizer.
//
// Qt passes a queued call to the receiving thread under a mutex inside libQt6Core, which is not
// instrumented: ThreadSanitizer would see what the caller wrote before posting read on the other
// thread with nothing between. The caller releases the context's address and the call acquires
// it first, as Qt's event queue orders them; a blocking call releases it back once done. The call's
// own storage is filled unrecorded, since Qt hands it over. Plain invokeMethod in other builds.
namespace QueuedCall {

template <typename Call> void invoke(QObject* context, Call&& call, Qt::ConnectionType type = Qt::AutoConnection)
{
#ifdef QUEUELAB_TSAN
    const bool direct
        = type == Qt::DirectConnection || (type == Qt::AutoConnection && context->thread() == QThread::currentThread());
    if (direct) {
        call();
        return;
    }
    __tsan_release(context);
    {
        UnrecordedAccesses handOver;
        QMetaObject::invokeMethod(
            context,
            [context, call = std::forward<Call>(call)]() mutable {
                __tsan_acquire(context);
                call();
                __tsan_release(context);
            },
            type);
    }
    if (type == Qt::BlockingQueuedConnection)
        __tsan_acquire(context);
#else
    QMetaObject::invokeMethod(context, std::forward<Call>(call), type);
#endif
}

} // namespace QueuedCall
