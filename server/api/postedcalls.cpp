#include "postedcalls.h"

#include "engine/queuedcall.h"

PostedCalls::PostedCalls(QObject* context)
    : m_context(context)
{ }

void PostedCalls::post(std::function<void()> call)
{
    QMutexLocker lock(&m_mutex);
    if (!m_context)
        return;
    m_calls.append(std::move(call));
    if (m_scheduled)
        return;
    m_scheduled = true;
    QueuedCall::invoke(
        m_context, [self = shared_from_this()] { self->runAll(); }, Qt::QueuedConnection);
}

void PostedCalls::close()
{
    QMutexLocker lock(&m_mutex);
    m_context = nullptr;
    m_calls.clear();
}

void PostedCalls::runAll()
{
    QList<std::function<void()>> calls;
    {
        QMutexLocker lock(&m_mutex);
        calls.swap(m_calls);
        m_scheduled = false;
    }
    for (const auto& call : std::as_const(calls))
        call();
}
