#pragma once

#include "jobstore.h"

#include <QHash>
#include <QMutex>

#include <deque>
#include <map>

// --in-memory: every job in a map, nothing survives the process. Inserts are "durable" at once.
//
// Finished jobs beyond `keepFinished` are dropped oldest first, when new jobs are inserted: jobs
// are allocated on the inserting thread (HTTP), and freeing them there instead of on the worker
// that finished them avoids contention (glibc returns same-thread frees to the thread's cache;
// cross-thread frees contend for its arena; see docs/performance.md). Finishing
// without inserts prunes too, past a slack of keepFinished / 10 (at most 10,000).
class MemoryJobStore : public JobStore
{
public:
    explicit MemoryJobStore(int keepFinished);

    bool open(QString* error) override;
    QList<Job> loadUnfinished() override { return {}; }
    JobId maxId() const override;
    StatusCounts countByStatus() const override;
    QHash<QString, StatusCounts> countByQueueAtOpen() const override;
    QHash<QString, StatusCounts> takePruned() override;
    void insert(const QList<Job>& jobs, DurableCallback onDurable) override;
    void update(const Job& job) override;
    void updateAndInsert(const Job& job, const QList<Job>& jobs, DurableCallback onDurable) override;
    void whenDurable(DurableCallback onDurable) override;
    QStringList declaredJobTypes() const override;
    void setDeclaredJobTypes(const QStringList& types) override;
    QJsonObject settings() const override;
    void setSettings(const QJsonObject& settings) override;
    std::optional<Job> find(JobId id) const override;
    std::optional<Job> findByIdempotencyKey(const QString& key) const override;
    JobPage list(const JobQuery& query) const override;
    qint64 count(const JobQuery& query) const override;
    void removeFinished(const JobQuery& filter, RemovalCallback done) override;
    void close() override { }
    void setUnavailable(const QString& reason) override;

private:
    void insertLocked(const QList<Job>& jobs);
    void pruneLocked(int slack, qsizetype maxJobs);
    // A revival of a job pruned since the engine read it (inserts prune outside the engine's
    // lock): takes back that job's share of the prune and its idempotency key.
    void unpruneLocked(const Job& job);

    struct PrunedJob
    {
        JobId id;
        QString queue;
        JobStatus status;
    };

    const int m_keepFinished;
    const int m_slack; // finished jobs beyond m_keepFinished left to the next insert
    mutable QMutex m_mutex;
    std::map<JobId, Job> m_jobs; // ordered: lists walk it newest first
    std::deque<JobId> m_finished; // ids of finished jobs, ascending, for pruning: no tree to rebalance
    QHash<QString, JobId> m_keys;
    QHash<QString, StatusCounts> m_pruned; // since the last takePruned()
    std::deque<PrunedJob> m_prunedLately; // the newest pruned, a few thousand: what a revival can race
    QStringList m_declaredTypes;
    QString m_unavailable; // set: inserts fail with it (the "store unavailable" fault)
    QJsonObject m_settings;
};
