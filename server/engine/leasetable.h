#pragma once

#include "workers.h"

#include <QHash>
#include <QMultiHash>

#include <set>
#include <utility>

// The jobs external workers hold: one lease per job, found by job, checked by token, ordered by
// expiry so that the engine's sweep finds the expired ones without a scan. Not thread-safe: the
// engine's mutex guards it.
class LeaseTable
{
public:
    const Lease& add(const Lease& lease);
    // The lease of `jobId` if `token` is its token; null for an expired, ended or foreign token.
    Lease* find(JobId jobId, const QString& token);
    Lease* find(JobId jobId);
    const Lease* find(JobId jobId) const;
    void setExpiry(JobId jobId, qint64 expiresAt);
    Lease take(JobId jobId); // removes it; the job must have a lease

    // Jobs whose lease ran out at `now`, soonest first.
    QList<JobId> expiredAt(qint64 now) const;
    qint64 nextExpiry() const; // 0: none
    QList<JobId> jobsOf(const QString& workerId) const; // ascending
    QList<JobId> jobs() const;
    bool isEmpty() const { return m_byJob.isEmpty(); }
    int size() const { return int(m_byJob.size()); }

private:
    QHash<JobId, Lease> m_byJob;
    QMultiHash<QString, JobId> m_byWorker;
    std::set<std::pair<qint64, JobId>> m_expiries; // (expiresAt, job)
};
