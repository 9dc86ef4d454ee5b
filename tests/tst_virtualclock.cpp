// The virtual clock: the clock itself, then everything the engine times, through /clock and the
// rest of the API on a real server (127.0.0.1, port 0) where it is about the API.
#include "enginetesting.h"
#include "queuelabprocess.h"
#include "server.h"
#include "testhttp.h"

#include <QDateTime>
#include <QJsonArray>

#include <thread>

namespace {

constexpr qint64 minute = 60 * 1000;
constexpr qint64 hour = 60 * minute;
constexpr qint64 day = 24 * hour;

qint64 msOf(const QJsonValue& timestamp)
{
    return QDateTime::fromString(timestamp.toString(), Qt::ISODateWithMs).toMSecsSinceEpoch();
}

} // namespace

class TestVirtualClock : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Server> m_server;
    TestHttp m_http;

    void startServer(EngineConfig config = {})
    {
        config.workers = 2;
        m_engine = startedEngine(config);
        ServerConfig serverConfig;
        serverConfig.port = 0;
        m_server = std::make_unique<Server>(serverConfig, m_engine.get());
        QString error;
        QVERIFY2(m_server->start(&error), qPrintable(error));
        m_http.setBase(m_server->url());
    }

    QJsonObject clockPost(const QJsonObject& body)
    {
        const HttpResult result = m_http.postJson(QStringLiteral("/clock"), body);
        if (result.status != 200)
            qWarning("POST /clock %s: %d %s", QJsonDocument(body).toJson(QJsonDocument::Compact).constData(),
                result.status, result.body.constData());
        return result.json();
    }
    QJsonObject goVirtual() { return clockPost({ { QStringLiteral("mode"), QStringLiteral("virtual") } }); }
    QJsonObject advance(qint64 ms) { return clockPost({ { QStringLiteral("advance_ms"), ms } }); }
    qint64 clockNow()
    {
        return m_http.get(QStringLiteral("/clock")).json().value(QLatin1StringView("now")).toInteger();
    }

    QString submit(const QJsonObject& job)
    {
        const HttpResult result = m_http.postJson(QStringLiteral("/jobs"), job);
        if (result.status != 202)
            qFatal("submission failed: %d %s", result.status, result.body.constData());
        return result.json().value(QLatin1StringView("id")).toString();
    }
    QJsonObject job(const QString& id) { return m_http.get(QStringLiteral("/jobs/") + id).json(); }
    QString statusOf(const QString& id) { return job(id).value(QLatin1StringView("status")).toString(); }

private Q_SLOTS:
    void cleanup()
    {
        m_server.reset();
        m_engine.reset();
    }

    // --- The clock itself --------------------------------------------------------------------

    void virtualTimeStandsStillUntilAdvanced()
    {
        std::atomic<qint64> source { 1'000'000 };
        EngineClock clock([&source] { return source.load(); });
        QCOMPARE(clock.now(), 1'000'000);
        source += 500;
        QCOMPARE(clock.setVirtual(true).now, 1'000'500);
        source += 10'000; // the wall goes on, the virtual clock does not
        QCOMPARE(clock.now(), 1'000'500);
        QCOMPARE(clock.realWaitMs(1'000'600), std::nullopt); // only an advance brings it nearer
        QCOMPARE(clock.advance(100)->now, 1'000'600);
        QCOMPARE(clock.realWaitMs(1'000'600), 0);
    }

    void switchingBackToRealCarriesTheTimeReached()
    {
        std::atomic<qint64> source { 1'000'000 };
        EngineClock clock([&source] { return source.load(); }, true);
        clock.advance(hour);
        source += 5'000; // real time passed while virtual: the clock must not jump back to it
        const EngineClock::State real = clock.setVirtual(false);
        QVERIFY(!real.isVirtual);
        QCOMPARE(real.now, 1'000'000 + hour);
        QCOMPARE(real.offsetMs, hour - 5'000);
        source += 250; // and goes on at the wall's pace from there
        QCOMPARE(clock.now(), 1'000'000 + hour + 250);
        QCOMPARE(clock.advance(1), std::nullopt); // a real clock is not advanced
    }

    void anAdvanceWakesAWaiter()
    {
        EngineClock clock({}, true);
        CancelToken token(-1, clock);
        std::atomic<bool> done { false };
        std::thread waiter([&] {
            token.waitFor(day);
            done = true;
        });
        QTest::qWait(20); // let it fall asleep (a wake before it sleeps is not lost either)
        QVERIFY(!done);
        clock.advance(day);
        QTRY_VERIFY(done.load());
        waiter.join();
    }

    // --- /clock over HTTP ----------------------------------------------------------------------

    void clockIsRealByDefaultAndRefusesBadBodies()
    {
        startServer();
        const HttpResult got = m_http.get(QStringLiteral("/clock"));
        QCOMPARE(got.status, 200);
        QCOMPARE(got.json().value(QLatin1StringView("virtual")).toBool(), false);
        QCOMPARE(got.json().value(QLatin1StringView("offset_ms")).toInteger(), 0);
        QVERIFY(!got.json().value(QLatin1StringView("now_iso")).toString().isEmpty());

        HttpResult result = m_http.postJson(QStringLiteral("/clock"), { { QStringLiteral("advance_ms"), 1000 } });
        QCOMPARE(result.status, 409);
        QCOMPARE(result.errorCode(), QStringLiteral("clock_not_virtual"));
        result
            = m_http.postJson(QStringLiteral("/clock"), { { QStringLiteral("advance"), QStringLiteral("next_due") } });
        QCOMPARE(result.status, 409);
        QCOMPARE(result.errorCode(), QStringLiteral("clock_not_virtual"));

        const QList<QByteArray> bad { R"({})", R"({"advance_ms":-5})", R"({"advance_ms":0})", R"({"advance_ms":1.5})",
            R"({"advance_ms":"60000"})", R"({"mode":"fast"})", R"({"advance":"tomorrow"})",
            R"({"mode":"virtual","advance_ms":5})", R"({"speed":2})" };
        for (const QByteArray& body : bad) {
            result = m_http.post(QStringLiteral("/clock"), body);
            QVERIFY2(result.status == 400, body.constData());
            QCOMPARE(result.errorCode(), QStringLiteral("invalid_field"));
        }
        QCOMPARE(m_http.post(QStringLiteral("/clock"), "not json").status, 400);
        QCOMPARE(m_http.request("POST", QStringLiteral("/clock"), "{}", "text/plain").status, 415);
        QCOMPARE(m_http.request("DELETE", QStringLiteral("/clock")).status, 405);
        QCOMPARE(m_http.get(QStringLiteral("/clock")).json().value(QLatin1StringView("virtual")).toBool(), false);

        goVirtual();
        result
            = m_http.postJson(QStringLiteral("/clock"), { { QStringLiteral("advance"), QStringLiteral("next_due") } });
        QCOMPARE(result.status, 409);
        QCOMPARE(result.errorCode(), QStringLiteral("nothing_due"));
    }

    void aJobForTomorrowRunsAfterOneAdvanceAndNotBefore()
    {
        startServer();
        const qint64 frozen = goVirtual().value(QLatin1StringView("now")).toInteger();
        const QString id = submit({ { QStringLiteral("type"), QStringLiteral("echo") },
            { QStringLiteral("payload"), QStringLiteral("hello") }, { QStringLiteral("delay_ms"), day } });
        QTRY_COMPARE(statusOf(id), QStringLiteral("scheduled"));
        QJsonObject scheduled = job(id);
        QCOMPARE(msOf(scheduled.value(QLatin1StringView("created_at"))), frozen); // stored times follow the clock
        QCOMPARE(msOf(scheduled.value(QLatin1StringView("run_at"))), frozen + day);

        QCOMPARE(advance(day - 1).value(QLatin1StringView("now")).toInteger(), frozen + day - 1);
        QCOMPARE(statusOf(id), QStringLiteral("scheduled")); // due jobs are queued before /clock answers
        QCOMPARE(advance(1).value(QLatin1StringView("now")).toInteger(), frozen + day);
        QTRY_COMPARE(statusOf(id), QStringLiteral("succeeded"));
        const QJsonObject done = job(id);
        QCOMPARE(msOf(done.value(QLatin1StringView("started_at"))), frozen + day);
        QCOMPARE(done.value(QLatin1StringView("result")).toString(), QStringLiteral("hello"));
    }

    void advanceToNextDueStopsAtTheFirstScheduledJob()
    {
        startServer();
        const qint64 frozen = goVirtual().value(QLatin1StringView("now")).toInteger();
        const QString later
            = submit({ { QStringLiteral("type"), QStringLiteral("echo") }, { QStringLiteral("delay_ms"), 2 * hour } });
        const QString sooner
            = submit({ { QStringLiteral("type"), QStringLiteral("echo") }, { QStringLiteral("delay_ms"), hour } });
        QTRY_COMPARE(statusOf(later), QStringLiteral("scheduled"));
        QTRY_COMPARE(statusOf(sooner), QStringLiteral("scheduled"));
        QCOMPARE(clockPost({ { QStringLiteral("advance"), QStringLiteral("next_due") } })
                     .value(QLatin1StringView("now"))
                     .toInteger(),
            frozen + hour);
        QTRY_COMPARE(statusOf(sooner), QStringLiteral("succeeded"));
        QCOMPARE(statusOf(later), QStringLiteral("scheduled"));
        clockPost({ { QStringLiteral("advance"), QStringLiteral("next_due") } });
        QTRY_COMPARE(statusOf(later), QStringLiteral("succeeded"));
        QCOMPARE(clockNow(), frozen + 2 * hour);
    }

    void fiveAttemptsWithBackoffTakeVirtualMinutesAndRealMilliseconds()
    {
        EngineConfig config;
        config.retryBaseMs = minute; // 1, 2, 4 and 8 minutes between the attempts (+-20% jitter)
        config.retryMaxMs = hour;
        startServer(config);
        QElapsedTimer real;
        real.start();
        goVirtual();
        const QString id = submit({ { QStringLiteral("type"), QStringLiteral("fail") },
            { QStringLiteral("payload"), QJsonObject { { QStringLiteral("message"), QStringLiteral("flaky") } } },
            { QStringLiteral("max_attempts"), 5 } });
        qint64 virtualSpan = 0;
        for (int attempt = 1; attempt < 5; ++attempt) {
            QTRY_COMPARE(job(id).value(QLatin1StringView("attempts")).toInt(), attempt);
            QTRY_COMPARE(statusOf(id), QStringLiteral("scheduled"));
            const QJsonObject failed = job(id);
            const qint64 finishedAt = msOf(failed.value(QLatin1StringView("history"))
                                               .toArray()
                                               .last()
                                               .toObject()
                                               .value(QLatin1StringView("finished_at")));
            const qint64 backoff = msOf(failed.value(QLatin1StringView("run_at"))) - finishedAt;
            const qint64 base = minute << (attempt - 1);
            QVERIFY2(backoff >= base * 8 / 10 && backoff <= base * 12 / 10,
                qPrintable(QStringLiteral("attempt %1: backoff %2 ms").arg(attempt).arg(backoff)));
            // Nothing runs early: a millisecond before its due time the retry still waits.
            advance(finishedAt + backoff - 1 - clockNow());
            QCOMPARE(statusOf(id), QStringLiteral("scheduled"));
            advance(1);
            virtualSpan += backoff;
        }
        QTRY_COMPARE(statusOf(id), QStringLiteral("failed"));
        const QJsonArray history = job(id).value(QLatin1StringView("history")).toArray();
        QCOMPARE(history.size(), 5);
        for (const QJsonValue& attempt : history)
            QCOMPARE(attempt.toObject()
                         .value(QLatin1StringView("error"))
                         .toObject()
                         .value(QLatin1StringView("code"))
                         .toString(),
                QStringLiteral("job_failed"));
        const qint64 realMs = real.elapsed();
        qInfo("five attempts: %lld ms of virtual backoff in %lld ms of real time", qlonglong(virtualSpan),
            qlonglong(realMs));
        QVERIFY(virtualSpan >= 12 * minute); // 15 minutes, less the jitter
        QVERIFY2(realMs < virtualSpan / 10, qPrintable(QString::number(realMs))); // nothing waited out the backoff
    }

    void aTimeoutFiresOnAdvance()
    {
        startServer();
        goVirtual();
        const QString id = submit({ { QStringLiteral("type"), QStringLiteral("sleep") },
            { QStringLiteral("payload"), QJsonObject { { QStringLiteral("ms"), hour } } },
            { QStringLiteral("timeout_ms"), minute } });
        QTRY_COMPARE(statusOf(id), QStringLiteral("running"));
        advance(minute - 1);
        // The sleeping handler woke and reported its progress: the advance reached it, in time.
        QTRY_VERIFY(job(id).value(QLatin1StringView("progress")).toDouble() > 0.01);
        QCOMPARE(statusOf(id), QStringLiteral("running"));
        advance(1);
        QTRY_COMPARE(statusOf(id), QStringLiteral("failed"));
        QCOMPARE(job(id).value(QLatin1StringView("error")).toObject().value(QLatin1StringView("code")).toString(),
            QStringLiteral("timeout"));
    }

    void aSleepJobEndsWhenTheClockPassesItsDuration()
    {
        startServer();
        goVirtual();
        const QString id = submit({ { QStringLiteral("type"), QStringLiteral("sleep") },
            { QStringLiteral("payload"), QJsonObject { { QStringLiteral("ms"), hour } } } });
        QTRY_COMPARE(statusOf(id), QStringLiteral("running"));
        advance(hour / 2);
        QTRY_VERIFY(job(id).value(QLatin1StringView("progress")).toDouble() >= 0.5);
        QCOMPARE(statusOf(id), QStringLiteral("running"));
        advance(hour / 2);
        QTRY_COMPARE(statusOf(id), QStringLiteral("succeeded"));
        QCOMPARE(job(id).value(QLatin1StringView("result")).toObject().value(QLatin1StringView("slept_ms")).toInteger(),
            hour);
    }

    void leasesExpireAndWorkersGoOnAdvance()
    {
        EngineConfig config;
        config.workerGoneMs = 2 * minute;
        startServer(config);
        goVirtual();
        QCOMPARE(m_http
                     .postJson(QStringLiteral("/workers"),
                         { { QStringLiteral("id"), QStringLiteral("w1") },
                             { QStringLiteral("job_types"), QJsonArray { QStringLiteral("resize") } } })
                     .status,
            200);
        const QString id
            = submit({ { QStringLiteral("type"), QStringLiteral("resize") }, { QStringLiteral("max_attempts"), 2 } });
        const HttpResult leased = m_http.postJson(QStringLiteral("/workers/w1/lease"),
            { { QStringLiteral("wait_ms"), 5000 }, { QStringLiteral("reserve_for_ms"), minute } });
        QCOMPARE(leased.json().value(QLatin1StringView("leases")).toArray().size(), 1);

        advance(minute - 1);
        QCOMPARE(statusOf(id), QStringLiteral("running"));
        advance(1);
        QCOMPARE(statusOf(id), QStringLiteral("scheduled")); // its retry, after the backoff
        QCOMPARE(job(id)
                     .value(QLatin1StringView("history"))
                     .toArray()
                     .first()
                     .toObject()
                     .value(QLatin1StringView("error"))
                     .toObject()
                     .value(QLatin1StringView("code"))
                     .toString(),
            QStringLiteral("lease_expired"));

        const auto workerState = [this] {
            return m_http.get(QStringLiteral("/workers"))
                .json()
                .value(QLatin1StringView("workers"))
                .toArray()
                .first()
                .toObject()
                .value(QLatin1StringView("state"))
                .toString();
        };
        QCOMPARE(workerState(), QStringLiteral("idle"));
        advance(minute); // two minutes since it was last seen
        QCOMPARE(workerState(), QStringLiteral("gone"));
    }

    void theDrainDeadlineFollowsTheClock()
    {
        EngineConfig config;
        config.virtualClock = true;
        config.workers = 1;
        m_engine = startedEngine(config);
        const Job job = submitOne(*m_engine, spec(QStringLiteral("sleep"), sleepMs(int(hour))));
        QTRY_COMPARE(::statusOf(*m_engine, job.id), JobStatus::Running);
        m_engine->stop(int(minute));
        QCOMPARE(m_engine->state(), EngineState::Draining);
        std::get<EngineClock::State>(m_engine->advanceClock(minute - 1));
        QCOMPARE(m_engine->state(), EngineState::Draining);
        std::get<EngineClock::State>(m_engine->advanceClock(1));
        QTRY_COMPARE(m_engine->state(), EngineState::Stopped);
        QCOMPARE(::statusOf(*m_engine, job.id), JobStatus::Queued); // back in its queue for the next start
    }

    void switchingBackToRealKeepsTimeAndOrder()
    {
        startServer();
        const qint64 frozen = goVirtual().value(QLatin1StringView("now")).toInteger();
        advance(day);
        const QString second
            = submit({ { QStringLiteral("type"), QStringLiteral("echo") }, { QStringLiteral("delay_ms"), 400 } });
        const QString first
            = submit({ { QStringLiteral("type"), QStringLiteral("echo") }, { QStringLiteral("delay_ms"), 200 } });
        QTRY_COMPARE(statusOf(second), QStringLiteral("scheduled"));
        const QJsonObject real = clockPost({ { QStringLiteral("mode"), QStringLiteral("real") } });
        QCOMPARE(real.value(QLatin1StringView("virtual")).toBool(), false);
        QVERIFY(real.value(QLatin1StringView("now")).toInteger() >= frozen + day); // never back
        QVERIFY(real.value(QLatin1StringView("offset_ms")).toInteger() > day - hour);
        // Due 200 and 400 ms on from there, in real time now, in their order.
        QTRY_COMPARE(statusOf(second), QStringLiteral("succeeded"));
        QCOMPARE(statusOf(first), QStringLiteral("succeeded"));
        QVERIFY(msOf(job(first).value(QLatin1StringView("started_at")))
            < msOf(job(second).value(QLatin1StringView("started_at"))));
        QVERIFY(msOf(job(first).value(QLatin1StringView("started_at"))) >= frozen + day + 200);
        QVERIFY(clockNow() >= real.value(QLatin1StringView("now")).toInteger());
    }

    void theBinaryStartsWithAVirtualClock()
    {
        QueueLabProcess process;
        QVERIFY(process.start({ QStringLiteral("--in-memory"), QStringLiteral("--clock"), QStringLiteral("virtual") }));
        TestHttp http(process.url());
        QCOMPARE(http.get(QStringLiteral("/clock")).json().value(QLatin1StringView("virtual")).toBool(), true);
        QueueLabProcess refused;
        QVERIFY(!refused.start({ QStringLiteral("--in-memory"), QStringLiteral("--clock"), QStringLiteral("fast") }));
    }
};

QTEST_MAIN(TestVirtualClock)
#include "tst_virtualclock.moc"
