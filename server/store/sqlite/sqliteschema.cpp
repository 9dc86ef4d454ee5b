#include "sqliteschema.h"

#include "sqliteconnection.h"
#include "sqlitestatement.h"

#include <QList>

using namespace Qt::StringLiterals;

namespace {

// Step n brings a file from version n - 1 to n. Released steps are never edited, only appended to.
QList<QLatin1StringView> migration(int toVersion)
{
    switch (toVersion) {
    case 1:
        return {
            // Big JSON columns last: reading the small ones never walks overflow pages.
            "CREATE TABLE jobs ("
            " id INTEGER PRIMARY KEY, type TEXT NOT NULL, queue TEXT NOT NULL, status TEXT NOT NULL,"
            " priority INTEGER NOT NULL, attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL,"
            " progress REAL NOT NULL, created_at INTEGER NOT NULL, run_at INTEGER NOT NULL,"
            " started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL, timeout_ms INTEGER NOT NULL,"
            " idempotency_key TEXT, error TEXT, history TEXT, result TEXT, payload TEXT)"_L1,
            // Newest-first lists per filter walk one of these backwards from the cursor. Each is
            // ordered by (column, id): SQLite appends the rowid, which `id` is.
            "CREATE INDEX jobs_status ON jobs (status)"_L1,
            "CREATE INDEX jobs_queue ON jobs (queue)"_L1,
            "CREATE INDEX jobs_type ON jobs (type)"_L1,
            "CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL"_L1,
            // max_id survives pruning, so that ids are never reused.
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID"_L1,
            "INSERT INTO meta (key, value) VALUES ('max_id', 0)"_L1,
        };
    case 2:
        return {
            // The external worker that holds a running job, so that the attempt a crash cut short
            // still names it after a restart.
            "ALTER TABLE jobs ADD COLUMN worker TEXT"_L1,
        };
    case 3:
        return {
            // Failed jobs by error code (GET /jobs?error_code=, bulk retries): the expression
            // is the one JobFilterSql writes, else SQLite would not use the index.
            "CREATE INDEX jobs_error_code ON jobs (json_extract(error, '$.code'))"_L1,
        };
    case 4:
        return {
            // Completion callbacks: the URL a job's final JSON goes to, the http job that
            // delivers it, and on that job, the job it reports on.
            "ALTER TABLE jobs ADD COLUMN callback_url TEXT"_L1,
            "ALTER TABLE jobs ADD COLUMN callback_job_id INTEGER"_L1,
            "ALTER TABLE jobs ADD COLUMN callback_for INTEGER"_L1,
        };
    case 5:
        return {
            // Sorted lists (GET /jobs?sort=) walk one of these from the cursor. The run time is
            // the expression SqliteQueries writes. Due times order scheduled jobs only, so their
            // index holds those alone and costs nothing for the others.
            "CREATE INDEX jobs_priority ON jobs (priority)"_L1,
            "CREATE INDEX jobs_attempts ON jobs (attempts)"_L1,
            "CREATE INDEX jobs_run_time ON jobs (max(finished_at - started_at, 0))"_L1,
            "CREATE INDEX jobs_due ON jobs (run_at) WHERE status = 'scheduled'"_L1,
            // Search (GET /jobs?search=): a trigram index over the payload and the error message,
            // so that a substring is found among a million jobs without reading them. Contentless:
            // the text is in `jobs` already. The triggers keep it in the writer's transactions;
            // a deletion must name the values indexed, which the old row still holds.
            "CREATE VIRTUAL TABLE job_text USING fts5(payload_text, error_message, content='', tokenize='trigram')"_L1,
            "INSERT INTO job_text (rowid, payload_text, error_message)"
            " SELECT id, payload, json_extract(error, '$.message') FROM jobs"_L1,
            "CREATE TRIGGER jobs_text_insert AFTER INSERT ON jobs BEGIN"
            " INSERT INTO job_text (rowid, payload_text, error_message)"
            " VALUES (new.id, new.payload, json_extract(new.error, '$.message')); END"_L1,
            // Updates rewrite every mutable column; the message changes only with a failure.
            "CREATE TRIGGER jobs_text_update AFTER UPDATE OF error ON jobs"
            " WHEN json_extract(old.error, '$.message') IS NOT json_extract(new.error, '$.message') BEGIN"
            " INSERT INTO job_text (job_text, rowid, payload_text, error_message)"
            " VALUES ('delete', old.id, old.payload, json_extract(old.error, '$.message'));"
            " INSERT INTO job_text (rowid, payload_text, error_message)"
            " VALUES (new.id, new.payload, json_extract(new.error, '$.message')); END"_L1,
            "CREATE TRIGGER jobs_text_delete AFTER DELETE ON jobs BEGIN"
            " INSERT INTO job_text (job_text, rowid, payload_text, error_message)"
            " VALUES ('delete', old.id, old.payload, json_extract(old.error, '$.message')); END"_L1,
        };
    case 6:
        return {
            // The search index follows the jobs in large chunks instead of one row at a time:
            // FTS5 writes a segment per transaction, so indexing each group commit's few rows cost
            // several times what the same rows cost together. A new job's id waits in
            // job_text_pending until the writer indexes it (SqliteWriter::indexText); searches
            // read the waiting ones directly. No column sizes: nothing ranks by them.
            "DROP TRIGGER jobs_text_insert"_L1,
            "DROP TRIGGER jobs_text_update"_L1,
            "DROP TRIGGER jobs_text_delete"_L1,
            "DROP TABLE job_text"_L1,
            "CREATE VIRTUAL TABLE job_text USING fts5(payload_text, error_message,"
            " content='', tokenize='trigram', columnsize=0)"_L1,
            "CREATE TABLE job_text_pending (id INTEGER PRIMARY KEY)"_L1,
            "INSERT INTO job_text_pending (id) SELECT id FROM jobs"_L1,
            "CREATE TRIGGER jobs_text_insert AFTER INSERT ON jobs BEGIN"
            " INSERT INTO job_text_pending (id) VALUES (new.id); END"_L1,
            // An indexed row's entry is replaced when its message changes; a deletion must name
            // the values indexed, which the old row still holds. A waiting row is indexed as it
            // is then.
            "CREATE TRIGGER jobs_text_update AFTER UPDATE OF error ON jobs"
            " WHEN json_extract(old.error, '$.message') IS NOT json_extract(new.error, '$.message')"
            " AND NOT EXISTS (SELECT 1 FROM job_text_pending WHERE id = old.id) BEGIN"
            " INSERT INTO job_text (job_text, rowid, payload_text, error_message)"
            " VALUES ('delete', old.id, old.payload, json_extract(old.error, '$.message'));"
            " INSERT INTO job_text (rowid, payload_text, error_message)"
            " VALUES (new.id, new.payload, json_extract(new.error, '$.message')); END"_L1,
            "CREATE TRIGGER jobs_text_delete AFTER DELETE ON jobs BEGIN"
            " INSERT INTO job_text (job_text, rowid, payload_text, error_message)"
            " SELECT 'delete', old.id, old.payload, json_extract(old.error, '$.message')"
            " WHERE NOT EXISTS (SELECT 1 FROM job_text_pending WHERE id = old.id);"
            " DELETE FROM job_text_pending WHERE id = old.id; END"_L1,
            // Retrying the failed jobs of an error code counts them first, among a hundred
            // thousand failed ones: this index answers alone, holding failed jobs only, so the
            // writer pays for it only when a job fails or is retried.
            "CREATE INDEX jobs_failed_error_code ON jobs (json_extract(error, '$.code')) WHERE status = 'failed'"_L1,
        };
    default:
        Q_UNREACHABLE();
    }
    return {};
}

const QString leftAlone = u"QueueLab did not change it; move it away or choose another --db."_s;

// The first column of the first row of `sql`, read as `read` reads it from the statement.
template <typename Read> bool queryValue(SqliteConnection& db, const QString& sql, Read read, QString* sqliteError)
{
    SqliteStatement query;
    if (!query.prepare(db, sql, sqliteError))
        return false;
    if (!query.next()) {
        *sqliteError = query.errorText().isEmpty() ? u"no result"_s : query.errorText();
        return false;
    }
    read(query);
    query.reset();
    return true;
}

bool queryInt(SqliteConnection& db, const QString& sql, qint64* value, QString* sqliteError)
{
    return queryValue(
        db, sql, [value](const SqliteStatement& row) { *value = row.integer(0); }, sqliteError);
}

bool queryText(SqliteConnection& db, const QString& sql, QString* value, QString* sqliteError)
{
    return queryValue(
        db, sql, [value](const SqliteStatement& row) { *value = row.text(0); }, sqliteError);
}

bool quickCheck(SqliteConnection& db, const QString& path, QString* error)
{
    QString verdict;
    QString sqliteError;
    if (!queryText(db, u"PRAGMA quick_check(1)"_s, &verdict, &sqliteError)) {
        *error = u"The database %1 is damaged (%2). "_s.arg(path, sqliteError) + leftAlone;
        return false;
    }
    verdict = verdict.simplified(); // one line for the log
    if (verdict != "ok"_L1) {
        *error = u"The database %1 is damaged (integrity check: %2). "_s.arg(path, verdict) + leftAlone;
        return false;
    }
    return true;
}

bool exec(SqliteConnection& db, const QString& sql, QString* sqliteError)
{
    return db.exec(sql.toUtf8(), sqliteError);
}

bool migrate(SqliteConnection& db, qint64 from, QString* sqliteError)
{
    // BEGIN IMMEDIATE takes the write lock now: an unwritable file fails here, not on the first job.
    if (!exec(db, u"BEGIN IMMEDIATE"_s, sqliteError))
        return false;
    bool ok = true;
    for (int to = int(from) + 1; ok && to <= SqliteSchema::version; ++to) {
        for (QLatin1StringView statement : migration(to))
            ok = ok && exec(db, QString(statement), sqliteError);
    }
    if (from < SqliteSchema::version) {
        ok = ok && exec(db, u"PRAGMA application_id = %1"_s.arg(SqliteSchema::applicationId), sqliteError)
            && exec(db, u"PRAGMA user_version = %1"_s.arg(SqliteSchema::version), sqliteError);
    }
    ok = ok && exec(db, u"COMMIT"_s, sqliteError);
    if (!ok) {
        QString ignored;
        exec(db, u"ROLLBACK"_s, &ignored);
    }
    return ok;
}

} // namespace

namespace SqliteSchema {

bool prepare(SqliteConnection& db, const QString& path, QString* error)
{
    // Reading the header fails on anything that is not an SQLite file, before anything is written.
    QString sqliteError;
    qint64 appId = 0;
    qint64 fileVersion = 0;
    qint64 objects = 0;
    if (!queryInt(db, u"PRAGMA application_id"_s, &appId, &sqliteError)
        || !queryInt(db, u"PRAGMA user_version"_s, &fileVersion, &sqliteError)
        || !queryInt(db, u"SELECT count(*) FROM sqlite_master"_s, &objects, &sqliteError)) {
        *error = u"The file %1 is not a QueueLab database or is damaged (%2). "_s.arg(path, sqliteError) + leftAlone;
        return false;
    }
    const bool ours = appId == applicationId || (appId == 0 && fileVersion == 0 && objects == 0);
    if (!ours) {
        *error = u"The file %1 is an SQLite database of another program. "_s.arg(path) + leftAlone;
        return false;
    }
    if (fileVersion > version) {
        *error = u"The database %1 has schema version %2, but this QueueLab only knows versions up to %3: it was "
                 "written by a newer QueueLab. Use that version, or choose another --db."_s.arg(
                     path, QString::number(fileVersion), QString::number(version));
        return false;
    }
    if (objects > 0 && !quickCheck(db, path, error))
        return false;

    QString journalMode;
    if (!queryText(db, u"PRAGMA journal_mode = WAL"_s, &journalMode, &sqliteError)
        || journalMode.compare("wal"_L1, Qt::CaseInsensitive) != 0) {
        if (sqliteError.isEmpty())
            sqliteError = u"the journal stays in %1 mode"_s.arg(journalMode);
        *error = u"Cannot write to the database %1 (switching to WAL: %2). Check its permissions and free space."_s.arg(
            path, sqliteError);
        return false;
    }

    if (!migrate(db, fileVersion, &sqliteError)) {
        *error
            = u"Cannot write to the database %1 (%2). Check its permissions and free space."_s.arg(path, sqliteError);
        return false;
    }
    return true;
}

} // namespace SqliteSchema
