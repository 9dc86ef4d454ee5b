#pragma once

#include "jobstore.h"

#include <QHash>
#include <QMutex>

#include <map>

// --in-memory: every job in a map, nothing survives the process. Finished jobs beyond
// `keepFinished` are dropped oldest first. Inserts are "durable" at once.
class MemoryJobStore : public JobStore
{
public:
    explicit MemoryJobStore(int keepFinished);

    bool open(QString* error) override;
    QList<Job> loadUnfinished() override { return {}; }
    JobId maxId() const override;
    StatusCounts countByStatus() const override;
    void insert(const QList<Job>& jobs, DurableCallback onDurable) override;
    void update(const Job& job) override;
    std::optional<Job> find(JobId id) const override;
    std::optional<Job> findByIdempotencyKey(const QString& key) const override;
    JobPage list(const JobQuery& query) const override;
    void close() override { }

private:
    void pruneLocked();

    const int m_keepFinished;
    mutable QMutex m_mutex;
    std::map<JobId, Job> m_jobs; // ordered: lists walk it newest first
    std::map<JobId, bool> m_finished; // ids of finished jobs, oldest first, for pruning
    QHash<QString, JobId> m_keys;
};
