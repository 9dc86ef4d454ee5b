#pragma once

#include "job.h"

#include <QLatin1StringView>

class SqliteStatement;
class RowBinder;

// How a Job maps onto a row of the `jobs` table: the one place that knows the column order.
// JSON fields are stored as compact JSON text, times as integer milliseconds (also in the
// history: [[attempt, started_at, finished_at, error, worker], ...], worker only for external
// workers), and an empty idempotency key or worker as NULL, so that the unique index ignores it.
namespace JobRow {

// The columns that read() expects, for "SELECT " % JobRow::columns % " FROM jobs ...".
extern const QLatin1StringView columns;

QString insertSql();
// update() rewrites what can change while a job lives. What a submission fixes (type, queue,
// payload, created_at, idempotency key) is written once by the insert.
QString updateSql();

// The job must outlive the statement's run: its strings are bound without a copy.
void bindInsert(RowBinder& row, const Job& job);
void bindUpdate(RowBinder& row, const Job& job);
Job read(const SqliteStatement& row);

} // namespace JobRow
