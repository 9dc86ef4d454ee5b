#pragma once

// The same find-the-job cases for every store: sorts in both directions paged through their
// cursors, searches and filters, against an order and a match computed here independently.

#include "jobstore.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <algorithm>

namespace JobQueryCases {

// 40 jobs with every sort key varied and tied, texts to search in payloads and error messages
// (one with a LIKE wildcard, one without a payload), in every status.
inline QList<Job> jobs()
{
    QList<Job> jobs;
    for (JobId id = 1; id <= 40; ++id) {
        Job job;
        job.id = id;
        job.type = id % 4 ? QStringLiteral("echo") : QStringLiteral("fail");
        job.queue = id % 3 ? QStringLiteral("default") : QStringLiteral("mail");
        job.status = static_cast<JobStatus>(id % jobStatusCount);
        job.priority = int(id % 4) - 1;
        job.attempts = int(id % 3);
        job.createdAt = 1700000000000 + id;
        job.runAt = (id * 37) % 11 * 1000;
        if (id % 7) {
            job.startedAt = 1700000001000 + id;
            job.finishedAt = job.startedAt + (id % 5) * 10;
        } else {
            job.startedAt = 1700000002000; // running: finished_at is not set yet
        }
        job.payload = QJsonObject { { QStringLiteral("n"), int(id) },
            { QStringLiteral("tag"), id % 6 ? QStringLiteral("hay") : QStringLiteral("Needle") } };
        if (id % 5 == 0) {
            job.error = JobError(QStringLiteral("job_failed"),
                id % 10 ? QStringLiteral("timeout waiting") : QStringLiteral("Disk FULL at 100%_"));
        }
        jobs.append(job);
    }
    jobs[32].payload = QJsonValue(QJsonValue::Undefined); // job 33
    jobs[32].error = JobError(QStringLiteral("job_failed"), QStringLiteral("found a NEEDLE"));
    return jobs;
}

// Changes after the insert, so that a store's search follows updates: job 3 fails with a
// message to find, job 10 loses the message it had.
inline QList<Job> updates(const QList<Job>& inserted)
{
    Job failed = inserted[2];
    failed.status = JobStatus::Failed;
    failed.error = JobError(QStringLiteral("job_failed"), QStringLiteral("late needle"));
    Job retried = inserted[9];
    retried.status = JobStatus::Queued;
    retried.error.reset();
    return { failed, retried };
}

inline QList<Job> updated(QList<Job> jobs)
{
    for (const Job& job : updates(jobs))
        jobs[job.id - 1] = job;
    return jobs;
}

inline qint64 keyOf(const Job& job, JobSort sort)
{
    switch (sort) {
    case JobSort::Created:
        return job.id;
    case JobSort::RunTime:
        return job.finishedAt > job.startedAt ? job.finishedAt - job.startedAt : 0;
    case JobSort::Attempts:
        return job.attempts;
    case JobSort::Priority:
        return job.priority;
    case JobSort::Due:
        return job.runAt;
    }
    return 0;
}

inline bool found(const Job& job, const QString& search)
{
    if (search.isEmpty())
        return true;
    // The test data is ASCII: Qt's case folding is the ASCII one here.
    if (job.error && job.error->message.contains(search, Qt::CaseInsensitive))
        return true;
    const QString payload = job.payload.isObject()
        ? QString::fromUtf8(QJsonDocument(job.payload.toObject()).toJson(QJsonDocument::Compact))
        : QString();
    return payload.contains(search, Qt::CaseInsensitive);
}

inline QList<JobId> expected(const QList<Job>& jobs, const JobQuery& query)
{
    QList<Job> kept;
    for (const Job& job : jobs) {
        if ((!query.status || job.status == *query.status) && (query.queue.isEmpty() || job.queue == query.queue)
            && (query.errorCode.isEmpty() || (job.error && job.error->code == query.errorCode))
            && found(job, query.search))
            kept.append(job);
    }
    std::sort(kept.begin(), kept.end(), [&](const Job& a, const Job& b) {
        const auto ka = std::make_pair(keyOf(a, query.sort), a.id);
        const auto kb = std::make_pair(keyOf(b, query.sort), b.id);
        return query.ascending ? ka < kb : kb < ka;
    });
    QList<JobId> ids;
    for (const Job& job : kept)
        ids.append(job.id);
    return ids;
}

// Every page of `query` through the store's cursors; each page but the last full, its cursor
// the last job's key and id.
inline void pageThrough(const JobStore& store, JobQuery query, QList<JobId>* seen)
{
    for (int page = 0; page < 100; ++page) {
        const JobPage result = store.list(query);
        QVERIFY(result.jobs.size() <= query.limit);
        for (const Job& job : result.jobs)
            seen->append(job.id);
        if (!result.nextCursor)
            return;
        QCOMPARE(result.jobs.size(), query.limit);
        QCOMPARE(result.nextCursor->id, result.jobs.constLast().id);
        QCOMPARE(result.nextCursor->key, keyOf(result.jobs.constLast(), query.sort));
        query.after = result.nextCursor;
    }
    QFAIL("more pages than jobs");
}

inline void addRows()
{
    QTest::addColumn<int>("sort");
    QTest::addColumn<bool>("ascending");
    QTest::addColumn<QString>("search");
    QTest::addColumn<QString>("errorCode");
    QTest::addColumn<int>("status"); // -1: any
    QTest::addColumn<int>("limit");

    for (JobSort sort : { JobSort::Created, JobSort::RunTime, JobSort::Attempts, JobSort::Priority, JobSort::Due }) {
        for (bool ascending : { false, true }) {
            for (int limit : { 3, 7, 100 }) {
                const QByteArray name = QByteArray(sortName(sort).data()) + (ascending ? " asc" : " desc")
                    + ", pages of " + QByteArray::number(limit);
                QTest::newRow(name.constData()) << int(sort) << ascending << QString() << QString() << -1 << limit;
            }
        }
    }
    const auto row = [](const char* name, JobSort sort, bool ascending, const QString& search, const QString& errorCode,
                         int status, int limit) {
        QTest::newRow(name) << int(sort) << ascending << search << errorCode << status << limit;
    };
    row("search, payload and message", JobSort::Created, false, QStringLiteral("needle"), {}, -1, 2);
    row("search, oldest first", JobSort::Created, true, QStringLiteral("NEEDLE"), {}, -1, 2);
    row("search by priority", JobSort::Priority, false, QStringLiteral("needle"), {}, -1, 3);
    row("search, a wildcard in the text", JobSort::Created, false, QStringLiteral("0%_"), {}, -1, 10);
    row("search, two characters", JobSort::Created, false, QStringLiteral("ay"), {}, -1, 5);
    row("search, nothing", JobSort::Created, false, QStringLiteral("no such text"), {}, -1, 5);
    row("search, a quote", JobSort::Created, false, QStringLiteral("\"tag\":\"h"), {}, -1, 50);
    row("search and status", JobSort::Created, false, QStringLiteral("needle"), {}, int(JobStatus::Failed), 5);
    row("error code by attempts", JobSort::Attempts, false, {}, QStringLiteral("job_failed"), -1, 2);
    row("scheduled by due time", JobSort::Due, true, {}, {}, int(JobStatus::Scheduled), 2);
}

inline JobQuery queryOfRow()
{
    QFETCH(int, sort);
    QFETCH(bool, ascending);
    QFETCH(QString, search);
    QFETCH(QString, errorCode);
    QFETCH(int, status);
    QFETCH(int, limit);
    JobQuery query;
    query.sort = JobSort(sort);
    query.ascending = ascending;
    query.search = search;
    query.errorCode = errorCode;
    if (status >= 0)
        query.status = JobStatus(status);
    query.limit = limit;
    return query;
}

} // namespace JobQueryCases
