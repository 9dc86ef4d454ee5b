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

    JobFilterSql sql(filter);
    QStringList& conditions = sql.conditions;
    QVariantList& values = sql.values;
    if (filter.before) {
        conditions.append(u"id < ?"_s);
        values.append(*filter.before);
    }
    values.append(filter.limit + 1); // one more tells whether another page follows

    select(connection, selectJobs({}) + sql.where() + " ORDER BY id DESC LIMIT ?"_L1, values,
        [&](const SqliteStatement& row) {
            if (page.jobs.size() == filter.limit) {
                page.nextCursor = page.jobs.constLast().id;
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
