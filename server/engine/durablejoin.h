#pragma once

#include "jobstore.h"

#include <QMutex>

#include <atomic>

// One submission's durability when it also answers with jobs of other submissions that are still
// being stored (found by idempotency key): its callback runs once its own insert and each of
// theirs is resolved, with the first error if any failed, so that a 202 never names a job whose
// commit then failed. Any thread.
class DurableJoin
{
public:
    DurableJoin(int parts, JobStore::DurableCallback done)
        : m_remaining(parts)
        , m_done(std::move(done))
    { }

    void arrive(const QString& error)
    {
        if (!error.isEmpty()) {
            QMutexLocker lock(&m_mutex);
            if (m_error.isEmpty())
                m_error = error;
        }
        if (m_remaining.fetch_sub(1, std::memory_order_acq_rel) != 1)
            return;
        QMutexLocker lock(&m_mutex); // the last part: every error is in
        const QString firstError = m_error;
        lock.unlock();
        if (m_done)
            m_done(firstError);
    }

private:
    std::atomic<int> m_remaining;
    QMutex m_mutex;
    QString m_error;
    JobStore::DurableCallback m_done;
};
