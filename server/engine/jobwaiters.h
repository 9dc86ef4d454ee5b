#pragma once

#include "job.h"

#include <QMultiHash>
#include <QPointer>

#include <functional>

// Callers waiting for a job to finish (a client's ?wait, the window's "run and show"). Each is
// told once, on its context's thread, and forgotten. Not thread-safe: the engine calls it under
// its mutex.
class JobWaiters
{
public:
    using Callback = std::function<void(const Job&)>;

    // Returns a handle for remove(), never 0.
    quint64 add(JobId id, QObject* context, Callback callback);
    void remove(quint64 handle);
    // Posts `job` to each of its waiters and forgets them.
    void finished(const Job& job);
    // The job will never finish (its insert failed): its waiters are dropped unanswered.
    void forget(JobId id) { m_waiters.remove(id); }
    // A handle for a job that finished already, answered by the caller: unique, removes nothing.
    quint64 spareHandle() { return m_nextHandle++; }

private:
    struct Waiter
    {
        quint64 handle;
        QPointer<QObject> context;
        Callback callback;
    };

    QMultiHash<JobId, Waiter> m_waiters;
    quint64 m_nextHandle = 1;
};
