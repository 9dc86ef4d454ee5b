#include "writerstatements.h"

#include "jobrow.h"

#include <QSqlError>

using namespace Qt::StringLiterals;

WriterStatements::WriterStatements(const QSqlDatabase& db, const std::optional<NativeSqlite>& native)
    : insert(db, native)
    , update(db, native)
    , begin(db)
    , commit(db)
    , rollback(db)
    , savepoint(db)
    , release(db)
    , rollbackTo(db)
    , setMaxId(db)
    , setDeclaredTypes(db)
    , setSettings(db)
    , status(db)
    , oldestFinished(db)
    , prune(db)
{ }

bool WriterStatements::prepare(QString* error)
{
    if (!insert.prepare(JobRow::insertSql(), error) || !update.prepare(JobRow::updateSql(), error))
        return false;
    const std::pair<QSqlQuery*, QString> all[] = {
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
        { &oldestFinished,
            u"SELECT id, status FROM ("
            "SELECT id, status FROM (SELECT id, status FROM jobs WHERE status = 'succeeded' ORDER BY id LIMIT ?) "
            "UNION ALL "
            "SELECT id, status FROM (SELECT id, status FROM jobs WHERE status = 'failed' ORDER BY id LIMIT ?) "
            "UNION ALL "
            "SELECT id, status FROM (SELECT id, status FROM jobs WHERE status = 'cancelled' ORDER BY id LIMIT ?)) "
            "ORDER BY id LIMIT ?"_s },
        { &prune, u"DELETE FROM jobs WHERE status IN ('succeeded', 'failed', 'cancelled') AND id <= ?"_s },
    };
    for (const auto& [query, sql] : all) {
        query->setForwardOnly(true);
        if (!query->prepare(sql)) {
            *error = query->lastError().text();
            return false;
        }
    }
    return true;
}
