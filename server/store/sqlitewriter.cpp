#include "sqlitewriter.h"

#include "jobfiltersql.h"
#include "jobrow.h"
#include "sqliteschema.h"
#include "storebatch.h"
#include "storelog.h"
#include "walcheckpointer.h"
#include "writerstatements.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

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

SqliteWriter::SqliteWriter(const QString& connectionName)
    : m_name(connectionName)
{ }

SqliteWriter::~SqliteWriter()
{
    close();
}

bool SqliteWriter::open(const QString& path, bool fullSync, QString* error)
{
    m_db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_name);
    m_db.setDatabaseName(path);
    m_db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
    if (!m_db.open()) {
        *error = u"Cannot open the database %1: %2"_s.arg(path, m_db.lastError().databaseText());
        return false;
    }
    if (!SqliteSchema::prepare(m_db, path, error))
        return false;

    // NORMAL: a commit is in the OS's hands (survives a killed process); FULL: fsync'ed on commit.
    // Where no WalCheckpointer can run, SQLite checkpoints inside commits; fewer, larger
    // checkpoints stall the writer less often.
    const QString pragmas[] = {
        fullSync ? u"PRAGMA synchronous = FULL"_s : u"PRAGMA synchronous = NORMAL"_s,
        u"PRAGMA temp_store = MEMORY"_s,
        u"PRAGMA cache_size = -65536"_s,
        u"PRAGMA wal_autocheckpoint = 4000"_s,
        u"PRAGMA journal_size_limit = 67108864"_s,
    };
    QString sqliteError;
    for (const QString& pragma : pragmas) {
        if (!exec(pragma, &sqliteError)) {
            *error = u"Cannot configure the database %1: %2"_s.arg(path, sqliteError);
            return false;
        }
    }
    if (!loadCounts(&sqliteError)) {
        *error = u"Cannot read the database %1: %2"_s.arg(path, sqliteError);
        return false;
    }

    // QUEUELAB_SQLITE_QT_BINDING=1 forces the portable path (tests, and a way out should the fast one misbehave).
    const std::optional<NativeSqlite> native
        = qEnvironmentVariableIntValue("QUEUELAB_SQLITE_QT_BINDING") ? std::nullopt : NativeSqlite::forConnection(m_db);
    if (!native)
        qCInfo(lcStore, "Writing through QSqlQuery: SQLite's C API is not reachable through the QSQLITE plugin");
    m_nativeApi = native.has_value();
    m_statements = std::make_unique<WriterStatements>(m_db, native);
    if (!m_statements->prepare(&sqliteError)) {
        *error = u"Cannot prepare the statements for %1: %2"_s.arg(path, sqliteError);
        return false;
    }

    if (native) {
        auto checkpointer = std::make_unique<WalCheckpointer>(m_name + "-checkpointer"_L1);
        if (checkpointer->start(path, &sqliteError)) {
            m_checkpointer = std::move(checkpointer);
            // Replaces SQLite's auto-checkpoint, which is a WAL hook itself.
            native->walHook(native->handle, &SqliteWriter::walCommitted, this);
        } else {
            qCWarning(lcStore, "Checkpoints stay inside commits: %ls", qUtf16Printable(sqliteError));
        }
    }
    return true;
}

int SqliteWriter::walCommitted(void* writer, sqlite3*, const char*, int walPages)
{
    static_cast<SqliteWriter*>(writer)->m_walPages = walPages;
    return 0; // SQLITE_OK
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
    if (exec(u"PRAGMA wal_checkpoint(PASSIVE)"_s, &error))
        ++m_walTailCheckpoints;
    else
        qCWarning(lcStore, "Checkpointing the WAL failed: %ls", qUtf16Printable(error));
}

bool SqliteWriter::loadCounts(QString* error)
{
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.exec(u"SELECT max((SELECT value FROM meta WHERE key = 'max_id'), coalesce((SELECT max(id) FROM "
                    "jobs), 0))"_s)
        || !query.next()) {
        *error = query.lastError().databaseText();
        return false;
    }
    m_maxId = query.value(0).toLongLong();

    if (!query.exec(u"SELECT value FROM meta WHERE key = 'declared_types'"_s)) {
        *error = query.lastError().databaseText();
        return false;
    }
    if (query.next())
        m_declaredTypes = QString(query.value(0).toString()).split(u'\n', Qt::SkipEmptyParts);

    if (!query.exec(u"SELECT value FROM meta WHERE key = 'settings'"_s)) {
        *error = query.lastError().databaseText();
        return false;
    }
    if (query.next())
        m_settings = query.value(0).toString().toUtf8();

    if (!query.exec(u"SELECT status, count(*) FROM jobs GROUP BY status"_s)) {
        *error = query.lastError().databaseText();
        return false;
    }
    while (query.next()) {
        if (const auto status = jobStatusFromString(query.value(0).toString()))
            m_counts[std::size_t(*status)] = query.value(1).toLongLong();
    }

    if (!query.exec(u"SELECT id, status FROM jobs WHERE status IN ('scheduled', 'queued', 'running')"_s)) {
        *error = query.lastError().databaseText();
        return false;
    }
    while (query.next()) {
        if (const auto status = jobStatusFromString(query.value(1).toString()))
            m_unfinished.insert(query.value(0).toLongLong(), *status);
    }
    return true;
}

void SqliteWriter::close()
{
    if (!m_db.isValid())
        return;
    m_checkpointer.reset(); // first: closing the last connection checkpoints and removes the WAL
    m_statements.reset();
    if (m_db.isOpen()) {
        QString ignored;
        // Keeps the planner's statistics current; the limit makes ANALYZE sample, not scan.
        exec(u"PRAGMA analysis_limit = 1000"_s, &ignored);
        exec(u"PRAGMA optimize"_s, &ignored);
    }
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_name);
}

bool SqliteWriter::exec(const QString& sql, QString* error)
{
    QSqlQuery query(m_db);
    if (query.exec(sql))
        return true;
    *error = query.lastError().databaseText();
    return false;
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
    QSqlQuery& query = m_statements->status;
    query.bindValue(0, id);
    std::optional<JobStatus> status;
    if (query.exec() && query.next())
        status = jobStatusFromString(query.value(0).toString());
    query.finish();
    return status;
}

void SqliteWriter::fail(Outcome& outcome, const QString& message)
{
    m_statements->rollback.exec(); // may fail if SQLite rolled back already; nothing is kept either way
    outcome.error = message;
    for (QString& error : outcome.insertErrors) {
        if (error.isEmpty())
            error = message;
    }
    outcome.inserted = 0;
    outcome.updated = 0;
    outcome.removed.clear();
}

SqliteWriter::Outcome SqliteWriter::write(const StoreBatch& batch, const QString& refusal)
{
    WriterStatements& s = *m_statements;
    Outcome outcome;
    outcome.insertErrors.resize(batch.inserts().size());
    if (!s.begin.exec()) {
        fail(outcome, u"Cannot begin a transaction: %1"_s.arg(s.begin.lastError().databaseText()));
        return outcome;
    }

    Changes changes;
    changes.statuses.reserve(batch.entries().size());
    JobId maxInserted = m_maxId;
    for (qsizetype call = 0; call < batch.inserts().size(); ++call) {
        const StoreBatch::InsertCall& insert = batch.inserts().at(call);
        // A savepoint makes a multi-job call all-or-none; a single INSERT is atomic by itself.
        const bool multi = insert.count > 1;
        if (multi && !s.savepoint.exec()) {
            fail(outcome, u"Cannot store the jobs: %1"_s.arg(s.savepoint.lastError().databaseText()));
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
            if (multi && !s.rollbackTo.exec()) {
                fail(outcome, u"Cannot store the jobs: %1"_s.arg(s.rollbackTo.lastError().databaseText()));
                return outcome;
            }
            break;
        }
        if (multi && !s.release.exec()) {
            fail(outcome, u"Cannot store the jobs: %1"_s.arg(s.release.lastError().databaseText()));
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
        if (s.update.changes() > 0 && before) {
            ++outcome.updated;
            changes.change(id, *before, job.status);
        }
    }

    // After the updates: a job retried meanwhile is not finished any more, and stays.
    if (!batch.removals().isEmpty()) {
        s.setMaxId.bindValue(0, m_maxId); // ids are never given out twice, the newest job's neither
        if (!s.setMaxId.exec()) {
            fail(outcome, u"Cannot delete jobs: %1"_s.arg(s.setMaxId.lastError().databaseText()));
            return outcome;
        }
    }
    for (const StoreBatch::Removal& removal : batch.removals()) {
        Q_ASSERT(removal.filter.status && isFinished(*removal.filter.status));
        const JobFilterSql sql(removal.filter);
        QSqlQuery remove(m_db);
        remove.prepare("DELETE FROM jobs"_L1 + sql.where());
        for (const QVariant& value : sql.values)
            remove.addBindValue(value);
        if (!remove.exec()) {
            fail(outcome, u"Cannot delete jobs: %1"_s.arg(remove.lastError().databaseText()));
            return outcome;
        }
        const qint64 rows = remove.numRowsAffected();
        changes.counts[std::size_t(*removal.filter.status)] -= rows;
        outcome.removed.append(rows);
    }

    if (batch.settings()) {
        s.setSettings.bindValue(0, QString::fromUtf8(*batch.settings()));
        if (!s.setSettings.exec()) {
            fail(outcome, u"Cannot store the settings: %1"_s.arg(s.setSettings.lastError().databaseText()));
            return outcome;
        }
    }
    if (batch.declaredTypes()) {
        // One name per line: a type name holds no control characters (Engine::declareJobType).
        s.setDeclaredTypes.bindValue(0, batch.declaredTypes()->join(u'\n'));
        if (!s.setDeclaredTypes.exec()) {
            fail(outcome,
                u"Cannot store the declared job types: %1"_s.arg(s.setDeclaredTypes.lastError().databaseText()));
            return outcome;
        }
    }

    if (!refusal.isEmpty()) {
        fail(outcome, refusal);
        return outcome;
    }
    if (!s.commit.exec()) {
        fail(outcome, u"Cannot commit to the database: %1"_s.arg(s.commit.lastError().databaseText()));
        return outcome;
    }

    m_maxId = maxInserted;
    for (std::size_t i = 0; i < m_counts.size(); ++i)
        m_counts[i] += changes.counts[i];
    for (const auto& [id, status] : std::as_const(changes.statuses)) {
        if (isFinished(status))
            m_unfinished.remove(id);
        else
            m_unfinished.insert(id, status);
    }
    return outcome;
}

int SqliteWriter::prune(qint64 keep, int maxRows, QString* error)
{
    const qint64 excess = finishedCount() - keep;
    if (excess <= 0)
        return 0;
    const int rows = int(qMin<qint64>(excess, maxRows));
    WriterStatements& s = *m_statements;
    const auto failed = [&](const QSqlQuery& query) {
        *error = query.lastError().databaseText();
        s.rollback.exec();
        return -1;
    };
    if (!s.begin.exec())
        return failed(s.begin);
    for (int i = 0; i < 4; ++i)
        s.oldestFinished.bindValue(i, rows);
    if (!s.oldestFinished.exec())
        return failed(s.oldestFinished);
    StatusCounts pruned {};
    JobId upTo = 0;
    while (s.oldestFinished.next()) {
        upTo = s.oldestFinished.value(0).toLongLong();
        if (const auto status = jobStatusFromString(s.oldestFinished.value(1).toString()))
            ++pruned[std::size_t(*status)];
    }
    // The newest job may go too: its id is kept, so that ids are never given out twice.
    s.setMaxId.bindValue(0, m_maxId);
    if (!s.setMaxId.exec())
        return failed(s.setMaxId);
    s.prune.bindValue(0, upTo);
    if (!s.prune.exec())
        return failed(s.prune);
    if (!s.commit.exec())
        return failed(s.commit);

    int deleted = 0;
    for (std::size_t i = 0; i < m_counts.size(); ++i) {
        m_counts[i] -= pruned[i];
        deleted += int(pruned[i]);
    }
    return deleted;
}
