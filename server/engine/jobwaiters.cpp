#include "jobwaiters.h"

#include "queuedcall.h"

quint64 JobWaiters::add(JobId id, QObject* context, Callback callback)
{
    const quint64 handle = m_nextHandle++;
    m_waiters.insert(id, Waiter { handle, context, std::move(callback) });
    return handle;
}

void JobWaiters::remove(quint64 handle)
{
    for (auto it = m_waiters.begin(); it != m_waiters.end(); ++it) {
        if (it->handle == handle) {
            m_waiters.erase(it);
            return;
        }
    }
}

void JobWaiters::finished(const Job& job)
{
    if (m_waiters.isEmpty())
        return;
    for (const Waiter& waiter : m_waiters.values(job.id)) {
        if (waiter.context)
            QueuedCall::invoke(waiter.context, [callback = waiter.callback, job] { callback(job); });
    }
    m_waiters.remove(job.id);
}
