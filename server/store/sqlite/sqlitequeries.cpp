#include "sqlitequeries.h"

#include "jobfiltersql.h"
#include "jobrow.h"
#include "readconnection.h"
#include "sqlitestatement.h"
#include "store/storelog.h"

#include <QScopeGuard>
#include <QStringList>
#include <QVariant>

using namespace Qt::StringLiterals;

namespace {

QString selectJobs(QLatin1StringView rest)
{
    return "SELECT "_L1 + JobRow::columns + " FROM jobs"_L1 + rest;
}

// Runs a cached statement and hands each row to `onRow` until it returns false.
template <typename OnRow>
void select(ReadConnection& connection, const QString& sql, const QVariantList& values, OnRow onRow)
{
    SqliteStatement* query = connection.prepared(sql);
    if (!query)
        return;
    const auto done = qScopeGuard([query] { query->reset(); }); // ends the read transaction
    for (int i = 0; i < values.size(); ++i)
        query->bindValue(i, values.at(i));
    while (query->next() && onRow(*query)) { }
    if (!query->errorText().isEmpty())
        qCWarning(lcStore, "Reading jobs failed: %ls", qUtf16Printable(query->errorText()));
}

// The sort's key as SQL. The expressions are those of the indexes (sqliteschema.cpp), else
// SQLite would sort instead of walking one.
QString sortExpression(JobSort sort)
{
    switch (sort) {
    case JobSort::Created:
        return u"id"_s;
    case JobSort::RunTime:
        return u"max(finished_at - started_at, 0)"_s;
    case JobSort::Attempts:
        return u"attempts"_s;
    case JobSort::Priority:
        return u"priority"_s;
    case JobSort::Due:
        return u"run_at"_s;
    }
    return u"id"_s;
}

// JobRow::columns of the jobs table, for a select that joins another table.
QString qualifiedColumns()
{
    QStringList columns = QString(JobRow::columns).split(", "_L1);
    for (QString& column : columns)
        column.prepend("jobs."_L1);
    return columns.join(", "_L1);
}

std::optional<Job> one(ReadConnection& connection, const QString& sql, const QVariant& value)
{
    std::optional<Job> job;
    select(connection, sql, { value }, [&job](const SqliteStatement& row) {
        job = JobRow::read(row);
        return false;
    });
    return job;
}

} // namespace

namespace SqliteQueries {

std::optional<Job> find(ReadConnection& connection, JobId id)
{
    return one(connection, selectJobs(" WHERE id = ?"_L1), id);
}

std::optional<Job> findByIdempotencyKey(ReadConnection& connection, const QString& key)
{
    if (key.isEmpty())
        return std::nullopt;
    return one(connection, selectJobs(" WHERE idempotency_key = ?"_L1), key);
}

JobPage list(ReadConnection& connection, const JobQuery& filter)
{
    JobPage page;
    if (filter.limit <= 0)
        return page;

    // Newest first by search: job_text hands out its matches by rowid, in either direction,
    // so the page stops after `limit` of them however many match. Other orders sort the matches.
    const bool searchByJoin = filter.sort == JobSort::Created && searchLength(filter.search) >= minSearchLength;
    const QString key = sortExpression(filter.sort);
    const QLatin1StringView direction = filter.ascending ? " ASC"_L1 : " DESC"_L1;
    // The filters, the cursor's range, and the order, for a select whose id is `id`.
    const auto filtered = [&](const QString& id, JobFilterSql& sql) -> QString {
        if (filter.after) {
            // (key, id) past the cursor, written so that the key's index gives the range.
            const QLatin1StringView past = filter.ascending ? ">"_L1 : "<"_L1;
            const QString sortKey = filter.sort == JobSort::Created ? id : key;
            if (filter.sort == JobSort::Created) {
                sql.conditions.append(QString(id + u' ' + past + " ?"_L1));
                sql.values.append(filter.after->id);
            } else {
                sql.conditions.append(QString(sortKey + u' ' + past + "= ? AND ("_L1 + sortKey + u' ' + past
                    + " ? OR "_L1 + id + u' ' + past + " ?)"_L1));
                sql.values.append(filter.after->key);
                sql.values.append(filter.after->key);
                sql.values.append(filter.after->id);
            }
        }
        QString order = " ORDER BY "_L1 + (filter.sort == JobSort::Created ? id : key) + direction;
        if (filter.sort != JobSort::Created)
            order += ", id"_L1 + direction;
        sql.values.append(filter.limit + 1); // one more tells whether another page follows
        return sql.where() + order + " LIMIT ?"_L1;
    };

    QString statement;
    QVariantList values;
    if (searchByJoin) {
        // Two ranges, each read in order and cut at the page: the indexed matches through the
        // join, and the jobs still waiting for the index. One statement: one snapshot of both.
        JobFilterSql indexed(filter, true);
        indexed.conditions.prepend(u"job_text MATCH ?"_s);
        indexed.values.prepend(JobFilterSql::searchMatch(filter.search));
        const QString indexedSql = "SELECT "_L1 + qualifiedColumns()
            + " FROM job_text JOIN jobs ON jobs.id = job_text.rowid"_L1 + filtered(u"job_text.rowid"_s, indexed);
        JobFilterSql waiting(filter, true);
        waiting.conditions.append(u"id IN (SELECT id FROM job_text_pending)"_s);
        const QString waitingSql = selectJobs({}) + filtered(u"id"_s, waiting);
        statement = "SELECT * FROM (SELECT * FROM ("_L1 + indexedSql + ") UNION ALL SELECT * FROM ("_L1 + waitingSql
            + ")) ORDER BY id"_L1 + direction + " LIMIT ?"_L1;
        values = indexed.values + waiting.values;
        values.append(filter.limit + 1);
    } else {
        JobFilterSql sql(filter);
        statement = selectJobs({}) + filtered(u"id"_s, sql);
        values = sql.values;
    }
    select(connection, statement, values, [&](const SqliteStatement& row) {
        if (page.jobs.size() == filter.limit) {
            page.nextCursor = cursorOf(page.jobs.constLast(), filter.sort);
            return false;
        }
        page.jobs.append(JobRow::read(row));
        return true;
    });
    return page;
}

qint64 count(ReadConnection& connection, const JobQuery& filter)
{
    const JobFilterSql sql(filter);
    qint64 count = 0;
    select(connection, "SELECT count(*) FROM jobs"_L1 + sql.where(), sql.values, [&count](const SqliteStatement& row) {
        count = row.integer(0);
        return false;
    });
    return count;
}

QList<Job> unfinished(ReadConnection& connection)
{
    QList<Job> jobs;
    select(connection, selectJobs(" WHERE status IN ('scheduled', 'queued', 'running') ORDER BY id"_L1), {},
        [&jobs](const SqliteStatement& row) {
            jobs.append(JobRow::read(row));
            return true;
        });
    return jobs;
}

} // namespace SqliteQueries
