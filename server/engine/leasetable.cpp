#include "leasetable.h"

#include <algorithm>

const Lease& LeaseTable::add(const Lease& lease)
{
    Q_ASSERT(!m_byJob.contains(lease.jobId));
    m_byWorker.insert(lease.workerId, lease.jobId);
    m_expiries.insert({ lease.expiresAt, lease.jobId });
    return *m_byJob.insert(lease.jobId, lease);
}

Lease* LeaseTable::find(JobId jobId, const QString& token)
{
    Lease* lease = find(jobId);
    // Tokens are random and long; a timing difference on a local workbench reveals nothing useful.
    return lease && lease->token == token ? lease : nullptr;
}

Lease* LeaseTable::find(JobId jobId)
{
    const auto it = m_byJob.find(jobId);
    return it == m_byJob.end() ? nullptr : &*it;
}

const Lease* LeaseTable::find(JobId jobId) const
{
    const auto it = m_byJob.constFind(jobId);
    return it == m_byJob.cend() ? nullptr : &*it;
}

void LeaseTable::setExpiry(JobId jobId, qint64 expiresAt)
{
    Lease* lease = find(jobId);
    Q_ASSERT(lease);
    m_expiries.erase({ lease->expiresAt, jobId });
    lease->expiresAt = expiresAt;
    m_expiries.insert({ expiresAt, jobId });
}

Lease LeaseTable::take(JobId jobId)
{
    const Lease lease = m_byJob.take(jobId);
    m_expiries.erase({ lease.expiresAt, jobId });
    m_byWorker.remove(lease.workerId, jobId);
    return lease;
}

QList<JobId> LeaseTable::expiredAt(qint64 now) const
{
    QList<JobId> expired;
    for (auto it = m_expiries.cbegin(); it != m_expiries.cend() && it->first <= now; ++it)
        expired.append(it->second);
    return expired;
}

qint64 LeaseTable::nextExpiry() const
{
    return m_expiries.empty() ? 0 : m_expiries.begin()->first;
}

QList<JobId> LeaseTable::jobsOf(const QString& workerId) const
{
    QList<JobId> ids = m_byWorker.values(workerId);
    std::sort(ids.begin(), ids.end());
    return ids;
}

QList<JobId> LeaseTable::jobs() const
{
    QList<JobId> ids = m_byJob.keys();
    std::sort(ids.begin(), ids.end());
    return ids;
}
