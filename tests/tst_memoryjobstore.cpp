#include "jobquerycases.h"
#include "store/memoryjobstore.h"

#include <QTest>

namespace {

Job queuedJob(JobId id, const QString& key = {})
{
    Job job;
    job.id = id;
    job.type = QStringLiteral("echo");
    job.queue = QStringLiteral("default");
    job.status = JobStatus::Queued;
    job.idempotencyKey = key;
    return job;
}

Job finished(Job job)
{
    job.status = JobStatus::Succeeded;
    job.finishedAt = 1000 + job.id;
    return job;
}

// Inserts jobs first..last as one submission (keys "key-<id>" if asked), then finishes each.
void insertAndFinish(MemoryJobStore& store, JobId first, JobId last, bool withKeys = false)
{
    QList<Job> jobs;
    for (JobId id = first; id <= last; ++id)
        jobs.append(queuedJob(id, withKeys ? QStringLiteral("key-%1").arg(id) : QString()));
    store.insert(jobs, {});
    for (const Job& job : std::as_const(jobs))
        store.update(finished(job));
}

qint64 succeededCount(const MemoryJobStore& store)
{
    return store.countByStatus()[std::size_t(JobStatus::Succeeded)];
}

} // namespace

// Retention of the --in-memory store: finished jobs beyond the limit go, oldest first, mostly
// when new jobs come in; unfinished jobs always stay.
class TestMemoryJobStore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void findsAndSortsJobs_data() { JobQueryCases::addRows(); }
    void findsAndSortsJobs()
    {
        const JobQuery query = JobQueryCases::queryOfRow();
        MemoryJobStore store(1000);
        const QList<Job> jobs = JobQueryCases::jobs();
        store.insert(jobs, {});
        for (const Job& job : JobQueryCases::updates(jobs))
            store.update(job);
        QList<JobId> seen;
        JobQueryCases::pageThrough(store, query, &seen);
        if (QTest::currentTestFailed())
            return;
        const QList<JobId> expected = JobQueryCases::expected(JobQueryCases::updated(jobs), query);
        QVERIFY(!expected.isEmpty() || !query.search.isEmpty());
        QCOMPARE(seen, expected);
        QCOMPARE(store.count(query), qint64(expected.size()));
    }

    void finishedJobsBeyondTheLimitGoOldestFirst()
    {
        MemoryJobStore store(20); // slack: 2 more may wait for the next insert
        store.insert({ queuedJob(1), queuedJob(2) }, {}); // these stay unfinished
        insertAndFinish(store, 3, 32, true);
        QVERIFY2(succeededCount(store) >= 20 && succeededCount(store) <= 22,
            qPrintable(QString::number(succeededCount(store))));

        store.insert({ queuedJob(33) }, {});
        QCOMPARE(succeededCount(store), 20);
        StatusCounts pruned {};
        pruned[std::size_t(JobStatus::Succeeded)] = 10;
        QVERIFY(store.takePruned() == (QHash<QString, StatusCounts> { { QStringLiteral("default"), pruned } }));
        QVERIFY(store.takePruned().isEmpty()); // told once
        QVERIFY(!store.find(12)); // 3..12 went, the oldest
        QVERIFY(!store.findByIdempotencyKey(QStringLiteral("key-12")));
        QCOMPARE(store.find(13)->status, JobStatus::Succeeded);
        QCOMPARE(store.findByIdempotencyKey(QStringLiteral("key-13"))->id, 13);
        QCOMPARE(store.find(1)->status, JobStatus::Queued);
        QCOMPARE(store.find(2)->status, JobStatus::Queued);
        QCOMPARE(store.find(33)->status, JobStatus::Queued);
    }

    void finishingWithoutNewJobsStaysWithinTheSlack()
    {
        MemoryJobStore store(100); // slack 10
        insertAndFinish(store, 1, 500);
        QCOMPARE(succeededCount(store), 110);
        QVERIFY(!store.find(390));
        QVERIFY(store.find(391));
    }

    void aBacklogIsPrunedOverSeveralInserts()
    {
        MemoryJobStore store(1000); // slack 100
        insertAndFinish(store, 1, 2000);
        QCOMPARE(succeededCount(store), 1100);
        // One small insert does not stall on the whole backlog; a few more clear it.
        store.insert({ queuedJob(2001) }, {});
        QVERIFY2(succeededCount(store) > 1000 && succeededCount(store) < 1100,
            qPrintable(QString::number(succeededCount(store))));
        store.insert({ queuedJob(2002) }, {});
        store.insert({ queuedJob(2003) }, {});
        QCOMPARE(succeededCount(store), 1000);
        QVERIFY(!store.find(1000));
        QVERIFY(store.find(1001));
    }

    void jobsFinishingOutOfOrderGoOldestFirst()
    {
        MemoryJobStore store(2); // slack 0
        store.insert({ queuedJob(1), queuedJob(2), queuedJob(3), queuedJob(4) }, {});
        store.update(finished(queuedJob(3)));
        store.update(finished(queuedJob(1)));
        store.update(finished(queuedJob(2)));
        QCOMPARE(succeededCount(store), 2);
        QVERIFY(!store.find(1)); // the oldest by id, though it finished after 3
        store.update(finished(queuedJob(2))); // a finished job updated again counts once
        QCOMPARE(succeededCount(store), 2);
        store.update(finished(queuedJob(4)));
        QCOMPARE(succeededCount(store), 2);
        QVERIFY(!store.find(2));
        QCOMPARE(store.find(3)->status, JobStatus::Succeeded);
        QCOMPARE(store.find(4)->status, JobStatus::Succeeded);
    }

    void aRetriedJobIsNotCountedAsFinished()
    {
        MemoryJobStore store(2); // slack 0
        store.insert({ queuedJob(1), queuedJob(2), queuedJob(3) }, {});
        store.update(finished(queuedJob(1)));
        store.update(finished(queuedJob(2)));
        store.update(queuedJob(1)); // retried: queued again
        store.update(finished(queuedJob(3)));
        QCOMPARE(succeededCount(store), 2);
        QCOMPARE(store.find(1)->status, JobStatus::Queued);
    }

    void aRevivalOfAJobPrunedMeanwhileTakesItsPruneBack()
    {
        // The engine reads a finished job and revives it under its lock, but submissions insert
        // (and so prune) outside that lock: the job may be pruned in between.
        MemoryJobStore store(0);
        store.insert({ queuedJob(1, QStringLiteral("key-1")) }, {});
        store.update(finished(queuedJob(1, QStringLiteral("key-1"))));
        store.insert({ queuedJob(2) }, {}); // prunes job 1
        QCOMPARE(store.find(1), std::nullopt);
        QCOMPARE(store.takePruned().value(QStringLiteral("default"))[std::size_t(JobStatus::Succeeded)], 1);

        store.update(queuedJob(1, QStringLiteral("key-1"))); // the revival
        QCOMPARE(store.find(1)->status, JobStatus::Queued);
        QCOMPARE(store.findByIdempotencyKey(QStringLiteral("key-1"))->id, JobId(1));
        // The engine counted the revival itself: the prune it heard of is taken back.
        QCOMPARE(store.takePruned().value(QStringLiteral("default"))[std::size_t(JobStatus::Succeeded)], -1);

        // A key taken by a newer job meanwhile stays with it.
        store.update(finished(queuedJob(1, QStringLiteral("key-1"))));
        store.insert({ queuedJob(3) }, {}); // prunes job 1 again
        store.insert({ queuedJob(4, QStringLiteral("key-1")) }, {});
        store.update(queuedJob(1, QStringLiteral("key-1")));
        QCOMPARE(store.findByIdempotencyKey(QStringLiteral("key-1"))->id, JobId(4));
    }
};

QTEST_GUILESS_MAIN(TestMemoryJobStore)
#include "tst_memoryjobstore.moc"
