#include "writerstatements.h"

#include "jobrow.h"
#include "sqliteconnection.h"

using namespace Qt::StringLiterals;

bool WriterStatements::prepare(SqliteConnection& db, QString* error)
{
    if (!insert.prepare(db, JobRow::insertSql(), error) || !update.prepare(db, JobRow::updateSql(), error))
        return false;
    const std::pair<SqliteStatement*, QString> all[] = {
        { &begin, u"BEGIN"_s },
        { &commit, u"COMMIT"_s },
        { &rollback, u"ROLLBACK"_s },
        { &savepoint, u"SAVEPOINT insert_call"_s },
        { &release, u"RELEASE insert_call"_s },
        { &rollbackTo, u"ROLLBACK TO insert_call"_s },
        { &setMaxId, u"UPDATE meta SET value = ? WHERE key = 'max_id'"_s },
        { &setDeclaredTypes, u"INSERT OR REPLACE INTO meta (key, value) VALUES ('declared_types', ?)"_s },
        { &setSettings, u"INSERT OR REPLACE INTO meta (key, value) VALUES ('settings', ?)"_s },
        { &status, u"SELECT status FROM jobs WHERE id = ?"_s },
        // The first k of each finished status' index range, merged: no scan over unfinished jobs.
        // The queue tells the engine whose counts the pruning lowers.
        { &oldestFinished,
            u"SELECT id, status, queue FROM ("
            "SELECT * FROM (SELECT id, status, queue FROM jobs WHERE status = 'succeeded' ORDER BY id LIMIT ?) "
            "UNION ALL "
            "SELECT * FROM (SELECT id, status, queue FROM jobs WHERE status = 'failed' ORDER BY id LIMIT ?) "
            "UNION ALL "
            "SELECT * FROM (SELECT id, status, queue FROM jobs WHERE status = 'cancelled' ORDER BY id LIMIT ?)) "
            "ORDER BY id LIMIT ?"_s },
        { &prune, u"DELETE FROM jobs WHERE status IN ('succeeded', 'failed', 'cancelled') AND id <= ?"_s },
        // The values the schema's triggers name when they replace or delete an entry.
        { &indexText,
            u"INSERT INTO job_text (rowid, payload_text, error_message)"
            " SELECT id, payload, json_extract(error, '$.message') FROM jobs"
            " WHERE id IN (SELECT id FROM job_text_pending ORDER BY id LIMIT ?)"_s },
        { &unpendText,
            u"DELETE FROM job_text_pending WHERE id IN (SELECT id FROM job_text_pending ORDER BY id LIMIT ?)"_s },
    };
    for (const auto& [statement, sql] : all) {
        if (!statement->prepare(db, sql, error))
            return false;
    }
    return true;
}
