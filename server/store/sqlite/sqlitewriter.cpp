#include "sqlitewriter.h"

#include "jobfiltersql.h"
#include "jobrow.h"
#include "sqliteschema.h"
#include "sqlitestatement.h"
#include "store/storelog.h"
#include "storebatch.h"
#include "walcheckpointer.h"
#include "writerstatements.h"

#include <sqlite3.h>

using namespace Qt::StringLiterals;

// What a batch changes in the counts; applied only once it is committed.
struct SqliteWriter::Changes
{
    StatusCounts counts {};
    QList<std::pair<JobId, JobStatus>> statuses; // in order: the last one of a job counts

    void add(JobId id, JobStatus status)
    {
        ++counts[std::size_t(status)];
        statuses.append({ id, status });
    }
    void change(JobId id, JobStatus from, JobStatus to)
    {
        --counts[std::size_t(from)];
        add(id, to);
    }
    void merge(const Changes& other)
    {
        for (std::size_t i = 0; i < counts.size(); ++i)
            counts[i] += other.counts[i];
        statuses += other.statuses;
    }
};

SqliteWriter::SqliteWriter() = default;

SqliteWriter::~SqliteWriter()
{
    close();
}

bool SqliteWriter::open(const QString& path, bool fullSync, QString* error)
{
    QString sqliteError;
    if (!m_db.open(path, &sqliteError)) {
        *error = u"Cannot open the database %1: %2"_s.arg(path, sqliteError);
        return false;
    }
    if (!SqliteSchema::prepare(m_db, path, error))
        return false;

    // NORMAL: a commit is in the OS's hands (survives a killed process); FULL: fsync'ed on commit.
    // Where no WalCheckpointer can run, SQLite checkpoints inside commits; fewer, larger
    // checkpoints stall the writer less often.
    const QByteArrayView pragmas[] = {
        fullSync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
        "PRAGMA temp_store = MEMORY",
        "PRAGMA cache_size = -65536",
        "PRAGMA wal_autocheckpoint = 4000",
        "PRAGMA journal_size_limit = 67108864",
    };
    for (QByteArrayView pragma : pragmas) {
        if (!m_db.exec(pragma, &sqliteError)) {
            *error = u"Cannot configure the database %1: %2"_s.arg(path, sqliteError);
            return false;
        }
    }
    if (!loadCounts(&sqliteError)) {
        *error = u"Cannot read the database %1: %2"_s.arg(path, sqliteError);
        return false;
    }

    m_statements = std::make_unique<WriterStatements>();
    if (!m_statements->prepare(m_db, &sqliteError)) {
        *error = u"Cannot prepare the statements for %1: %2"_s.arg(path, sqliteError);
        return false;
    }

    auto checkpointer = std::make_unique<WalCheckpointer>();
    if (checkpointer->start(path, &sqliteError)) {
        m_checkpointer = std::move(checkpointer);
        // Replaces SQLite's auto-checkpoint, which is a WAL hook itself.
        sqlite3_wal_hook(m_db.handle(), &SqliteWriter::walCommitted, this);
    } else {
        qCWarning(lcStore, "Checkpoints stay inside commits: %ls", qUtf16Printable(sqliteError));
    }
    return true;
}

int SqliteWriter::walCommitted(void* writer, sqlite3*, const char*, int walPages)
{
    static_cast<SqliteWriter*>(writer)->m_walPages = walPages;
    return SQLITE_OK;
}

quint64 SqliteWriter::walPasses() const
{
    return m_checkpointer ? m_checkpointer->passes() : 0;
}

void SqliteWriter::checkpointWalIfDue()
{
    if (!m_checkpointer || !m_checkpointer->walGrew(m_walPages))
        return;
    QString error;
    if (m_db.exec("PRAGMA wal_checkpoint(PASSIVE)", &error))
        ++m_walTailCheckpoints;
    else
        qCWarning(lcStore, "Checkpointing the WAL failed: %ls", qUtf16Printable(error));
}

bool SqliteWriter::loadCounts(QString* error)
{
    // Runs `sql` and hands each row to `onRow`.
    const auto select = [this, error](const QString& sql, auto onRow) {
        SqliteStatement query;
        if (!query.prepare(m_db, sql, error))
            return false;
        while (query.next())
            onRow(query);
        *error = query.errorText();
        return error->isEmpty();
    };
    return select(u"SELECT max((SELECT value FROM meta WHERE key = 'max_id'), coalesce((SELECT max(id) FROM "
                  "jobs), 0))"_s,
               [this](const SqliteStatement& row) { m_maxId = row.integer(0); })
        && select(u"SELECT value FROM meta WHERE key = 'declared_types'"_s,
            [this](const SqliteStatement& row) { m_declaredTypes = row.text(0).split(u'\n', Qt::SkipEmptyParts); })
        && select(u"SELECT value FROM meta WHERE key = 'settings'"_s,
            [this](const SqliteStatement& row) { m_settings = row.utf8(0); })
        && select(u"SELECT count(*) FROM job_text_pending"_s,
            [this](const SqliteStatement& row) { m_textPending = row.integer(0); })
        && select(u"SELECT status, count(*) FROM jobs GROUP BY status"_s,
            [this](const SqliteStatement& row) {
                if (const auto status = jobStatusFromString(row.text(0)))
                    m_counts[std::size_t(*status)] = row.integer(1);
            })
        && select(u"SELECT queue, status, count(*) FROM jobs GROUP BY queue, status"_s,
            [this](const SqliteStatement& row) {
                if (const auto status = jobStatusFromString(row.text(1)))
                    m_queueCountsAtOpen[row.text(0)][std::size_t(*status)] = row.integer(2);
            })
        && select(u"SELECT id, status FROM jobs WHERE status IN ('scheduled', 'queued', 'running')"_s,
            [this](const SqliteStatement& row) {
                if (const auto status = jobStatusFromString(row.text(1)))
                    m_unfinished.insert(row.integer(0), *status);
            });
}

void SqliteWriter::close()
{
    if (!m_db.isOpen())
        return;
    m_checkpointer.reset(); // first: closing the last connection checkpoints and removes the WAL
    const bool opened = m_statements != nullptr; // a file refused by open() is left alone
    m_statements.reset();
    if (opened) {
        QString ignored;
        // Keeps the planner's statistics current; the limit makes ANALYZE sample, not scan.
        m_db.exec("PRAGMA analysis_limit = 1000; PRAGMA optimize", &ignored);
    }
    m_db.close();
}

qint64 SqliteWriter::finishedCount() const
{
    return m_counts[std::size_t(JobStatus::Succeeded)] + m_counts[std::size_t(JobStatus::Failed)]
        + m_counts[std::size_t(JobStatus::Cancelled)];
}

std::optional<JobStatus> SqliteWriter::storedStatus(JobId id)
{
    if (const auto it = m_unfinished.constFind(id); it != m_unfinished.cend())
        return *it;
    // Finished (being retried) or not stored at all: rare enough for a lookup.
    SqliteStatement& query = m_statements->status;
    query.bindInt(0, id);
    std::optional<JobStatus> status;
    if (query.next())
        status = jobStatusFromString(query.text(0));
    query.reset();
    return status;
}

void SqliteWriter::fail(Outcome& outcome, const QString& message)
{
    m_statements->rollback.run(); // may fail if SQLite rolled back already; nothing is kept either way
    outcome.error = message;
    for (QString& error : outcome.insertErrors) {
        if (error.isEmpty())
            error = message;
    }
    outcome.inserted = 0;
    outcome.updated = 0;
    outcome.removed.clear();
    outcome.unpruned.clear();
}

SqliteWriter::Outcome SqliteWriter::write(const StoreBatch& batch, const QString& refusal)
{
    WriterStatements& s = *m_statements;
    Outcome outcome;
    outcome.insertErrors.resize(batch.inserts().size());
    if (!s.begin.run()) {
        fail(outcome, u"Cannot begin a transaction: %1"_s.arg(s.begin.errorText()));
        return outcome;
    }

    Changes changes;
    changes.statuses.reserve(batch.entries().size());
    JobId maxInserted = m_maxId;
    int restored = 0; // rows pruned lately and stored again
    for (qsizetype call = 0; call < batch.inserts().size(); ++call) {
        const StoreBatch::InsertCall& insert = batch.inserts().at(call);
        // A savepoint makes a multi-job call all-or-none; a single INSERT is atomic by itself.
        const bool multi = insert.count > 1;
        if (multi && !s.savepoint.run()) {
            fail(outcome, u"Cannot store the jobs: %1"_s.arg(s.savepoint.errorText()));
            return outcome;
        }
        Changes callChanges;
        callChanges.statuses.reserve(insert.count);
        JobId callMaxId = 0;
        for (qsizetype i = insert.first; i < insert.first + insert.count; ++i) {
            const Job& job = batch.entries().at(i).job;
            JobRow::bindInsert(s.insert, job);
            if (s.insert.run()) {
                callChanges.add(job.id, job.status);
                callMaxId = qMax(callMaxId, job.id);
                continue;
            }
            if (!s.insert.constraintViolated()) {
                fail(outcome, u"Cannot store the jobs: %1"_s.arg(s.insert.errorText()));
                return outcome;
            }
            outcome.insertErrors[call] = u"Cannot store the jobs: %1"_s.arg(s.insert.errorText());
            if (multi && !s.rollbackTo.run()) {
                fail(outcome, u"Cannot store the jobs: %1"_s.arg(s.rollbackTo.errorText()));
                return outcome;
            }
            break;
        }
        if (multi && !s.release.run()) {
            fail(outcome, u"Cannot store the jobs: %1"_s.arg(s.release.errorText()));
            return outcome;
        }
        if (outcome.insertErrors.at(call).isEmpty()) {
            outcome.inserted += insert.count;
            maxInserted = qMax(maxInserted, callMaxId);
            changes.merge(callChanges);
        }
    }

    for (qsizetype position : batch.updates()) {
        const Job& job = batch.entries().at(position).job;
        const JobId id = job.id;
        const std::optional<JobStatus> before = storedStatus(id);
        JobRow::bindUpdate(s.update, job);
        if (!s.update.run()) {
            if (!s.update.constraintViolated()) {
                fail(outcome, u"Cannot update job %1: %2"_s.arg(QString::number(id), s.update.errorText()));
                return outcome;
            }
            qCWarning(lcStore, "Job %lld was not updated: %ls", id, qUtf16Printable(s.update.errorText()));
            continue;
        }
        // A job pruned or never stored has no row to update.
        if (m_db.changes() > 0 && before) {
            ++outcome.updated;
            changes.change(id, *before, job.status);
        } else if (m_db.changes() == 0 && !isFinished(job.status) && restorePruned(job, changes, outcome)) {
            ++outcome.updated;
            ++restored;
        }
        if (!outcome.error.isEmpty())
            return outcome;
    }

    // After the updates: a job retried meanwhile is not finished any more, and stays.
    if (!batch.removals().isEmpty()) {
        s.setMaxId.bindInt(0, m_maxId); // ids are never given out twice, the newest job's neither
        if (!s.setMaxId.run()) {
            fail(outcome, u"Cannot delete jobs: %1"_s.arg(s.setMaxId.errorText()));
            return outcome;
        }
    }
    for (const StoreBatch::Removal& removal : batch.removals()) {
        Q_ASSERT(removal.filter.status && isFinished(*removal.filter.status));
        const JobFilterSql sql(removal.filter);
        SqliteStatement remove; // rare, and its filter varies: prepared for this once
        QString removeError;
        if (remove.prepare(m_db, "DELETE FROM jobs"_L1 + sql.where(), &removeError)) {
            for (int i = 0; i < sql.values.size(); ++i)
                remove.bindValue(i, sql.values.at(i));
            if (!remove.run())
                removeError = remove.errorText();
        }
        if (!removeError.isEmpty()) {
            fail(outcome, u"Cannot delete jobs: %1"_s.arg(removeError));
            return outcome;
        }
        const qint64 rows = m_db.changes();
        changes.counts[std::size_t(*removal.filter.status)] -= rows;
        outcome.removed.append(rows);
    }

    if (batch.settings()) {
        s.setSettings.bindUtf8(0, *batch.settings()); // the batch outlives the run
        if (!s.setSettings.run()) {
            fail(outcome, u"Cannot store the settings: %1"_s.arg(s.setSettings.errorText()));
            return outcome;
        }
    }
    if (batch.declaredTypes()) {
        // One name per line: a type name holds no control characters (Engine::declareJobType).
        const QString types = batch.declaredTypes()->join(u'\n');
        s.setDeclaredTypes.bindText(0, types);
        if (!s.setDeclaredTypes.run()) {
            fail(outcome, u"Cannot store the declared job types: %1"_s.arg(s.setDeclaredTypes.errorText()));
            return outcome;
        }
    }

    if (!refusal.isEmpty()) {
        fail(outcome, refusal);
        return outcome;
    }
    if (!s.commit.run()) {
        fail(outcome, u"Cannot commit to the database: %1"_s.arg(s.commit.errorText()));
        return outcome;
    }

    m_maxId = maxInserted;
    m_textPending += outcome.inserted + restored; // the insert trigger lists them
    for (std::size_t i = 0; i < m_counts.size(); ++i)
        m_counts[i] += changes.counts[i];
    for (const auto& [id, status] : std::as_const(changes.statuses)) {
        if (isFinished(status))
            m_unfinished.remove(id);
        else
            m_unfinished.insert(id, status);
    }
    m_prunedBefore = std::exchange(m_prunedLately, {});
    return outcome;
}

bool SqliteWriter::restorePruned(const Job& job, Changes& changes, Outcome& outcome)
{
    auto pruned = m_prunedLately.constFind(job.id);
    if (pruned == m_prunedLately.cend()) {
        pruned = m_prunedBefore.constFind(job.id);
        if (pruned == m_prunedBefore.cend())
            return false;
    }
    WriterStatements& s = *m_statements;
    JobRow::bindInsert(s.insert, job);
    bool stored = s.insert.run();
    if (!stored && s.insert.constraintViolated() && !job.idempotencyKey.isEmpty()) {
        // Its idempotency key, free since the prune, names a newer job now, which keeps it.
        Job keyless = job;
        keyless.idempotencyKey.clear();
        JobRow::bindInsert(s.insert, keyless);
        stored = s.insert.run();
    }
    if (!stored) {
        fail(outcome, u"Cannot store job %1 again: %2"_s.arg(QString::number(job.id), s.insert.errorText()));
        return false;
    }
    changes.add(job.id, job.status);
    ++outcome.unpruned[pruned->queue][std::size_t(pruned->status)];
    return true;
}

int SqliteWriter::rolledBack(const SqliteStatement& failed, QString* error)
{
    *error = failed.errorText();
    m_statements->rollback.run(); // may fail if SQLite rolled back already; nothing is kept either way
    return -1;
}

int SqliteWriter::indexText(int maxRows, QString* error)
{
    WriterStatements& s = *m_statements;
    const auto failed = [&](const SqliteStatement& statement) { return rolledBack(statement, error); };
    if (!s.begin.run())
        return failed(s.begin);
    s.indexText.bindInt(0, maxRows);
    if (!s.indexText.run())
        return failed(s.indexText);
    const int indexed = m_db.changes();
    s.unpendText.bindInt(0, maxRows); // the same rows: nothing else writes meanwhile
    if (!s.unpendText.run())
        return failed(s.unpendText);
    if (!s.commit.run())
        return failed(s.commit);
    // Fewer than asked: none wait any more (pruning may have taken some of those counted).
    m_textPending = indexed < maxRows ? 0 : std::max<qint64>(0, m_textPending - indexed);
    return indexed;
}

int SqliteWriter::prune(qint64 keep, int maxRows, QHash<QString, StatusCounts>* byQueue, QString* error)
{
    const qint64 excess = finishedCount() - keep;
    if (excess <= 0)
        return 0;
    const int rows = int(qMin<qint64>(excess, maxRows));
    WriterStatements& s = *m_statements;
    const auto failed = [&](const SqliteStatement& statement) { return rolledBack(statement, error); };
    if (!s.begin.run())
        return failed(s.begin);
    for (int i = 0; i < 4; ++i)
        s.oldestFinished.bindInt(i, rows);
    StatusCounts pruned {};
    QHash<QString, StatusCounts> prunedByQueue;
    QHash<JobId, PrunedJob> prunedJobs;
    JobId upTo = 0;
    while (s.oldestFinished.next()) {
        upTo = s.oldestFinished.integer(0);
        if (const auto status = jobStatusFromString(s.oldestFinished.text(1))) {
            const QString queue = s.oldestFinished.text(2);
            ++pruned[std::size_t(*status)];
            ++prunedByQueue[queue][std::size_t(*status)];
            prunedJobs.insert(upTo, PrunedJob { queue, *status });
        }
    }
    s.oldestFinished.reset();
    if (!s.oldestFinished.errorText().isEmpty())
        return failed(s.oldestFinished);
    // The newest job may go too: its id is kept, so that ids are never given out twice.
    s.setMaxId.bindInt(0, m_maxId);
    if (!s.setMaxId.run())
        return failed(s.setMaxId);
    s.prune.bindInt(0, upTo);
    if (!s.prune.run())
        return failed(s.prune);
    if (!s.commit.run())
        return failed(s.commit);

    int deleted = 0;
    for (std::size_t i = 0; i < m_counts.size(); ++i) {
        m_counts[i] -= pruned[i];
        deleted += int(pruned[i]);
    }
    m_prunedBefore = std::exchange(m_prunedLately, std::move(prunedJobs));
    *byQueue = std::move(prunedByQueue);
    return deleted;
}
