#pragma once

#include "job.h"

#include <QList>
#include <QString>

#include <array>
#include <optional>

// A filtered page of the job list, newest first. The cursor is the id to continue below.
struct JobQuery
{
    std::optional<JobStatus> status;
    QString queue; // empty: any
    QString type; // empty: any
    QString errorCode; // empty: any; else only jobs whose error has this code
    int limit = 100;
    std::optional<JobId> before; // cursor: only jobs with a smaller id
};

struct JobPage
{
    QList<Job> jobs;
    std::optional<JobId> nextCursor; // set when more jobs may follow
};

// How many stored jobs are in each status, indexed by JobStatus.
using StatusCounts = std::array<qint64, jobStatusCount>;

// Shared by the stores: whether a job passes a query's filters.
inline bool matches(const JobQuery& query, const Job& job)
{
    return (!query.status || job.status == *query.status) && (query.queue.isEmpty() || job.queue == query.queue)
        && (query.type.isEmpty() || job.type == query.type)
        && (query.errorCode.isEmpty() || (job.error && job.error->code == query.errorCode));
}
