#pragma once

#include "jobquery.h"
#include "sqliteconnection.h"

#include <QHash>
#include <QStringList>

#include <memory>

class SqliteStatement;
class StoreBatch;
class WalCheckpointer;
struct WriterStatements;
struct sqlite3;

// The store's one writing connection, used on the writer thread alone: prepared statements
// reused across batches, one transaction per batch, and retention in small chunks. It counts
// jobs by status as it writes, so counting never scans the table.
class SqliteWriter
{
public:
    struct Outcome
    {
        QStringList insertErrors; // one per insert call of the batch; empty: stored
        QString error; // set when the whole batch was rolled back
        int inserted = 0; // rows
        int updated = 0;
        QList<qint64> removed; // rows, one per removal of the batch
        // Jobs that retention pruned while the engine revived them, stored again: per queue,
        // the status each was pruned in, whose prune this takes back.
        QHash<QString, StatusCounts> unpruned;
    };

    SqliteWriter();
    ~SqliteWriter();
    Q_DISABLE_COPY_MOVE(SqliteWriter)

    // Checks and migrates the file (SqliteSchema), tunes the connection, loads counts and max id.
    bool open(const QString& path, bool fullSync, QString* error);
    // Writes a batch in one transaction; an insert call that breaks a constraint fails alone.
    // A non-empty `refusal` (the store made unavailable) rolls back instead of committing and
    // is the batch's error.
    Outcome write(const StoreBatch& batch, const QString& refusal);
    // Deletes up to `maxRows` of the oldest finished jobs beyond `keep` in one transaction.
    // Returns the rows deleted and how many of each queue and status went, or -1 with a message.
    int prune(qint64 keep, int maxRows, QHash<QString, StatusCounts>* byQueue, QString* error);
    // Indexes up to `maxRows` of the jobs waiting for the search index, oldest first, in one
    // transaction. Returns the rows indexed, or -1 with a message.
    int indexText(int maxRows, QString* error);
    // Jobs stored but not yet in the search index (as of open() and this connection's writes;
    // at most that many: pruning may take some first).
    qint64 textPending() const { return m_textPending; }
    // Between batches, after their callbacks: checkpoints the WAL's tail when it is due (see
    // WalCheckpointer). A no-op where SQLite checkpoints inside commits.
    void checkpointWalIfDue();
    void close();

    const StatusCounts& counts() const { return m_counts; }
    // Per queue, as loaded by open(); not kept up to date (the engine follows them itself).
    const QHash<QString, StatusCounts>& queueCountsAtOpen() const { return m_queueCountsAtOpen; }
    qint64 finishedCount() const;
    JobId maxId() const { return m_maxId; }
    QStringList declaredTypes() const { return m_declaredTypes; } // as loaded by open()
    QByteArray settings() const { return m_settings; } // JSON, as loaded by open()
    // The WAL is checkpointed beside the writer, not inside its commits.
    bool checkpointsApart() const { return m_checkpointer != nullptr; }
    quint64 walPasses() const; // by the checkpointer
    quint64 walTailCheckpoints() const { return m_walTailCheckpoints; } // by the writer
    int walPages() const { return m_walPages; } // as of the last commit, if checkpointsApart()

private:
    struct Changes;
    struct PrunedJob
    {
        QString queue;
        JobStatus status;
    };

    bool loadCounts(QString* error);
    // A revival whose row retention has just pruned (the engine read the job before the prune
    // and queued its update after it): the row goes back. False if the job was not pruned lately.
    bool restorePruned(const Job& job, Changes& changes, Outcome& outcome);
    std::optional<JobStatus> storedStatus(JobId id);
    void fail(Outcome& outcome, const QString& message);
    // A maintenance transaction (pruning, indexing) that `failed` broke: rolled back, its error
    // in `error`. Returns -1, what those calls return on failure.
    int rolledBack(const SqliteStatement& failed, QString* error);
    static int walCommitted(void* writer, sqlite3*, const char* database, int walPages);

    SqliteConnection m_db;
    std::unique_ptr<WriterStatements> m_statements; // finalized before m_db closes
    // as committed
    StatusCounts m_counts {};
    QHash<QString, StatusCounts> m_queueCountsAtOpen;
    QHash<JobId, JobStatus> m_unfinished; // status of every stored job not finished yet
    JobId m_maxId = 0; // highest id ever stored, also after pruning
    // The jobs of the last two prunes, until two batches have committed since: a revival read
    // before a prune reaches the writer with one of the next batches.
    QHash<JobId, PrunedJob> m_prunedLately;
    QHash<JobId, PrunedJob> m_prunedBefore;
    qint64 m_textPending = 0;
    QStringList m_declaredTypes;
    QByteArray m_settings;
    std::unique_ptr<WalCheckpointer> m_checkpointer;
    int m_walPages = 0;
    quint64 m_walTailCheckpoints = 0;
};
