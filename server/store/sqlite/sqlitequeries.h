#pragma once

#include "jobquery.h"

#include <optional>

class ReadConnection;

// The read queries of the store, on the calling thread's connection. They see committed data
// only; the store overlays what is still on its way to the database. A failed read is logged
// and answers "nothing".
namespace SqliteQueries {

std::optional<Job> find(ReadConnection& connection, JobId id);
std::optional<Job> findByIdempotencyKey(ReadConnection& connection, const QString& key);
// In the query's order; keyset pagination on (sort key, id), so every page is a range of one index
// (a search newest first walks job_text's matches instead).
JobPage list(ReadConnection& connection, const JobQuery& query);
// How many jobs pass the query's filters; its limit and cursor do not count.
qint64 count(ReadConnection& connection, const JobQuery& query);
// Scheduled, queued and running jobs in id order.
QList<Job> unfinished(ReadConnection& connection);

} // namespace SqliteQueries
