#pragma once

#include "job.h"

#include <QList>
#include <QString>

#include <array>
#include <optional>

// The orders a job list can take. Every one is total: ties on the key go by id, in the same
// direction, so that a cursor (key, id) pages without gaps or repeats.
enum class JobSort {
    Created, // by id, which is the order of submission
    RunTime, // the last finished attempt's run time (finished_at - started_at); 0 before one
    Attempts,
    Priority,
    Due, // run_at: when a scheduled job becomes due
};

// Where a page ends: the sort key and id of its last job. The next page starts after it.
struct JobCursor
{
    qint64 key = 0;
    JobId id = 0;
    bool operator==(const JobCursor& other) const { return key == other.key && id == other.id; }
};

// A filtered, ordered page of the job list (newest first unless told otherwise).
struct JobQuery
{
    std::optional<JobStatus> status;
    QString queue; // empty: any
    QString type; // empty: any
    QString errorCode; // empty: any; else only jobs whose error has this code
    // Empty: any; else only jobs whose payload (as compact JSON) or error message contains it,
    // ASCII letters in either case (jobSearchMatches()).
    QString search;
    JobSort sort = JobSort::Created;
    bool ascending = false;
    int limit = 100;
    std::optional<JobCursor> after; // only jobs after this one in the query's order
};

struct JobPage
{
    QList<Job> jobs;
    std::optional<JobCursor> nextCursor; // set when more jobs may follow
};

// How many stored jobs are in each status, indexed by JobStatus.
using StatusCounts = std::array<qint64, jobStatusCount>;

// The shortest and longest search text: a shorter one matches too much to be worth an index
// (the SQLite store's index is on three-character pieces).
inline constexpr int minSearchLength = 3;
inline constexpr int maxSearchLength = 200;
inline qsizetype searchLength(const QString& search) // in characters (code points)
{
    return search.toUcs4().size();
}

qint64 sortKey(const Job& job, JobSort sort);
inline JobCursor cursorOf(const Job& job, JobSort sort)
{
    return { sortKey(job, sort), job.id };
}
// Whether `job` comes after `cursor` in the query's order.
bool isAfter(const Job& job, const JobCursor& cursor, JobSort sort, bool ascending);
// The API's names: created, run_time, attempts, priority, due.
QLatin1StringView sortName(JobSort sort);
std::optional<JobSort> jobSortFromString(QStringView name);
// A cursor as text: the id alone for JobSort::Created (as before sorts existed), else
// "key:id". parseCursor() refuses text that is not of the sort's form.
QByteArray cursorText(const JobCursor& cursor, JobSort sort);
std::optional<JobCursor> parseCursor(QStringView text, JobSort sort);

// Substring match, ASCII letters compared without case, other characters exactly.
bool containsIgnoringAsciiCase(QStringView text, QStringView needle);
// Whether the job's payload (compact JSON text) or error message contains `search`.
bool jobSearchMatches(const Job& job, const QString& search);

// Shared by the stores: whether a job passes a query's filters (search aside: it costs a
// payload's serialization, so callers test it last, with jobSearchMatches()).
inline bool matchesFilters(const JobQuery& query, const Job& job)
{
    return (!query.status || job.status == *query.status) && (query.queue.isEmpty() || job.queue == query.queue)
        && (query.type.isEmpty() || job.type == query.type)
        && (query.errorCode.isEmpty() || (job.error && job.error->code == query.errorCode));
}

inline bool matches(const JobQuery& query, const Job& job)
{
    return matchesFilters(query, job) && (query.search.isEmpty() || jobSearchMatches(job, query.search));
}
