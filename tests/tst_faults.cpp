#include "enginetesting.h"
#include "queuelabprocess.h"
#include "server.h"
#include "snapshotspy.h"
#include "testhttp.h"

#include <QJsonArray>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <atomic>

using namespace Qt::StringLiterals;

// Injected faults through /faults, each against a real server on 127.0.0.1, port 0, and real
// requests; the store fault against the real binary, killed with SIGKILL while it is on.
class TestFaults : public QObject
{
    Q_OBJECT
private:
    std::atomic<qint64> m_clock { 0 }; // the engine's, when a test drives it
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Server> m_server;
    TestHttp m_http;

    void startServer(EngineConfig config = {})
    {
        config.workers = 2;
        config.retryBaseMs = 1;
        config.retryMaxMs = 2;
        m_engine = startedEngine(config);
        ServerConfig serverConfig;
        serverConfig.port = 0;
        m_server = std::make_unique<Server>(serverConfig, m_engine.get());
        QString error;
        if (!m_server->start(&error))
            qFatal("server failed to start: %s", qPrintable(error));
        m_http.setBase(m_server->url());
    }
    void startWithManualClock()
    {
        m_clock = 1'800'000'000'000;
        EngineConfig config;
        config.clock = [this] { return m_clock.load(); };
        startServer(config);
    }

    QString addFault(const QJsonObject& fault)
    {
        const HttpResult added = m_http.postJson(u"/faults"_s, fault);
        if (added.status != 201)
            qFatal("POST /faults: %d %s", added.status, added.body.constData());
        return added.json().value("id"_L1).toString();
    }
    QJsonObject faultById(const QString& id)
    {
        for (const QJsonValue fault : m_http.get(u"/faults"_s).json().value("faults"_L1).toArray()) {
            if (fault["id"_L1].toString() == id)
                return fault.toObject();
        }
        return {};
    }
    // Submits `count` echo jobs in batches; returns their ids.
    QStringList submitEchoes(int count, const QString& queue, int maxAttempts = 1)
    {
        QStringList ids;
        constexpr int batchSize = 2000;
        for (int done = 0; done < count; done += batchSize) {
            QJsonArray jobs;
            for (int i = done; i < std::min(count, done + batchSize); ++i)
                jobs.append(QJsonObject { { u"type"_s, u"echo"_s }, { u"queue"_s, queue }, { u"payload"_s, i },
                    { u"max_attempts"_s, maxAttempts } });
            const HttpResult result = m_http.postJson(u"/jobs/batch"_s, QJsonObject { { u"jobs"_s, jobs } });
            if (result.status != 202)
                qFatal("POST /jobs/batch: %d %s", result.status, result.body.constData());
            for (const QJsonValue job : result.json().value("jobs"_L1).toArray())
                ids.append(job["id"_L1].toString());
        }
        return ids;
    }
    qint64 finished()
    {
        const EngineStats stats = m_engine->stats();
        return stats.counts[std::size_t(JobStatus::Succeeded)] + stats.counts[std::size_t(JobStatus::Failed)];
    }
    // One request on a connection of its own (a client library would resend a dropped GET):
    // whether any answer came before the connection closed.
    static bool answered(const QUrl& url, const QByteArray& request)
    {
        QTcpSocket socket;
        socket.connectToHost(url.host(), quint16(url.port()));
        if (!socket.waitForConnected(5000))
            qFatal("cannot connect");
        socket.write(request);
        QByteArray answer;
        QElapsedTimer waited;
        waited.start();
        while (socket.state() == QAbstractSocket::ConnectedState && !answer.contains("\r\n\r\n")
            && waited.elapsed() < 15000) {
            socket.waitForReadyRead(5000);
            answer += socket.readAll();
        }
        return answer.startsWith("HTTP/1.1 200");
    }
    qint64 count(JobStatus status) { return m_engine->stats().counts[std::size_t(status)]; }
    QJsonObject jobJson(const QString& id) { return m_http.get(u"/jobs/"_s + id).json(); }
    static double metric(const QByteArray& text, const QByteArray& name)
    {
        for (const QByteArray& line : text.split('\n')) {
            if (line.startsWith(QByteArray(name + ' ')))
                return line.mid(name.size() + 1).toDouble();
        }
        return -1;
    }

private Q_SLOTS:
    void cleanup()
    {
        m_server.reset();
        m_engine.reset();
    }

    void aShareOfAttemptsFailsMarkedAndCounted()
    {
        startServer();
        const QString id = addFault({ { u"kind"_s, u"fail_attempts"_s }, { u"queue"_s, u"mail"_s },
            { u"percent"_s, 30 }, { u"seed"_s, 7 }, { u"error_message"_s, u"the mail server said no"_s } });
        submitEchoes(500, u"reports"_s);
        submitEchoes(10000, u"mail"_s);
        QTRY_COMPARE_WITH_TIMEOUT(finished(), 10500, 60000);

        // 30 % of the queue's attempts, within 3 points; the other queue untouched.
        const QJsonObject fault = faultById(id);
        QCOMPARE(fault["chances"_L1].toInteger(), 10000);
        const qint64 failed = count(JobStatus::Failed);
        QCOMPARE(fault["injected"_L1].toInteger(), failed);
        qInfo("fail_attempts at 30 %%: %lld of 10000 attempts failed", failed);
        QVERIFY2(failed >= 2700 && failed <= 3300, qPrintable(QString::number(failed)));
        JobQuery otherQueue;
        otherQueue.status = JobStatus::Failed;
        otherQueue.queue = u"reports"_s;
        QCOMPARE(m_engine->listJobs(otherQueue).jobs.size(), 0);

        // Each failure says it was injected, and by which fault, in the job and its attempt.
        JobQuery query;
        query.status = JobStatus::Failed;
        query.limit = 1;
        const Job example = m_engine->listJobs(query).jobs.value(0);
        const QJsonObject error = jobJson(QString::number(example.id))["history"_L1][0]["error"_L1].toObject();
        QCOMPARE(error["code"_L1].toString(), u"injected"_s);
        QCOMPARE(error["fault"_L1].toString(), id);
        QCOMPARE(error["message"_L1].toString(), u"the mail server said no"_s);

        const QByteArray metrics = m_http.get(u"/metrics"_s).body;
        QCOMPARE(metric(metrics, "queuelab_faults_injected_total{kind=\"fail_attempts\"}"), double(failed));
        QCOMPARE(metric(metrics, "queuelab_faults_active"), 1.0);
    }

    void failedAttemptsRetryAndTheSameSeedStrikesAlike()
    {
        startServer();
        addFault({ { u"kind"_s, u"fail_attempts"_s }, { u"job_type"_s, u"echo"_s }, { u"percent"_s, 100 },
            { u"error_code"_s, u"upstream_503"_s }, { u"phase"_s, u"after"_s } });
        const QString id = submitEchoes(1, u"default"_s, 3).constFirst();
        QTRY_COMPARE(count(JobStatus::Failed), 1);
        const QJsonObject job = jobJson(id);
        QCOMPARE(job["history"_L1].toArray().size(), 3); // every attempt failed, then it stopped
        for (const QJsonValue attempt : job["history"_L1].toArray())
            QCOMPARE(attempt["error"_L1]["code"_L1].toString(), u"upstream_503"_s);
        QCOMPARE(m_http.request("DELETE", u"/faults"_s).json()["removed"_L1].toInt(), 1);
        QCOMPARE(m_http.post(u"/jobs/%1/retry"_s.arg(id), {}).status, 202);
        QTRY_COMPARE(count(JobStatus::Succeeded), 1);

        // A seed makes a run repeatable: the same chances, the same strikes.
        qint64 injected[2] = {};
        for (qint64& result : injected) {
            const QString fault = addFault({ { u"kind"_s, u"fail_attempts"_s }, { u"queue"_s, u"seeded"_s },
                { u"percent"_s, 50 }, { u"seed"_s, 1234 } });
            const qint64 before = finished();
            submitEchoes(400, u"seeded"_s);
            QTRY_COMPARE(finished(), before + 400);
            result = faultById(fault)["injected"_L1].toInteger();
            QCOMPARE(m_http.request("DELETE", u"/faults/"_s + fault).status, 200);
        }
        QCOMPARE(injected[0], injected[1]);
    }

    void aDurationEndsByTheEnginesClock()
    {
        startWithManualClock();
        const QString id = addFault({ { u"kind"_s, u"refuse_submissions"_s }, { u"percent"_s, 100 },
            { u"duration_ms"_s, 60000 }, { u"retry_after_s"_s, 7 } });
        QCOMPARE(faultById(id)["remaining_ms"_L1].toInteger(), 60000);
        const QJsonObject job { { u"type"_s, u"echo"_s } };
        const HttpResult refused = m_http.postJson(u"/jobs"_s, job);
        QCOMPARE(refused.status, 503);
        QCOMPARE(refused.errorCode(), u"injected"_s);
        QCOMPARE(refused.header("Retry-After"), QByteArray("7"));

        m_clock += 59999;
        m_engine->runDueJobs();
        QCOMPARE(m_http.postJson(u"/jobs"_s, job).status, 503); // one ms left
        m_clock += 1;
        m_engine->runDueJobs();
        QVERIFY(m_engine->faults().isEmpty());
        QCOMPARE(m_http.get(u"/faults"_s).json()["faults"_L1].toArray().size(), 0);
        QCOMPARE(m_http.postJson(u"/jobs"_s, job).status, 202);
    }

    void aDurationEndsByItselfOnTheRealClock()
    {
        startServer();
        addFault({ { u"kind"_s, u"http_drop"_s }, { u"duration_ms"_s, 300 } });
        // The engine's timer ends it, with no request asking: the snapshot stops listing it.
        SnapshotSpy snapshots(m_engine.get());
        QTRY_VERIFY(!snapshots.isEmpty() && snapshots.last().at(0).value<EngineSnapshot>().faults.isEmpty());
        QCOMPARE(m_http.get(u"/stats"_s).status, 200);
    }

    void aShareOfSubmissionsIsRefusedWithRetryAfter()
    {
        startServer();
        addFault({ { u"kind"_s, u"refuse_submissions"_s }, { u"queue"_s, u"flaky"_s }, { u"percent"_s, 40 },
            { u"seed"_s, 99 }, { u"retry_after_s"_s, 2 } });
        int refused = 0;
        constexpr int submissions = 1000;
        for (int i = 0; i < submissions; ++i) {
            const HttpResult result
                = m_http.postJson(u"/jobs"_s, { { u"type"_s, u"echo"_s }, { u"queue"_s, u"flaky"_s } });
            if (result.status == 503) {
                ++refused;
                QCOMPARE(result.errorCode(), u"injected"_s);
                QCOMPARE(result.header("Retry-After"), QByteArray("2"));
            } else {
                QCOMPARE(result.status, 202);
            }
        }
        qInfo("refuse_submissions at 40 %%: %d of %d refused", refused, submissions);
        QVERIFY2(refused >= 350 && refused <= 450, qPrintable(QString::number(refused)));
        QTRY_COMPARE(finished(), submissions - refused); // the refused ones were never stored
        QCOMPARE(m_http.postJson(u"/jobs"_s, { { u"type"_s, u"echo"_s } }).status, 202); // other queues pass
    }

    void connectionsAreDroppedAndAnswersDelayed()
    {
        startServer();
        const QString drop = addFault({ { u"kind"_s, u"http_drop"_s }, { u"percent"_s, 50 }, { u"seed"_s, 5 } });
        int dropped = 0;
        constexpr int requests = 400;
        for (int i = 0; i < requests; ++i)
            dropped += answered(m_server->url(), "GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") ? 0 : 1;
        qInfo("http_drop at 50 %%: %d of %d connections closed", dropped, requests);
        QVERIFY2(dropped >= 150 && dropped <= 250, qPrintable(QString::number(dropped)));
        QCOMPARE(faultById(drop)["injected"_L1].toInteger(), dropped); // /faults itself is never dropped
        QCOMPARE(m_http.request("DELETE", u"/faults/"_s + drop).status, 200);

        addFault({ { u"kind"_s, u"http_latency"_s }, { u"latency_ms"_s, 300 }, { u"latency_max_ms"_s, 400 } });
        const HttpResult slow = m_http.get(u"/stats"_s);
        QCOMPARE(slow.status, 200);
        QVERIFY2(slow.elapsedMs >= 300, qPrintable(QString::number(slow.elapsedMs)));
        const QByteArray metrics = m_http.get(u"/metrics"_s).body;
        QCOMPARE(metric(metrics, "queuelab_faults_injected_total{kind=\"http_drop\"}"), double(dropped));
        QVERIFY(metric(metrics, "queuelab_faults_injected_total{kind=\"http_latency\"}") >= 2);
    }

    void runsAreDelayed()
    {
        startServer();
        addFault({ { u"kind"_s, u"run_latency"_s }, { u"job_type"_s, u"echo"_s }, { u"latency_ms"_s, 200 } });
        const QString id = submitEchoes(1, u"default"_s).constFirst();
        QTRY_COMPARE(count(JobStatus::Succeeded), 1);
        const Job job = m_engine->job(JobId(id.toLongLong())).value();
        QVERIFY2(job.finishedAt - job.startedAt >= 200, qPrintable(QString::number(job.finishedAt - job.startedAt)));
    }

    void externalWorkersLoseLeasesGetNoneAndAreDropped()
    {
        EngineConfig config;
        config.declaredJobTypes = { u"resize"_s };
        startServer(config);
        QCOMPARE(
            m_http.postJson(u"/workers"_s, { { u"id"_s, u"w1"_s }, { u"job_types"_s, QJsonArray { u"resize"_s } } })
                .status,
            200);
        const auto submit = [this] {
            return m_http.postJson(u"/jobs"_s, { { u"type"_s, u"resize"_s }, { u"max_attempts"_s, 5 } })
                .json()["id"_L1]
                .toString();
        };
        const QString job = submit();

        // Lease requests come back empty while empty_leases is on.
        const QString empty = addFault({ { u"kind"_s, u"empty_leases"_s } });
        QCOMPARE(m_http.postJson(u"/workers/w1/lease"_s, {}).json()["leases"_L1].toArray().size(), 0);
        QCOMPARE(m_http.request("DELETE", u"/faults/"_s + empty).status, 200);
        QJsonArray leases = m_http.postJson(u"/workers/w1/lease"_s, {}).json()["leases"_L1].toArray();
        QCOMPARE(leases.size(), 1);
        const QString token = leases[0]["token"_L1].toString();

        // expire_leases ends the leases in scope now; the worker's token is void.
        const HttpResult expired = m_http.postJson(u"/faults"_s, { { u"kind"_s, u"expire_leases"_s } });
        QCOMPARE(expired.status, 201);
        QCOMPARE(expired.json()["affected"_L1].toInt(), 1);
        const QString expiredBy = expired.json()["id"_L1].toString();
        const HttpResult late = m_http.postJson(u"/jobs/%1/lease/complete"_s.arg(job), { { u"token"_s, token } });
        QCOMPARE(late.status, 409);
        QCOMPARE(late.errorCode(), u"lease_lost"_s);
        const QJsonObject attempt = jobJson(job)["history"_L1][0].toObject();
        QCOMPARE(attempt["error"_L1]["code"_L1].toString(), u"lease_expired"_s);
        QCOMPARE(attempt["error"_L1]["fault"_L1].toString(), expiredBy);

        // drop_worker: gone at once, its leases expire, its calls are refused until it ends.
        // Leasing has a side effect: asked until it answers, not asked again to check.
        QVERIFY(QTest::qWaitFor(
            [this] { return m_http.postJson(u"/workers/w1/lease"_s, {}).json()["leases"_L1].toArray().size() == 1; }));
        const HttpResult dropped
            = m_http.postJson(u"/faults"_s, { { u"kind"_s, u"drop_worker"_s }, { u"worker"_s, u"w1"_s } });
        QCOMPARE(dropped.status, 201);
        QCOMPARE(dropped.json()["affected"_L1].toInt(), 1);
        const QJsonArray workers = m_http.get(u"/workers"_s).json()["workers"_L1].toArray();
        QCOMPARE(workers[0]["state"_L1].toString(), u"gone"_s);
        const HttpResult beat = m_http.post(u"/workers/w1/beat"_s, {});
        QCOMPARE(beat.status, 503);
        QCOMPARE(beat.errorCode(), u"injected"_s);
        QCOMPARE(m_http.postJson(u"/workers"_s, { { u"id"_s, u"w1"_s } }).status, 503);
        QCOMPARE(jobJson(job)["history"_L1].toArray().size(), 2);
        QCOMPARE(m_http.request("DELETE", u"/faults"_s).status, 200);
        QCOMPARE(m_http.post(u"/workers/w1/beat"_s, {}).status, 200);

        const QByteArray metrics = m_http.get(u"/metrics"_s).body;
        QCOMPARE(metric(metrics, "queuelab_faults_injected_total{kind=\"expire_leases\"}"), 1.0);
        QCOMPARE(metric(metrics, "queuelab_faults_injected_total{kind=\"empty_leases\"}"), 1.0);
        QCOMPARE(metric(metrics, "queuelab_faults_injected_total{kind=\"drop_worker\"}"), 3.0); // 1 lease, 2 calls
    }

    void badFaultsAreRefusedWithJsonErrors()
    {
        startServer();
        const auto refused = [this](const QJsonObject& body, const QString& field) {
            const HttpResult result = m_http.postJson(u"/faults"_s, body);
            if (result.status != 400 || result.errorCode() != u"invalid_field"_s
                || !result.errorMessage().startsWith(field))
                qWarning("%d %s", result.status, result.body.constData());
            return result.status == 400 && result.errorCode() == u"invalid_field"_s
                && result.errorMessage().startsWith(field);
        };
        QVERIFY(refused({ { u"kind"_s, u"meteor"_s } }, u"kind"_s));
        QVERIFY(refused({}, u"kind"_s));
        QVERIFY(refused({ { u"kind"_s, u"fail_attempts"_s }, { u"percent"_s, 101 } }, u"percent"_s));
        QVERIFY(refused({ { u"kind"_s, u"fail_attempts"_s }, { u"percnt"_s, 10 } }, u"percnt"_s));
        QVERIFY(refused({ { u"kind"_s, u"http_drop"_s }, { u"queue"_s, u"mail"_s } }, u"queue"_s));
        QVERIFY(refused({ { u"kind"_s, u"run_latency"_s } }, u"latency_ms"_s));
        QVERIFY(refused({ { u"kind"_s, u"drop_worker"_s } }, u"worker"_s));
        QVERIFY(refused({ { u"kind"_s, u"fail_attempts"_s }, { u"duration_ms"_s, -1 } }, u"duration_ms"_s));
        QVERIFY(refused({ { u"kind"_s, u"fail_attempts"_s }, { u"phase"_s, u"during"_s } }, u"phase"_s));
        QVERIFY(refused({ { u"kind"_s, u"store_unavailable"_s }, { u"percent"_s, 50 } }, u"percent"_s));
        const HttpResult missing = m_http.request("DELETE", u"/faults/99"_s);
        QCOMPARE(missing.status, 404);
        QCOMPARE(missing.errorCode(), u"not_found"_s);
        QCOMPARE(m_http.get(u"/faults/99"_s).status, 404);
        QCOMPARE(m_http.get(u"/faults"_s).json()["faults"_L1].toArray().size(), 0); // nothing was switched on
    }

    // The real binary on a real SQLite file: submissions during the fault are refused, and a
    // SIGKILL while it is on loses none of the jobs acknowledged before it.
    void storeUnavailableThenKillLosesNothingAcknowledged()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(u"jobs.db"_s);
        QStringList acknowledged;
        {
            QueueLabProcess queuelab;
            QVERIFY2(queuelab.start({ u"--db"_s, db, u"--workers"_s, u"2"_s }), queuelab.errorTail().constData());
            TestHttp http(queuelab.url());
            for (int i = 0; i < 200; ++i) {
                // Sleep jobs: some are still running when the store goes away, and those run again
                // after the restart (a second attempt).
                const HttpResult result = http.postJson(u"/jobs"_s,
                    { { u"type"_s, u"sleep"_s }, { u"payload"_s, QJsonObject { { u"ms"_s, 20 } } },
                        { u"max_attempts"_s, 3 } });
                QCOMPARE(result.status, 202);
                acknowledged.append(result.json()["id"_L1].toString());
            }
            const HttpResult fault = http.postJson(u"/faults"_s, { { u"kind"_s, u"store_unavailable"_s } });
            QCOMPARE(fault.status, 201);
            for (int i = 0; i < 20; ++i) {
                const HttpResult refused = http.postJson(u"/jobs"_s, { { u"type"_s, u"echo"_s } });
                QCOMPARE(refused.status, 503);
                QCOMPARE(refused.errorCode(), u"storage_unavailable"_s);
                QVERIFY(!refused.header("Retry-After").isEmpty());
            }
            const HttpResult retry = http.post(u"/jobs/%1/retry"_s.arg(acknowledged.constFirst()), {});
            QVERIFY(retry.status == 503 || retry.status == 409); // refused either way, never accepted
            queuelab.signal(SIGKILL);
            QVERIFY(queuelab.waitForExit());
        }
        QueueLabProcess restarted;
        QVERIFY2(restarted.start({ u"--db"_s, db }), restarted.errorTail().constData());
        TestHttp http(restarted.url());
        QCOMPARE(http.get(u"/faults"_s).json()["faults"_L1].toArray().size(), 0); // not persisted
        for (const QString& id : std::as_const(acknowledged))
            QCOMPARE(http.get(u"/jobs/"_s + id).status, 200);
        // Those that ran during the fault had their outcome unwritten: they run again.
        QTRY_COMPARE_WITH_TIMEOUT(
            http.get(u"/stats"_s).json()["counts"_L1]["succeeded"_L1].toInt(), int(acknowledged.size()), 60000);
        int stored = 0; // none of the refused ones
        const QJsonObject counts = http.get(u"/stats"_s).json()["counts"_L1].toObject();
        for (auto it = counts.begin(); it != counts.end(); ++it)
            stored += it.value().toInt();
        QCOMPARE(stored, int(acknowledged.size()));
    }
};

QTEST_MAIN(TestFaults)
#include "tst_faults.moc"
