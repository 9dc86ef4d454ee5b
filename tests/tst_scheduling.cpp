#include "jobsemanticstest.h"

// Scheduling: delays, retries and their backoff, timeouts, named queues and their limits, and the invariants of a mixed
// workload, through real HTTP against a real server on 127.0.0.1, port 0.
class TestScheduling : public JobSemanticsTest
{
    Q_OBJECT

private Q_SLOTS:
    void delayedJobRunsWhenTheClockReachesItsDueTime()
    {
        QVERIFY(restart(manualClockConfig()));
        const QJsonObject created
            = submitted(jobSpec(QStringLiteral("echo"), QJsonObject { { QStringLiteral("n"), 1 } },
                { { QStringLiteral("delay_ms"), 5000 }, { QStringLiteral("queue"), QStringLiteral("later") } }));
        const QString id = str(created, "id");
        QCOMPARE(str(created, "status"), QStringLiteral("scheduled"));
        QCOMPARE(msOf(created.value(QLatin1StringView("run_at"))), manualEpoch + 5000);
        QCOMPARE(msOf(created.value(QLatin1StringView("created_at"))), manualEpoch);
        // A queue that only holds delayed jobs is listed too.
        QCOMPARE(queueInt(QStringLiteral("later"), "scheduled"), 1);
        QCOMPARE(queueInt(QStringLiteral("later"), "depth"), 0);
        QCOMPARE(count(QStringLiteral("scheduled")), 1);

        advanceClockTo(manualEpoch + 4999);
        QCOMPARE(statusOf(id), QStringLiteral("scheduled"));

        advanceClockTo(manualEpoch + 5000);
        const QJsonObject done = finished(id);
        QCOMPARE(str(done, "status"), QStringLiteral("succeeded"));
        QCOMPARE(msOf(done.value(QLatin1StringView("started_at"))), manualEpoch + 5000);
        QCOMPARE(obj(done, "result").value(QLatin1StringView("n")).toInt(), 1);
        QCOMPARE(queueInt(QStringLiteral("later"), "scheduled"), 0);
    }

    void delayedJobStartsOnTimeByTheRealClock()
    {
        const QJsonObject created
            = submitted(jobSpec(QStringLiteral("echo"), {}, { { QStringLiteral("delay_ms"), 150 } }));
        QCOMPARE(str(created, "status"), QStringLiteral("scheduled"));
        const qint64 createdAt = msOf(created.value(QLatin1StringView("created_at")));
        QCOMPARE(msOf(created.value(QLatin1StringView("run_at"))), createdAt + 150);
        const QJsonObject done = finished(str(created, "id"));
        QCOMPARE(str(done, "status"), QStringLiteral("succeeded"));
        const qint64 late = msOf(done.value(QLatin1StringView("started_at"))) - (createdAt + 150);
        QVERIFY2(late >= 0, "a delayed job must not start early");
        // Nothing else wakes the scheduler: a missed timer leaves the job scheduled past the long
        // poll. The bound holds under sanitizers on a loaded machine; punctuality is a benchmark's.
        QVERIFY2(late < 2000, qPrintable(QStringLiteral("started %1 ms after its due time").arg(late)));
    }

    void retriesBackOffExponentiallyWithJitter()
    {
        QVERIFY(restart(manualClockConfig()));
        const QString id = submittedId(
            jobSpec(QStringLiteral("fail"), QJsonObject { { QStringLiteral("message"), QStringLiteral("boom") } },
                { { QStringLiteral("max_attempts"), 3 } }));

        // Attempt n fails at time t; the next is due in base * 2^(n-1), +-20%: [400, 600], [800, 1200].
        qint64 failedAt = manualEpoch;
        for (int attempt = 1; attempt <= 2; ++attempt) {
            QTRY_VERIFY(attemptsOf(id) == attempt && statusOf(id) == QStringLiteral("scheduled"));
            const QJsonObject scheduled = job(id);
            const QJsonArray history = scheduled.value(QLatin1StringView("history")).toArray();
            QCOMPARE(history.size(), attempt);
            QCOMPARE(history.last().toObject().value(QLatin1StringView("attempt")).toInt(), attempt);
            QCOMPARE(msOf(history.last().toObject().value(QLatin1StringView("finished_at"))), failedAt);
            QCOMPARE(str(obj(history.last().toObject(), "error"), "message"), QStringLiteral("boom"));
            QCOMPARE(errorCode(scheduled), QStringLiteral("job_failed")); // the last attempt's error
            const qint64 backoff = msOf(scheduled.value(QLatin1StringView("run_at"))) - failedAt;
            const qint64 base = 500LL << (attempt - 1);
            QVERIFY2(backoff >= base * 8 / 10 && backoff <= base * 12 / 10,
                qPrintable(QStringLiteral("attempt %1: backoff %2 ms").arg(attempt).arg(backoff)));
            QCOMPARE(queueInt(QStringLiteral("default"), "scheduled"), 1);

            advanceClockTo(failedAt + backoff - 1);
            QCOMPARE(statusOf(id), QStringLiteral("scheduled"));
            failedAt += backoff;
            advanceClockTo(failedAt);
        }

        const QJsonObject failed = finished(id);
        QCOMPARE(str(failed, "status"), QStringLiteral("failed"));
        QCOMPARE(failed.value(QLatin1StringView("attempts")).toInt(), 3);
        QCOMPARE(errorCode(failed), QStringLiteral("job_failed"));
        const QJsonArray history = failed.value(QLatin1StringView("history")).toArray();
        QCOMPARE(history.size(), 3);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(history[i].toObject().value(QLatin1StringView("attempt")).toInt(), i + 1);
            QCOMPARE(errorCode(history[i].toObject()), QStringLiteral("job_failed"));
        }
        QCOMPARE(msOf(history[2].toObject().value(QLatin1StringView("started_at"))), failedAt);
        QCOMPARE(msOf(failed.value(QLatin1StringView("finished_at"))), failedAt);
    }

    void backoffHonoursConfiguredBaseAndCap()
    {
        EngineConfig config = manualClockConfig();
        config.retryBaseMs = 1000;
        config.retryMaxMs = 1500;
        QVERIFY(restart(config));
        const QString id = submittedId(jobSpec(QStringLiteral("fail"), {}, { { QStringLiteral("max_attempts"), 3 } }));
        QTRY_COMPARE(statusOf(id), QStringLiteral("scheduled"));
        const qint64 first = msOf(job(id).value(QLatin1StringView("run_at"))) - manualEpoch;
        QVERIFY2(first >= 800 && first <= 1200, qPrintable(QString::number(first)));
        advanceClockTo(manualEpoch + first);
        QTRY_VERIFY(attemptsOf(id) == 2 && statusOf(id) == QStringLiteral("scheduled"));
        const qint64 second = msOf(job(id).value(QLatin1StringView("run_at"))) - (manualEpoch + first);
        QVERIFY2(second >= 1200 && second <= 1800, qPrintable(QString::number(second))); // 2000 capped at 1500
    }

    void retryEndpoint()
    {
        const QString failing = submittedId(jobSpec(QStringLiteral("fail")));
        QCOMPARE(str(finished(failing), "status"), QStringLiteral("failed"));
        const HttpResult retried = retry(failing);
        QCOMPARE(retried.status, 202);
        QCOMPARE(retried.header("Location"), QByteArray("/jobs/") + failing.toUtf8());
        QCOMPARE(str(retried.json(), "status"), QStringLiteral("queued"));
        QVERIFY(retried.json().value(QLatin1StringView("error")).isNull());
        const QJsonObject again = finished(failing);
        QCOMPARE(str(again, "status"), QStringLiteral("failed"));
        QCOMPARE(again.value(QLatin1StringView("attempts")).toInt(), 2);
        QCOMPARE(again.value(QLatin1StringView("history")).toArray().size(), 2);

        const QString succeeded = submittedId(jobSpec(QStringLiteral("echo")));
        QCOMPARE(str(finished(succeeded), "status"), QStringLiteral("succeeded"));
        QCOMPARE(retry(succeeded).status, 409);
        QCOMPARE(retry(succeeded).errorCode(), QStringLiteral("conflict"));

        m_http.post(QStringLiteral("/queues/held/pause"), {});
        const QString queued
            = submittedId(jobSpec(QStringLiteral("echo"), {}, { { QStringLiteral("queue"), QStringLiteral("held") } }));
        QCOMPARE(retry(queued).status, 409);
        QCOMPARE(cancel(queued).status, 200);
        QCOMPARE(retry(queued).status, 202); // a cancelled job may run again
        QCOMPARE(statusOf(queued), QStringLiteral("queued"));

        QCOMPARE(retry(QStringLiteral("999999")).status, 404);
    }

    void retryRespectsMaxQueued()
    {
        EngineConfig config = baseConfig();
        config.maxQueued = 2;
        QVERIFY(restart(config));
        const QString failing = submittedId(jobSpec(QStringLiteral("fail")));
        QCOMPARE(str(finished(failing), "status"), QStringLiteral("failed"));
        m_http.post(QStringLiteral("/queues/default/pause"), {});
        submittedId(jobSpec(QStringLiteral("echo")));
        submittedId(jobSpec(QStringLiteral("echo")));
        const HttpResult full = retry(failing);
        QCOMPARE(full.status, 503);
        QCOMPARE(full.errorCode(), QStringLiteral("queue_full"));
        QVERIFY(!full.header("Retry-After").isEmpty());
        QCOMPARE(statusOf(failing), QStringLiteral("failed"));
        QCOMPARE(count(QStringLiteral("queued")), 2);
    }

    void timeoutFailsPromptlyAndFreesTheWorker_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QJsonObject>("payload");
        QTest::newRow("sleep") << QStringLiteral("sleep") << sleepMs(60000);
        QTest::newRow("compute") << QStringLiteral("compute")
                                 << QJsonObject { { QStringLiteral("iterations"), 1000000000 } };
        QTest::newRow("exec") << QStringLiteral("exec")
                              << QJsonObject { { QStringLiteral("program"), QStringLiteral("/bin/sleep") },
                                     { QStringLiteral("args"), QJsonArray { QStringLiteral("30") } } };
    }

    void timeoutFailsPromptlyAndFreesTheWorker()
    {
        QFETCH(QString, type);
        QFETCH(QJsonObject, payload);
        EngineConfig config = baseConfig();
        config.workers = 1;
        QVERIFY(restart(config));
        const QString id = submittedId(jobSpec(type, payload, { { QStringLiteral("timeout_ms"), 100 } }));
        const QString next = submittedId(jobSpec(QStringLiteral("echo")));

        const QJsonObject failed = finished(id);
        QCOMPARE(str(failed, "status"), QStringLiteral("failed"));
        QCOMPARE(errorCode(failed), QStringLiteral("timeout"));
        const qint64 ran = msOf(failed.value(QLatin1StringView("finished_at")))
            - msOf(failed.value(QLatin1StringView("started_at")));
        // Each job would run on for 30 s to minutes past its timeout: a bound far above a loaded
        // sanitizer build's delay, far below that.
        QVERIFY2(ran >= 100 && ran < 5000, qPrintable(QStringLiteral("ran %1 ms with a 100 ms timeout").arg(ran)));
        QCOMPARE(childProcesses({ QStringLiteral("/bin/sleep"), QStringLiteral("30") }), 0); // exec: killed
        // The only worker is free again: the next job runs.
        QCOMPARE(str(finished(next), "status"), QStringLiteral("succeeded"));
        QTRY_COMPARE(busyWorkers(), 0);
    }

    void queuesReportTheirState()
    {
        const HttpResult limited
            = m_http.postJson(QStringLiteral("/queues/reports/concurrency"), { { QStringLiteral("concurrency"), 2 } });
        QCOMPARE(limited.status, 200);
        QCOMPARE(limited.json().value(QLatin1StringView("concurrency")).toInt(), 2);
        const HttpResult paused = m_http.post(QStringLiteral("/queues/mail/pause"), {});
        QCOMPARE(paused.status, 200);
        QCOMPARE(paused.json().value(QLatin1StringView("paused")).toBool(), true);

        QStringList ids;
        for (int i = 0; i < 3; ++i)
            ids << submittedId(jobSpec(
                QStringLiteral("sleep"), sleepMs(60000), { { QStringLiteral("queue"), QStringLiteral("reports") } }));
        for (int i = 0; i < 2; ++i)
            ids << submittedId(
                jobSpec(QStringLiteral("echo"), {}, { { QStringLiteral("queue"), QStringLiteral("mail") } }));
        ids << submittedId(jobSpec(QStringLiteral("echo"), {},
            { { QStringLiteral("queue"), QStringLiteral("mail") }, { QStringLiteral("delay_ms"), 60000 } }));

        QTRY_COMPARE(queueInt(QStringLiteral("reports"), "running"), 2);
        const QJsonObject reports = queue(QStringLiteral("reports"));
        QCOMPARE(reports.value(QLatin1StringView("depth")).toInt(), 1);
        QCOMPARE(reports.value(QLatin1StringView("scheduled")).toInt(), 0);
        QCOMPARE(reports.value(QLatin1StringView("paused")).toBool(), false);
        QCOMPARE(reports.value(QLatin1StringView("concurrency")).toInt(), 2);
        const QJsonObject mail = queue(QStringLiteral("mail"));
        QCOMPARE(mail.value(QLatin1StringView("depth")).toInt(), 2);
        QCOMPARE(mail.value(QLatin1StringView("scheduled")).toInt(), 1);
        QCOMPARE(mail.value(QLatin1StringView("running")).toInt(), 0);
        QCOMPARE(mail.value(QLatin1StringView("paused")).toBool(), true);
        QVERIFY(mail.value(QLatin1StringView("concurrency")).isNull()); // no limit
        const QJsonObject idle = queue(QStringLiteral("default"));
        QCOMPARE(idle.value(QLatin1StringView("depth")).toInt(), 0);
        QCOMPARE(idle.value(QLatin1StringView("running")).toInt(), 0);

        const HttpResult unlimited = m_http.postJson(
            QStringLiteral("/queues/reports/concurrency"), { { QStringLiteral("concurrency"), QJsonValue() } });
        QCOMPARE(unlimited.status, 200);
        QTRY_COMPARE(queueInt(QStringLiteral("reports"), "running"), 3);
        for (const QString& id : std::as_const(ids))
            cancel(id);
        QTRY_COMPARE(busyWorkers(), 0);
    }

    void pausedQueueHoldsItsJobsWhileOthersRun()
    {
        QCOMPARE(m_http.post(QStringLiteral("/queues/a/pause"), {}).status, 200);
        const QString held
            = submittedId(jobSpec(QStringLiteral("echo"), {}, { { QStringLiteral("queue"), QStringLiteral("a") } }));
        const QString other
            = submittedId(jobSpec(QStringLiteral("echo"), {}, { { QStringLiteral("queue"), QStringLiteral("b") } }));
        QCOMPARE(str(finished(other), "status"), QStringLiteral("succeeded"));
        // `other` was submitted after `held` and finished: a worker passed `held` by.
        QCOMPARE(statusOf(held), QStringLiteral("queued"));
        QCOMPARE(queueInt(QStringLiteral("a"), "depth"), 1);

        const HttpResult resumed = m_http.post(QStringLiteral("/queues/a/resume"), {});
        QCOMPARE(resumed.status, 200);
        QCOMPARE(resumed.json().value(QLatin1StringView("paused")).toBool(), false);
        QCOMPARE(str(finished(held), "status"), QStringLiteral("succeeded"));
    }

    void concurrencyOneRunsOneAtATime()
    {
        QCOMPARE(m_http.postJson(QStringLiteral("/queues/serial/concurrency"), { { QStringLiteral("concurrency"), 1 } })
                     .status,
            200);
        QStringList ids;
        for (int i = 0; i < 4; ++i)
            ids << submittedId(jobSpec(
                QStringLiteral("sleep"), sleepMs(60), { { QStringLiteral("queue"), QStringLiteral("serial") } }));
        int maxRunning = 0;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                maxRunning = std::max(maxRunning, queueInt(QStringLiteral("serial"), "running"));
                return count(QStringLiteral("succeeded")) == 4;
            }(),
            10000);
        QCOMPARE(maxRunning, 1);
        QList<QPair<qint64, qint64>> spans;
        for (const QString& id : std::as_const(ids)) {
            const QJsonObject done = job(id);
            spans.append({ msOf(done.value(QLatin1StringView("started_at"))),
                msOf(done.value(QLatin1StringView("finished_at"))) });
        }
        std::sort(spans.begin(), spans.end());
        for (qsizetype i = 1; i < spans.size(); ++i)
            QVERIFY2(spans[i].first >= spans[i - 1].second, "two jobs of a queue limited to 1 overlapped");
    }

    void aJobNeverRunsTwiceAtOnce()
    {
        const QJsonObject probe = jobSpec(QStringLiteral("probe"), QJsonObject { { QStringLiteral("ms"), 60000 } });
        const QString id = submittedId(probe);
        QTRY_COMPARE(statusOf(id), QStringLiteral("running"));
        const HttpResult conflict = retry(id);
        QCOMPARE(conflict.status, 409);
        QCOMPARE(conflict.errorCode(), QStringLiteral("conflict"));

        // Cancel and retry race with the worker that finishes the cancelled attempt.
        const QString path = QStringLiteral("/jobs/") + id;
        for (int round = 0; round < 30; ++round) {
            const QList<int> statuses = concurrently({ { "DELETE", path }, { "POST", path + QStringLiteral("/retry") },
                { "POST", path + QStringLiteral("/retry") }, { "DELETE", path },
                { "POST", path + QStringLiteral("/retry") } });
            for (int status : statuses)
                QVERIFY2(status == 200 || status == 202 || status == 409, qPrintable(QString::number(status)));
        }
        cancel(id);
        QTRY_VERIFY(QStringList({ QStringLiteral("cancelled"), QStringLiteral("failed") }).contains(statusOf(id)));
        const QJsonObject last = job(id);
        QCOMPARE(last.value(QLatin1StringView("history")).toArray().size(),
            last.value(QLatin1StringView("attempts")).toInt());
        QTRY_COMPARE(busyWorkers(), 0);
        std::lock_guard lock(m_probe.mutex);
        QCOMPARE(m_probe.maxSameJob, 1);
        QCOMPARE(m_probe.running, 0);
    }

    void countsAddUpAfterAMixedWorkload()
    {
        EngineConfig config = baseConfig();
        config.retryBaseMs = 5;
        QVERIFY(restart(config));
        m_http.post(QStringLiteral("/queues/held/pause"), {});
        QJsonArray batch;
        for (int i = 0; i < 20; ++i)
            batch.append(jobSpec(QStringLiteral("echo"), QJsonObject { { QStringLiteral("i"), i } }));
        for (int i = 0; i < 5; ++i) {
            batch.append(jobSpec(QStringLiteral("fail"), {}, { { QStringLiteral("max_attempts"), 2 } }));
            batch.append(jobSpec(QStringLiteral("sleep"), sleepMs(60000), { { QStringLiteral("timeout_ms"), 20 } }));
            batch.append(jobSpec(QStringLiteral("echo"), {}, { { QStringLiteral("queue"), QStringLiteral("held") } }));
            batch.append(jobSpec(QStringLiteral("echo"), {}, { { QStringLiteral("delay_ms"), 60000 } }));
            batch.append(
                jobSpec(QStringLiteral("compute"), QJsonObject { { QStringLiteral("iterations"), 1000000000 } }));
            batch.append(jobSpec(QStringLiteral("echo"), {},
                { { QStringLiteral("idempotency_key"), QStringLiteral("k%1").arg(i % 2) } }));
        }
        const HttpResult accepted
            = m_http.postJson(QStringLiteral("/jobs/batch"), { { QStringLiteral("jobs"), batch } });
        QCOMPARE(accepted.status, 202);
        QSet<QString> distinct;
        QStringList toCancel; // computations where they are (queued or running), delayed and held jobs
        for (const QJsonValue& value : accepted.json().value(QLatin1StringView("jobs")).toArray()) {
            const QJsonObject job = value.toObject();
            distinct.insert(str(job, "id"));
            if (str(job, "type") == QStringLiteral("compute") || str(job, "status") == QStringLiteral("scheduled")
                || str(job, "queue") == QStringLiteral("held"))
                toCancel << str(job, "id");
        }
        QCOMPARE(distinct.size(), 20 + 5 * 5 + 2);
        QCOMPARE(toCancel.size(), 15);
        for (const QString& id : std::as_const(toCancel)) {
            const int status = cancel(id).status;
            QVERIFY2(status == 200 || status == 202, qPrintable(QString::number(status)));
        }
        QTRY_VERIFY_WITH_TIMEOUT(count(QStringLiteral("running")) == 0 && count(QStringLiteral("queued")) == 0
                && count(QStringLiteral("scheduled")) == 0,
            10000);

        const QJsonObject totals = stats();
        const QJsonObject counts = obj(totals, "counts");
        qint64 sum = 0;
        for (auto it = counts.begin(); it != counts.end(); ++it)
            sum += it.value().toInteger();
        QCOMPARE(sum, qint64(distinct.size()));
        QCOMPARE(totals.value(QLatin1StringView("submitted_total")).toInteger(), qint64(distinct.size()));
        QCOMPARE(counts.value(QLatin1StringView("succeeded")).toInt(), 20 + 2);
        QCOMPARE(counts.value(QLatin1StringView("failed")).toInt(), 5 + 5); // fail twice, timeouts
        QCOMPARE(counts.value(QLatin1StringView("cancelled")).toInt(), 5 + 5 + 5); // held, delayed, compute
        // The list agrees with the counters.
        for (const QString& status :
            { QStringLiteral("succeeded"), QStringLiteral("failed"), QStringLiteral("cancelled") }) {
            const QJsonArray listed = m_http.get(QStringLiteral("/jobs?limit=1000&status=") + status)
                                          .json()
                                          .value(QLatin1StringView("jobs"))
                                          .toArray();
            QCOMPARE(qint64(listed.size()), counts.value(status).toInteger());
        }
    }

    void noWorkerIsLeftStuck()
    {
        // Timeouts, cancels of every kind of running job and a killed program...
        QStringList running;
        running << submittedId(
            jobSpec(QStringLiteral("sleep"), sleepMs(60000), { { QStringLiteral("timeout_ms"), 30 } }));
        running << submittedId(jobSpec(QStringLiteral("compute"),
            QJsonObject { { QStringLiteral("iterations"), 1000000000 } }, { { QStringLiteral("timeout_ms"), 30 } }));
        running << submittedId(execSpec(QStringLiteral("/bin/sleep"), { QStringLiteral("30") }));
        running << submittedId(jobSpec(QStringLiteral("probe"), QJsonObject { { QStringLiteral("ms"), 60000 } }));
        QTRY_COMPARE(statusOf(running[2]), QStringLiteral("running"));
        QTRY_COMPARE(statusOf(running[3]), QStringLiteral("running"));
        cancel(running[2]);
        cancel(running[3]);
        for (const QString& id : std::as_const(running))
            QVERIFY(QStringList({ QStringLiteral("failed"), QStringLiteral("cancelled") })
                        .contains(str(finished(id), "status")));
        QTRY_COMPARE(busyWorkers(), 0);
        QCOMPARE(count(QStringLiteral("running")), 0);

        // ...leave every worker free: as many jobs as workers all run at once.
        {
            std::lock_guard lock(m_probe.mutex);
            m_probe.maxRunning = 0;
        }
        QStringList fresh;
        for (int i = 0; i < 4; ++i)
            fresh << submittedId(jobSpec(QStringLiteral("probe"), QJsonObject { { QStringLiteral("ms"), 300 } }));
        for (const QString& id : std::as_const(fresh))
            QCOMPARE(str(finished(id), "status"), QStringLiteral("succeeded"));
        std::lock_guard lock(m_probe.mutex);
        QCOMPARE(m_probe.maxRunning, 4);
    }
};

QTEST_GUILESS_MAIN(TestScheduling)
#include "tst_scheduling.moc"
