#include "engine/joblifecycle.h"

#include <QTest>

#include <map>

Q_DECLARE_METATYPE(JobEvent)
Q_DECLARE_METATYPE(std::optional<JobStatus>)

namespace {

using S = JobStatus;
using E = JobEvent;

const QList<std::pair<E, const char*>> allEvents {
    { E::Submit, "submit" },
    { E::SubmitDelayed, "submit delayed" },
    { E::Promote, "promote" },
    { E::RunNow, "run now" },
    { E::Start, "start" },
    { E::Succeed, "succeed" },
    { E::FailWithAttemptsLeft, "fail, attempts left" },
    { E::Fail, "fail" },
    { E::TimeOutWithAttemptsLeft, "time out, attempts left" },
    { E::TimeOut, "time out" },
    { E::Cancel, "cancel" },
    { E::Retry, "retry" },
    { E::InterruptedWithAttemptsLeft, "interrupted, attempts left" },
    { E::Interrupted, "interrupted" },
    { E::DrainCutOff, "drain cut-off" },
    { E::Return, "return" },
    { E::Disable, "disable" },
};

const QList<std::optional<S>> allFrom { std::nullopt, S::Scheduled, S::Queued, S::Running, S::Succeeded, S::Failed,
    S::Cancelled };

// The lifecycle, written out: every transition allowed. Any other (status, event) is refused.
const std::map<std::pair<std::optional<S>, E>, S> allowed {
    { { std::nullopt, E::Submit }, S::Queued },
    { { std::nullopt, E::SubmitDelayed }, S::Scheduled },
    { { S::Scheduled, E::Promote }, S::Queued },
    { { S::Scheduled, E::RunNow }, S::Queued },
    { { S::Scheduled, E::Cancel }, S::Cancelled },
    { { S::Scheduled, E::Disable }, S::Failed },
    { { S::Queued, E::Start }, S::Running },
    { { S::Queued, E::Cancel }, S::Cancelled },
    { { S::Queued, E::Disable }, S::Failed },
    { { S::Running, E::Succeed }, S::Succeeded },
    { { S::Running, E::FailWithAttemptsLeft }, S::Scheduled },
    { { S::Running, E::Fail }, S::Failed },
    { { S::Running, E::TimeOutWithAttemptsLeft }, S::Scheduled },
    { { S::Running, E::TimeOut }, S::Failed },
    { { S::Running, E::Cancel }, S::Cancelled },
    { { S::Running, E::InterruptedWithAttemptsLeft }, S::Queued },
    { { S::Running, E::Interrupted }, S::Failed },
    { { S::Running, E::DrainCutOff }, S::Queued },
    { { S::Running, E::Return }, S::Queued },
    { { S::Running, E::Disable }, S::Failed },
    { { S::Failed, E::Retry }, S::Queued },
    { { S::Cancelled, E::Retry }, S::Queued },
};

constexpr qint64 retryBaseMs = 1000;
constexpr qint64 retryMaxMs = 60000;
constexpr qint64 t0 = 1'700'000'000'000;

StatusCounts countsOf(const QList<Job>& jobs)
{
    StatusCounts counts {};
    for (const Job& job : jobs)
        ++counts[std::size_t(job.status)];
    return counts;
}

// Readable failures: "queued 1, running 2".
QString text(const StatusCounts& counts)
{
    QStringList parts;
    for (int i = 0; i < jobStatusCount; ++i) {
        if (counts[std::size_t(i)])
            parts.append(QStringLiteral("%1 %2").arg(statusName(JobStatus(i))).arg(counts[std::size_t(i)]));
    }
    return parts.join(QStringLiteral(", "));
}

QString text(const std::optional<JobStatus>& status)
{
    return status ? statusName(*status).toString() : QStringLiteral("refused");
}

// A job created, stored and counted by `lifecycle`.
Job storedJob(JobLifecycle& lifecycle, int maxAttempts = 1, qint64 delayMs = 0)
{
    Job job;
    job.id = 1;
    job.type = QStringLiteral("echo");
    job.maxAttempts = maxAttempts;
    job.timeoutMs = 500;
    JobLifecycle::submit(job, delayMs, t0);
    lifecycle.stored(job);
    return job;
}

Job runningJob(JobLifecycle& lifecycle, int maxAttempts, const QString& worker = {})
{
    Job job = storedJob(lifecycle, maxAttempts);
    lifecycle.start(job, t0 + 10, worker);
    return job;
}

} // namespace

class TestJobLifecycle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void table_data()
    {
        QTest::addColumn<std::optional<S>>("from");
        QTest::addColumn<JobEvent>("event");
        QTest::addColumn<std::optional<S>>("to");
        for (const std::optional<S>& from : allFrom) {
            for (const auto& [event, eventName] : allEvents) {
                const auto it = allowed.find({ from, event });
                const std::optional<S> to = it == allowed.end() ? std::nullopt : std::optional(it->second);
                const QByteArray fromName = from ? statusName(*from).toString().toUtf8() : QByteArray("new");
                QTest::addRow("%s, %s", fromName.constData(), eventName) << from << event << to;
            }
        }
    }
    void table()
    {
        QFETCH(std::optional<S>, from);
        QFETCH(JobEvent, event);
        QFETCH(std::optional<S>, to);
        QCOMPARE(text(JobLifecycle::target(from, event)), text(to));
    }

    void submittedJobsAreCountedOnceStored_data()
    {
        QTest::addColumn<qint64>("delayMs");
        QTest::addColumn<S>("status");
        QTest::addColumn<qint64>("runAt");
        QTest::newRow("now") << qint64(0) << S::Queued << qint64(0);
        QTest::newRow("delayed") << qint64(250) << S::Scheduled << t0 + 250;
    }
    void submittedJobsAreCountedOnceStored()
    {
        QFETCH(qint64, delayMs);
        QFETCH(S, status);
        QFETCH(qint64, runAt);
        JobLifecycle lifecycle({ retryBaseMs, retryMaxMs });
        Job job;
        JobLifecycle::submit(job, delayMs, t0);
        QCOMPARE(job.status, status);
        QCOMPARE(job.createdAt, t0);
        QCOMPARE(job.runAt, runAt);
        QCOMPARE(text(lifecycle.counts()), text(StatusCounts {}));
        lifecycle.stored(job);
        QCOMPARE(text(lifecycle.counts()), text(countsOf({ job })));
    }

    void promoteAndStart()
    {
        JobLifecycle lifecycle({ retryBaseMs, retryMaxMs });
        Job job = storedJob(lifecycle, 2, 100);
        lifecycle.promote(job);
        QCOMPARE(job.status, S::Queued);
        job.error = JobError(QStringLiteral("x"), QStringLiteral("from the previous attempt"));
        job.progress = 0.5;
        lifecycle.start(job, t0 + 200, QStringLiteral("worker-1"));
        QCOMPARE(job.status, S::Running);
        QCOMPARE(job.attempts, 1);
        QCOMPARE(job.startedAt, t0 + 200);
        QCOMPARE(job.worker, QStringLiteral("worker-1"));
        QCOMPARE(job.progress, 0.0);
        QVERIFY(!job.error);
        QCOMPARE(text(lifecycle.counts()), text(countsOf({ job })));
    }

    void runNowQueuesAScheduledJobFromNow()
    {
        JobLifecycle lifecycle({ retryBaseMs, retryMaxMs });
        Job job = storedJob(lifecycle, 2, 60000);
        QCOMPARE(job.status, S::Scheduled);
        lifecycle.runNow(job, t0 + 5);
        QCOMPARE(job.status, S::Queued);
        QCOMPARE(job.runAt, t0 + 5); // due when it was run, not a minute later
        QCOMPARE(text(lifecycle.counts()), text(countsOf({ job })));
    }

    void endAttempt_data()
    {
        QTest::addColumn<int>("maxAttempts");
        QTest::addColumn<int>("reason");
        QTest::addColumn<bool>("failed");
        QTest::addColumn<S>("status");
        QTest::addColumn<QString>("errorCode"); // empty: none
        QTest::addColumn<QString>("attemptCode"); // the kept attempt's error code; empty: none
        QTest::addColumn<int>("maxAttemptsAfter");
        QTest::addColumn<int>("attempts");
        QTest::addColumn<int>("history");
        QTest::addColumn<bool>("finished");

        using R = AttemptEnd::Reason;
        const QString none;
        const QString boom = QStringLiteral("boom");
        const QString timeout = QStringLiteral("timeout");
        const QString cancelled = QStringLiteral("cancelled");
        QTest::newRow("succeed") << 1 << int(R::Finished) << false << S::Succeeded << none << none << 1 << 1 << 1
                                 << true;
        QTest::newRow("fail, attempts left")
            << 3 << int(R::Finished) << true << S::Scheduled << boom << boom << 3 << 1 << 1 << false;
        QTest::newRow("fail") << 1 << int(R::Finished) << true << S::Failed << boom << boom << 1 << 1 << 1 << true;
        QTest::newRow("time out, attempts left")
            << 2 << int(R::TimedOut) << false << S::Scheduled << timeout << timeout << 2 << 1 << 1 << false;
        QTest::newRow("time out") << 1 << int(R::TimedOut) << false << S::Failed << timeout << timeout << 1 << 1 << 1
                                  << true;
        QTest::newRow("cancel, attempts left")
            << 3 << int(R::Cancelled) << false << S::Cancelled << cancelled << cancelled << 3 << 1 << 1 << true;
        QTest::newRow("cancel after a failure")
            << 3 << int(R::Cancelled) << true << S::Cancelled << cancelled << cancelled << 3 << 1 << 1 << true;
        // Kept in the history, but it leaves the job as many attempts as it had.
        QTest::newRow("drain cut-off, last attempt") << 1 << int(R::DrainCutOff) << false << S::Queued << none
                                                     << QStringLiteral("interrupted") << 2 << 1 << 1 << false;
        QTest::newRow("drain cut-off, attempts left") << 3 << int(R::DrainCutOff) << false << S::Queued << none
                                                      << QStringLiteral("interrupted") << 4 << 1 << 1 << false;
        // A lease never delivered: as if never leased.
        QTest::newRow("returned") << 1 << int(R::Returned) << false << S::Queued << none << none << 1 << 0 << 0
                                  << false;
    }
    void endAttempt()
    {
        QFETCH(int, maxAttempts);
        QFETCH(int, reason);
        QFETCH(bool, failed);
        QFETCH(S, status);
        QFETCH(QString, errorCode);
        QFETCH(QString, attemptCode);
        QFETCH(int, maxAttemptsAfter);
        QFETCH(int, attempts);
        QFETCH(int, history);
        QFETCH(bool, finished);

        JobLifecycle lifecycle({ retryBaseMs, retryMaxMs });
        Job job = runningJob(lifecycle, maxAttempts, QStringLiteral("worker-1"));
        AttemptEnd end;
        end.reason = AttemptEnd::Reason(reason);
        if (failed)
            end.error = JobError(QStringLiteral("boom"), QStringLiteral("it failed"));
        end.result = QJsonValue(42);
        const qint64 t = t0 + 110;

        QCOMPARE(lifecycle.endAttempt(job, end, t), status);
        QCOMPARE(job.status, status);
        QCOMPARE(text(lifecycle.counts()), text(countsOf({ job })));
        QCOMPARE(job.attempts, attempts);
        QCOMPARE(job.maxAttempts, maxAttemptsAfter);
        QCOMPARE(job.history.size(), history);
        QCOMPARE(job.error ? job.error->code : QString(), errorCode);
        QVERIFY(job.worker.isEmpty());
        QCOMPARE(job.finishedAt, finished ? t : 0);
        if (history > 0) {
            const JobAttempt& attempt = job.history.last();
            QCOMPARE(attempt.number, 1);
            QCOMPARE(attempt.startedAt, t0 + 10);
            QCOMPARE(attempt.finishedAt, t);
            QCOMPARE(attempt.worker, QStringLiteral("worker-1"));
            QCOMPARE(attempt.error ? attempt.error->code : QString(), attemptCode);
        } else {
            QCOMPARE(job.startedAt, 0); // the returned lease leaves no trace
        }
        if (status == S::Queued) {
            QCOMPARE(job.startedAt, 0);
            QCOMPARE(job.progress, 0.0);
        }
        if (status == S::Scheduled) {
            // The first retry waits the base delay, +-20%.
            QVERIFY2(job.runAt >= t + retryBaseMs * 8 / 10 && job.runAt <= t + retryBaseMs * 12 / 10,
                qPrintable(QString::number(job.runAt - t)));
        }
        if (status == S::Succeeded) {
            QCOMPARE(job.result, QJsonValue(42));
            QCOMPARE(job.progress, 1.0);
        }
        if (status == S::Failed && errorCode == QStringLiteral("boom"))
            QCOMPARE(job.result, QJsonValue(42)); // a failed exec still reports its output
    }

    void cancelWaiting_data()
    {
        QTest::addColumn<qint64>("delayMs");
        QTest::newRow("queued") << qint64(0);
        QTest::newRow("scheduled") << qint64(1000);
    }
    void cancelWaiting()
    {
        QFETCH(qint64, delayMs);
        JobLifecycle lifecycle({ retryBaseMs, retryMaxMs });
        Job job = storedJob(lifecycle, 1, delayMs);
        lifecycle.cancelWaiting(job, t0 + 5);
        QCOMPARE(job.status, S::Cancelled);
        QCOMPARE(job.error->code, QStringLiteral("cancelled"));
        QCOMPARE(job.finishedAt, t0 + 5);
        QCOMPARE(job.attempts, 0);
        QCOMPARE(text(lifecycle.counts()), text(countsOf({ job })));
    }

    void retryGrantsOneMoreAttempt()
    {
        JobLifecycle lifecycle({ retryBaseMs, retryMaxMs });
        Job job = runningJob(lifecycle, 1);
        lifecycle.endAttempt(job, { AttemptEnd::Reason::Finished, JobError(QStringLiteral("boom"), {}), {} }, t0 + 50);
        QCOMPARE(job.status, S::Failed);
        lifecycle.retry(job);
        QCOMPARE(job.status, S::Queued);
        QCOMPARE(job.maxAttempts, 2);
        QCOMPARE(job.attempts, 1);
        QVERIFY(!job.error);
        QVERIFY(job.result.isNull());
        QCOMPARE(job.finishedAt, 0);
        QCOMPARE(job.history.size(), 1); // the failed attempt stays explainable
        QCOMPARE(text(lifecycle.counts()), text(countsOf({ job })));
    }

    void interrupted_data()
    {
        QTest::addColumn<int>("maxAttempts");
        QTest::addColumn<bool>("external");
        QTest::addColumn<S>("status");
        QTest::addColumn<QString>("code");
        QTest::newRow("built-in, attempts left") << 2 << false << S::Queued << QStringLiteral("interrupted");
        QTest::newRow("built-in, last attempt") << 1 << false << S::Failed << QStringLiteral("interrupted");
        QTest::newRow("leased, attempts left") << 2 << true << S::Queued << QStringLiteral("lease_expired");
        QTest::newRow("leased, last attempt") << 1 << true << S::Failed << QStringLiteral("lease_expired");
    }
    void interrupted()
    {
        QFETCH(int, maxAttempts);
        QFETCH(bool, external);
        QFETCH(S, status);
        QFETCH(QString, code);
        JobLifecycle lifecycle({ retryBaseMs, retryMaxMs });
        Job job = runningJob(lifecycle, maxAttempts, external ? QStringLiteral("w") : QString());
        QCOMPARE(lifecycle.interrupted(job, t0 + 99, external), status);
        QCOMPARE(job.status, status);
        QCOMPARE(job.history.size(), 1);
        QCOMPARE(job.history.last().error->code, code);
        QCOMPARE(job.history.last().worker, external ? QStringLiteral("w") : QString());
        QVERIFY(job.worker.isEmpty());
        QCOMPARE(job.startedAt, 0);
        QCOMPARE(job.finishedAt, status == S::Failed ? t0 + 99 : 0);
        QCOMPARE(text(lifecycle.counts()), text(countsOf({ job })));
    }

    void disable()
    {
        JobLifecycle lifecycle({ retryBaseMs, retryMaxMs });
        Job job = storedJob(lifecycle);
        lifecycle.disable(job, QStringLiteral("exec jobs need --allow-exec"), t0 + 1);
        QCOMPARE(job.status, S::Failed);
        QCOMPARE(job.error->code, QStringLiteral("type_disabled"));
        QCOMPARE(job.finishedAt, t0 + 1);
        QCOMPARE(text(lifecycle.counts()), text(countsOf({ job })));
    }

    // Many jobs through every path: the counters match the jobs' statuses after each step,
    // starting from counts loaded from a store.
    void countersFollowTheJobs()
    {
        JobLifecycle lifecycle({ retryBaseMs, retryMaxMs });
        QList<Job> jobs(7);
        lifecycle.setCounts(countsOf({})); // an empty store
        for (qsizetype i = 0; i < jobs.size(); ++i) {
            jobs[i].id = i + 1;
            jobs[i].maxAttempts = 2;
            JobLifecycle::submit(jobs[i], i % 2 ? 100 : 0, t0);
            lifecycle.stored(jobs[i]);
        }
        QCOMPARE(text(lifecycle.counts()), text(countsOf(jobs)));
        for (Job& job : jobs) {
            if (job.status == S::Scheduled)
                lifecycle.promote(job);
        }
        QCOMPARE(text(lifecycle.counts()), text(countsOf(jobs)));
        lifecycle.cancelWaiting(jobs[0], t0);
        for (qsizetype i = 1; i < jobs.size(); ++i)
            lifecycle.start(jobs[i], t0);
        QCOMPARE(text(lifecycle.counts()), text(countsOf(jobs)));
        const JobError boom(QStringLiteral("boom"), {});
        lifecycle.endAttempt(jobs[1], { AttemptEnd::Reason::Finished, {}, QJsonValue(1) }, t0);
        lifecycle.endAttempt(jobs[2], { AttemptEnd::Reason::Finished, boom, {} }, t0);
        lifecycle.endAttempt(jobs[3], { AttemptEnd::Reason::TimedOut, {}, {} }, t0);
        lifecycle.endAttempt(jobs[4], { AttemptEnd::Reason::Cancelled, {}, {} }, t0);
        lifecycle.endAttempt(jobs[5], { AttemptEnd::Reason::DrainCutOff, {}, {} }, t0);
        lifecycle.interrupted(jobs[6], t0, false);
        QCOMPARE(text(lifecycle.counts()), text(countsOf(jobs)));
        lifecycle.retry(jobs[0]);
        lifecycle.retry(jobs[4]);
        QCOMPARE(text(lifecycle.counts()), text(countsOf(jobs)));

        // Reopened: the store's counts, and the jobs found running are interrupted.
        JobLifecycle reopened({ retryBaseMs, retryMaxMs });
        reopened.setCounts(countsOf(jobs));
        lifecycle.start(jobs[0], t0);
        reopened.setCounts(countsOf(jobs));
        reopened.interrupted(jobs[0], t0 + 1, true);
        QCOMPARE(text(reopened.counts()), text(countsOf(jobs)));
    }

    // Each queue's counts move with its jobs, beside the totals, and start from the store's.
    void queueCountsFollowTheJobs()
    {
        JobLifecycle lifecycle({ retryBaseMs, retryMaxMs });
        StatusCounts stored {};
        stored[std::size_t(S::Succeeded)] = 5;
        lifecycle.setCounts(stored, { { QStringLiteral("mail"), stored } });
        QList<Job> jobs(4);
        for (qsizetype i = 0; i < jobs.size(); ++i) {
            jobs[i].id = i + 1;
            jobs[i].queue = i < 2 ? QStringLiteral("mail") : QStringLiteral("reports");
            JobLifecycle::submit(jobs[i], 0, t0);
            lifecycle.stored(jobs[i]);
            lifecycle.start(jobs[i], t0);
        }
        lifecycle.endAttempt(jobs[0], { AttemptEnd::Reason::Finished, {}, {} }, t0);
        lifecycle.endAttempt(jobs[1], { AttemptEnd::Reason::Finished, JobError(QStringLiteral("boom"), {}), {} }, t0);
        lifecycle.endAttempt(jobs[2], { AttemptEnd::Reason::DrainCutOff, {}, {} }, t0);
        lifecycle.endAttempt(jobs[3], { AttemptEnd::Reason::Cancelled, {}, {} }, t0);
        const auto countsIn = [&](const QString& queue) {
            StatusCounts counts = countsOf(jobs.mid(queue == QStringLiteral("mail") ? 0 : 2, 2));
            if (queue == QStringLiteral("mail"))
                counts[std::size_t(S::Succeeded)] += 5;
            return counts;
        };
        QCOMPARE(text(lifecycle.queueCounts(QStringLiteral("mail"))), text(countsIn(QStringLiteral("mail"))));
        QCOMPARE(text(lifecycle.queueCounts(QStringLiteral("reports"))), text(countsIn(QStringLiteral("reports"))));
        QCOMPARE(text(lifecycle.queueCounts(QStringLiteral("none"))), text(StatusCounts {}));
        QCOMPARE(
            lifecycle.queuesWith(S::Succeeded), (QList<std::pair<QString, qint64>> { { QStringLiteral("mail"), 6 } }));

        lifecycle.removed(S::Succeeded, QStringLiteral("mail"), 4);
        QCOMPARE(lifecycle.queueCounts(QStringLiteral("mail"))[std::size_t(S::Succeeded)], 2);
        QCOMPARE(lifecycle.count(S::Succeeded), 2);
    }

    void backoffDoublesUpToItsCap()
    {
        for (int i = 0; i < 100; ++i) {
            const qint64 first = JobLifecycle::backoffMs(1, 1000, 60000);
            QVERIFY(first >= 800 && first <= 1200);
            const qint64 third = JobLifecycle::backoffMs(3, 1000, 60000);
            QVERIFY(third >= 3200 && third <= 4800);
            const qint64 capped = JobLifecycle::backoffMs(30, 1000, 60000);
            QVERIFY(capped >= 48000 && capped <= 72000);
        }
    }
};

QTEST_GUILESS_MAIN(TestJobLifecycle)
#include "tst_joblifecycle.moc"
