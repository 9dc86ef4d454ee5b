#pragma once

#include "defaultlimits.h"
#include "jobstore.h"

#include <QObject>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>

class QThread;
class ReadConnection;
class ReaderConnections;
class SqliteWriter;
class StoreBatch;
class StoreLock;

// Jobs in one SQLite file (WAL), safe across crashes. Writes go to a thread of the store's own
// with group commit: insert() and update() only append to the pending batch; the writer commits
// everything pending in one transaction while the next batch fills, then reports durability.
// Reads look at the pending and the committing batch first, then at the database through one
// connection per calling thread, so they always see the newest state. list() and
// countByStatus() are the exception: they show committed data, at most one commit behind.
class SqliteJobStore : public QObject, public JobStore
{
    Q_OBJECT
public:
    enum class Sync {
        Normal, // a commit survives a crash of the process (synchronous=NORMAL)
        Full, // a commit survives a power loss (synchronous=FULL, fsync per commit)
    };

    // What the writer did since open(), for tests, logs and metrics.
    struct Stats
    {
        quint64 commits = 0;
        quint64 failedCommits = 0;
        quint64 insertedRows = 0;
        quint64 updatedRows = 0; // after coalescing: one per job and commit
        quint64 prunedRows = 0;
        bool checkpointsApart = false; // by a WalCheckpointer, not inside commits
        quint64 walPasses = 0; // the checkpointer's
        quint64 walTailCheckpoints = 0; // the writer's, so that the WAL starts over
        int walPages = 0; // the WAL's length after the last commit, if checkpointsApart
        qint64 textPending = 0; // jobs stored but not yet in the search index (an upper bound)
    };

    // `keepFinished`: finished jobs kept before the oldest are pruned; negative keeps all.
    SqliteJobStore(const QString& path, Sync sync, int keepFinished = Limits::keepFinished, QObject* parent = nullptr);
    ~SqliteJobStore() override;

    bool open(QString* error) override;
    QList<Job> loadUnfinished() override;
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

    QString problem() const override;
    void close() override;
    // Each commit is rolled back and reported failed with the reason while it is set.
    void setUnavailable(const QString& reason) override;

    QString path() const { return m_path; }
    Stats stats() const;

Q_SIGNALS:
    // A batch could not be committed: its inserts were reported failed, its updates will be
    // retried with the next batch. Emitted on the writer thread.
    void writeFailed(const QString& message);

private:
    void runWriter(SqliteWriter& writer);
    // Checks that the path still names the file the writer writes to; once it does not, the
    // store is lost for good (problem()). Writer thread.
    bool noticeLostFile();
    void commit(SqliteWriter& writer, const std::shared_ptr<const StoreBatch>& batch);
    // Returns whether more is to be pruned.
    bool pruneChunk(SqliteWriter& writer);
    bool canIndexText(); // not while the file is unavailable, lost or closing
    bool indexTextChunk(SqliteWriter& writer); // false: it failed (logged)
    void updateWriterStats(const SqliteWriter& writer); // needs m_mutex
    // The newest state of a job not yet committed, if any. Needs m_mutex.
    const Job* uncommitted(JobId id) const;
    ReadConnection* readConnection() const;

    // set at construction, immutable
    const QString m_path;
    const Sync m_sync;
    const int m_keepFinished;
    const std::unique_ptr<StoreLock> m_lock;
    const std::unique_ptr<ReaderConnections> m_readers;

    // open() and close() against reads in flight: reads share it, closing takes it alone.
    // std::shared_mutex rather than QReadWriteLock, whose locking ThreadSanitizer cannot see.
    mutable std::shared_mutex m_lifecycle;
    bool m_open = false; // guarded by m_lifecycle
    QThread* m_writerThread = nullptr; // open()/close() only

    // guarded by m_mutex, shared with the writer thread
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::unique_ptr<StoreBatch> m_pending;
    std::shared_ptr<const StoreBatch> m_inflight; // being committed; read-only meanwhile
    bool m_hasWork = false; // new writes arrived (retried updates alone do not wake the writer)
    bool m_accepting = false;
    bool m_stopping = false;
    JobId m_maxId = 0;
    QStringList m_declaredTypes; // newest, committed or not
    QJsonObject m_settings; // newest, committed or not
    StatusCounts m_counts {};
    QHash<QString, StatusCounts> m_queueCountsAtOpen;
    QHash<QString, StatusCounts> m_pruned; // since the last takePruned()
    Stats m_stats;
    QString m_lostReason;

    QString m_unavailable; // guarded by m_mutex; set: commits are refused with it
    std::atomic<bool> m_lost { false }; // any thread; m_lostReason (under m_mutex) says why
};
