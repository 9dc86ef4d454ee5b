#include "jobsemanticstest.h"

// Cancellation of queued, scheduled and running jobs, and a retry racing another, through real HTTP against a real
// server on 127.0.0.1, port 0.
class TestCancellation : public JobSemanticsTest
{
    Q_OBJECT

private Q_SLOTS:
    void cancelQueuedAndScheduledAtOnce()
    {
        m_http.post(QStringLiteral("/queues/held/pause"), {});
        const QString queued
            = submittedId(jobSpec(QStringLiteral("echo"), {}, { { QStringLiteral("queue"), QStringLiteral("held") } }));
        const QString scheduled
            = submittedId(jobSpec(QStringLiteral("echo"), {}, { { QStringLiteral("delay_ms"), 60000 } }));
        QCOMPARE(queueInt(QStringLiteral("held"), "depth"), 1);
        for (const QString& id : { queued, scheduled }) {
            const HttpResult cancelled = cancel(id);
            QCOMPARE(cancelled.status, 200);
            QCOMPARE(str(cancelled.json(), "status"), QStringLiteral("cancelled"));
            QCOMPARE(errorCode(cancelled.json()), QStringLiteral("cancelled"));
            QCOMPARE(cancel(id).status, 409);
        }
        QCOMPARE(queueInt(QStringLiteral("held"), "depth"), 0);
        QCOMPARE(queueInt(QStringLiteral("default"), "scheduled"), 0);
        m_http.post(QStringLiteral("/queues/held/resume"), {});
        QCOMPARE(str(finished(queued, 100), "status"), QStringLiteral("cancelled"));
    }

    void cancelRunningStopsPromptly_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QJsonObject>("payload");
        QTest::newRow("sleep") << QStringLiteral("sleep") << sleepMs(60000);
        QTest::newRow("compute") << QStringLiteral("compute")
                                 << QJsonObject { { QStringLiteral("iterations"), 1000000000 } };
    }

    void cancelRunningStopsPromptly()
    {
        QFETCH(QString, type);
        QFETCH(QJsonObject, payload);
        const QString id = submittedId(jobSpec(type, payload));
        QTRY_COMPARE(statusOf(id), QStringLiteral("running"));
        QElapsedTimer timer;
        timer.start();
        const HttpResult accepted = cancel(id);
        QCOMPARE(accepted.status, 202);
        QCOMPARE(str(accepted.json(), "status"), QStringLiteral("running"));
        const QJsonObject cancelled = finished(id);
        const qint64 took = timer.elapsed();
        QCOMPARE(str(cancelled, "status"), QStringLiteral("cancelled"));
        QCOMPARE(errorCode(cancelled), QStringLiteral("cancelled"));
        // Either job would run on for a minute or more if the cancel went unheard: a bound far
        // above a loaded sanitizer build's delay, far below that.
        QVERIFY2(took < 5000, qPrintable(QStringLiteral("cancelled after %1 ms").arg(took)));
        QTRY_COMPARE(busyWorkers(), 0);
    }

    void concurrentRetriesReviveAJobOnce()
    {
        // Two retries of one cancelled job, one from the dashboard's thread and one over HTTP:
        // only one may win, even when the other read the job before the winner's run finished.
        auto ownedStore = std::make_unique<GatedStore>(100000);
        GatedStore* store = ownedStore.get();
        QVERIFY(restart(baseConfig(), std::move(ownedStore)));
        m_http.post(QStringLiteral("/queues/held/pause"), {});
        const QString id
            = submittedId(jobSpec(QStringLiteral("echo"), {}, { { QStringLiteral("queue"), QStringLiteral("held") } }));
        QCOMPARE(cancel(id).status, 200);
        m_http.post(QStringLiteral("/queues/held/resume"), {});

        std::optional<EngineResult<Job>> fromThread; // read after join()
        std::atomic<bool> threadReturned { false };
        std::thread dashboard([&] {
            store->armOnThisThread(id.toLongLong());
            fromThread = m_engine->retry(id.toLongLong());
            threadReturned = true;
        });
        QTRY_VERIFY(store->isHolding() || threadReturned);
        const int overHttp = retry(id).status;
        dashboard.join();

        const bool threadWon = std::holds_alternative<Job>(*fromThread);
        QVERIFY2(threadWon != (overHttp == 202),
            qPrintable(QStringLiteral("thread %1, HTTP %2").arg(threadWon).arg(overHttp)));
        QCOMPARE(str(finished(id), "status"), QStringLiteral("succeeded"));
        QTRY_COMPARE(busyWorkers(), 0);
        const QJsonObject done = job(id);
        QCOMPARE(done.value(QLatin1StringView("attempts")).toInt(), 1);
        QCOMPARE(done.value(QLatin1StringView("history")).toArray().size(), 1);
        QCOMPARE(count(QStringLiteral("succeeded")), 1);
        QCOMPARE(count(QStringLiteral("cancelled")), 0);
        QCOMPARE(count(QStringLiteral("queued")), 0);
    }
};

QTEST_GUILESS_MAIN(TestCancellation)
#include "tst_cancellation.moc"
