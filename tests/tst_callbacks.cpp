#include "enginetesting.h"
#include "server.h"
#include "store/sqlite/sqlitejobstore.h"
#include "testhttp.h"

#include <QJsonArray>
#include <QMessageAuthenticationCode>
#include <QScopeGuard>
#include <QTemporaryDir>

#include <atomic>

using namespace Qt::StringLiterals;

// Completion callbacks through real HTTP: a job with callback_url delivers its final JSON to the
// built-in sink once it succeeds, fails after its last attempt or is cancelled, as an http job of
// its own (signed, retried), and the callback survives a restart with the SQLite store.
class TestCallbacks : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Server> m_server;
    TestHttp m_http;
    const QByteArray m_key = "callback test key";
    const QString m_secret = u"whsec_"_s + QString::fromLatin1(m_key.toBase64());

    static EngineConfig config(const QString& secret)
    {
        EngineConfig config;
        config.workers = 2;
        config.retryBaseMs = 10;
        config.retryMaxMs = 20;
        config.handlers.webhookSecret = secret;
        return config;
    }
    void startServer(std::unique_ptr<Engine> engine)
    {
        m_server.reset();
        m_engine = std::move(engine);
        ServerConfig serverConfig;
        serverConfig.port = 0;
        m_server = std::make_unique<Server>(serverConfig, m_engine.get());
        QString error;
        QVERIFY2(m_server->start(&error), qPrintable(error));
        m_http.setBase(m_server->url());
    }
    QString sinkUrl(const QString& sink) const { return m_server->url().toString() + u"/sink/"_s + sink; }
    QJsonArray requestsOf(const QString& sink)
    {
        return m_http.get(u"/sinks/"_s + sink).json().value("requests"_L1).toArray();
    }
    QJsonObject jobJson(const QString& id) { return m_http.get(u"/jobs/"_s + id).json(); }
    QString apiStatus(const QString& id) { return jobJson(id).value("status"_L1).toString(); }
    QString submitted(const QJsonObject& job)
    {
        const HttpResult answer = m_http.postJson(u"/jobs"_s, job);
        if (answer.status != 202)
            qFatal("submission refused: %d %s", answer.status, answer.body.constData());
        return answer.json().value("id"_L1).toString();
    }
    // The callback job of a finished job, once it is queued; empty (and the test failed) if none comes.
    QString callbackJobOf(const QString& id)
    {
        QString callback;
        const auto wait
            = [&] { QTRY_VERIFY(!(callback = jobJson(id).value("callback"_L1)["job_id"_L1].toString()).isEmpty()); };
        wait();
        return callback;
    }
    // The one request the sink received once the callback job succeeded; its body must be the
    // job's final JSON as GET /jobs/{id} shows it. Empty (and the test failed) otherwise.
    QJsonObject deliveredFinalState(const QString& sink, const QString& id)
    {
        QJsonObject request;
        const auto check = [&] {
            const QString callback = callbackJobOf(id);
            QVERIFY(!callback.isEmpty());
            QTRY_COMPARE_WITH_TIMEOUT(apiStatus(callback), u"succeeded"_s, 10000);
            const QJsonArray requests = requestsOf(sink);
            QCOMPARE(requests.size(), 1);
            request = requests.at(0).toObject();
            const QJsonObject body = QJsonDocument::fromJson(request.value("body"_L1).toString().toUtf8()).object();
            QCOMPARE(body, jobJson(id));
        };
        check();
        return request;
    }

private Q_SLOTS:
    void init() { startServer(startedEngine(config(m_secret))); }
    void cleanup()
    {
        m_server.reset();
        m_engine.reset();
    }

    void deliversTheFinalJsonOnceTheJobSucceeds()
    {
        const QString id = submitted({ { u"type"_s, u"echo"_s }, { u"payload"_s, QJsonObject { { u"n"_s, 1 } } },
            { u"callback_url"_s, sinkUrl(u"done"_s) } });
        QTRY_COMPARE(apiStatus(id), u"succeeded"_s);
        const QJsonObject request = deliveredFinalState(u"done"_s, id);
        if (QTest::currentTestFailed())
            return;
        const QJsonObject body = QJsonDocument::fromJson(request.value("body"_L1).toString().toUtf8()).object();
        QCOMPARE(body.value("status"_L1).toString(), u"succeeded"_s);
        QCOMPARE(body.value("callback"_L1)["url"_L1].toString(), sinkUrl(u"done"_s));

        const QString callback = callbackJobOf(id);
        const QJsonObject headers = request.value("headers"_L1).toObject();
        QCOMPARE(request.value("method"_L1).toString(), u"POST"_s);
        QCOMPARE(headers.value("X-QueueLab-Job-Id"_L1).toString(), callback);
        QCOMPARE(headers.value("X-QueueLab-Callback-For"_L1).toString(), id);
        QCOMPARE(headers.value("X-QueueLab-Queue"_L1).toString(), u"callbacks"_s);
        QCOMPARE(headers.value("X-QueueLab-Attempt"_L1).toString(), u"1"_s);
        QCOMPARE(headers.value("Content-Type"_L1).toString(), u"application/json"_s);

        // Signed: the Standard Webhooks reference algorithm, computed here from the key.
        const QByteArray messageId = headers.value("webhook-id"_L1).toString().toLatin1();
        const QByteArray timestamp = headers.value("webhook-timestamp"_L1).toString().toLatin1();
        const QByteArray expected = "v1,"
            + QMessageAuthenticationCode::hash(
                messageId + '.' + timestamp + '.' + request.value("body"_L1).toString().toUtf8(), m_key,
                QCryptographicHash::Sha256)
                  .toBase64();
        QCOMPARE(headers.value("webhook-signature"_L1).toString().toLatin1(), expected);
        QCOMPARE(request.value("signature"_L1).toString(), u"verified"_s);

        const QJsonObject callbackJob = jobJson(callback);
        QCOMPARE(callbackJob.value("type"_L1).toString(), u"http"_s);
        QCOMPARE(callbackJob.value("queue"_L1).toString(), u"callbacks"_s);
        QCOMPARE(callbackJob.value("callback_for"_L1).toString(), id);
    }

    void deliversAFailureOnlyAfterTheLastAttempt()
    {
        const QString id = submitted({ { u"type"_s, u"fail"_s }, { u"max_attempts"_s, 3 },
            { u"payload"_s, QJsonObject { { u"message"_s, u"no luck"_s } } },
            { u"callback_url"_s, sinkUrl(u"failed"_s) } });
        QTRY_COMPARE(apiStatus(id), u"failed"_s);
        const QJsonObject request = deliveredFinalState(u"failed"_s, id);
        if (QTest::currentTestFailed())
            return;
        const QJsonObject body = QJsonDocument::fromJson(request.value("body"_L1).toString().toUtf8()).object();
        QCOMPARE(body.value("attempts"_L1).toInt(), 3);
        QCOMPARE(body.value("history"_L1).toArray().size(), 3);
        QCOMPARE(body.value("error"_L1)["message"_L1].toString(), u"no luck"_s);
    }

    void deliversACancellation()
    {
        const QString id = submitted(
            { { u"type"_s, u"echo"_s }, { u"delay_ms"_s, 3600000 }, { u"callback_url"_s, sinkUrl(u"cancelled"_s) } });
        QCOMPARE(jobJson(id).value("callback"_L1)["job_id"_L1], QJsonValue(QJsonValue::Null)); // not finished yet
        QCOMPARE(m_http.request("DELETE", u"/jobs/"_s + id).status, 200);
        const QJsonObject request = deliveredFinalState(u"cancelled"_s, id);
        if (QTest::currentTestFailed())
            return;
        const QJsonObject body = QJsonDocument::fromJson(request.value("body"_L1).toString().toUtf8()).object();
        QCOMPARE(body.value("status"_L1).toString(), u"cancelled"_s);
    }

    void aCallbackRetriesAsTheSinkAsks()
    {
        QCOMPARE(
            m_http.request("PUT", u"/sinks/busy/script"_s, R"({"steps":[{"status":503,"times":2},{"status":200}]})")
                .status,
            200);
        const QString id = submitted({ { u"type"_s, u"echo"_s }, { u"callback_url"_s, sinkUrl(u"busy"_s) } });
        const QString callback = callbackJobOf(id);
        QTRY_COMPARE_WITH_TIMEOUT(apiStatus(callback), u"succeeded"_s, 10000);
        const QJsonObject callbackJob = jobJson(callback);
        QCOMPARE(callbackJob.value("attempts"_L1).toInt(), 3);
        const QJsonArray history = callbackJob.value("history"_L1).toArray();
        QCOMPARE(history.size(), 3);
        QCOMPARE(history.at(0)["delivery"_L1]["response"_L1]["status"_L1].toInt(), 503);
        QCOMPARE(history.at(2)["delivery"_L1]["response"_L1]["status"_L1].toInt(), 200);
        const QJsonArray requests = requestsOf(u"busy"_s);
        QCOMPARE(requests.size(), 3);
        // One message, three attempts: receivers deduplicate on its id.
        const QString messageId = requests.at(0)["headers"_L1]["webhook-id"_L1].toString();
        QVERIFY(!messageId.isEmpty());
        for (const QJsonValue& request : requests)
            QCOMPARE(request["headers"_L1]["webhook-id"_L1].toString(), messageId);
    }

    void aCallbackHasNoCallbackOfItsOwn()
    {
        const QString id = submitted({ { u"type"_s, u"echo"_s }, { u"callback_url"_s, sinkUrl(u"once"_s) } });
        const QString callback = callbackJobOf(id);
        QTRY_COMPARE_WITH_TIMEOUT(apiStatus(callback), u"succeeded"_s, 10000);
        QVERIFY(!jobJson(callback).contains("callback"_L1));
        // A callback of the callback would have taken the next id when the callback finished.
        QCOMPARE(m_engine->lastJobId(), callback.toLongLong());
        QCOMPARE(requestsOf(u"once"_s).size(), 1);
    }

    void refusesTargetsOutsideThePolicy()
    {
        const QJsonObject far { { u"type"_s, u"echo"_s }, { u"queue"_s, u"held"_s },
            { u"callback_url"_s, u"http://192.0.2.10:8080/hook"_s } };
        const HttpResult refused = m_http.postJson(u"/jobs"_s, far);
        QCOMPARE(refused.status, 403);
        QCOMPARE(refused.errorCode(), u"target_not_allowed"_s);
        QVERIFY2(refused.errorMessage().contains(u"--allow-http-target 192.0.2.10:8080"_s),
            qPrintable(refused.errorMessage()));
        QVERIFY2(refused.errorMessage().contains(u"callback_url"_s), qPrintable(refused.errorMessage()));

        const QJsonObject batch { { u"jobs"_s, QJsonArray { QJsonObject { { u"type"_s, u"echo"_s } }, far } } };
        const HttpResult batchRefused = m_http.postJson(u"/jobs/batch"_s, batch);
        QCOMPARE(batchRefused.status, 403);
        QCOMPARE(batchRefused.errorCode(), u"target_not_allowed"_s);
        QCOMPARE(m_engine->lastJobId(), JobId(0)); // all or none

        for (const QString& malformed : { u"ftp://127.0.0.1/x"_s, u"not a url"_s, u"http://user@127.0.0.1/"_s }) {
            const HttpResult bad = m_http.postJson(
                u"/jobs"_s, QJsonObject { { u"type"_s, u"echo"_s }, { u"callback_url"_s, malformed } });
            QCOMPARE(bad.status, 400);
            QCOMPARE(bad.errorCode(), u"invalid_field"_s);
            QVERIFY2(bad.errorMessage().contains(u"callback_url"_s) || bad.body.contains("callback_url"),
                bad.body.constData());
        }
        QCOMPARE(m_http.postJson(u"/jobs"_s, QJsonObject { { u"type"_s, u"echo"_s }, { u"callback_url"_s, 3 } }).status,
            400);

        // Allowed from the dashboard (the engine's setter) for the submissions that follow.
        QVERIFY(std::holds_alternative<QueueInfo>(m_engine->setQueuePaused(u"held"_s, true)));
        QVERIFY(std::holds_alternative<QStringList>(m_engine->setAllowedHttpTargets({ u"192.0.2.10:8080"_s })));
        QCOMPARE(m_http.postJson(u"/jobs"_s, far).status, 202);
        QVERIFY(std::holds_alternative<EngineError>(m_engine->setAllowedHttpTargets({ u"not a host/"_s })));
        QCOMPARE(m_engine->allowedHttpTargets(), QStringList { u"192.0.2.10:8080"_s });
    }

    void theSecretSetFromTheDashboardSignsTheNextDelivery()
    {
        startServer(startedEngine(config({})));
        submitted({ { u"type"_s, u"echo"_s }, { u"callback_url"_s, sinkUrl(u"plain"_s) } });
        QTRY_COMPARE(requestsOf(u"plain"_s).size(), 1);
        QCOMPARE(requestsOf(u"plain"_s).at(0)["signature"_L1].toString(), u"unchecked"_s);
        QVERIFY(!requestsOf(u"plain"_s).at(0)["headers"_L1].toObject().contains("webhook-signature"_L1));

        QVERIFY(std::holds_alternative<EngineError>(m_engine->setWebhookSecret(u"not a secret"_s)));
        QVERIFY(std::holds_alternative<QString>(m_engine->setWebhookSecret(m_secret)));
        QCOMPARE(m_engine->webhookSecret(), m_secret);
        submitted({ { u"type"_s, u"echo"_s }, { u"callback_url"_s, sinkUrl(u"signed"_s) } });
        QTRY_COMPARE(requestsOf(u"signed"_s).size(), 1);
        // The sink verifies with the same secret.
        QCOMPARE(requestsOf(u"signed"_s).at(0)["signature"_L1].toString(), u"verified"_s);
    }

    // With the SQLite store: a finished job and its callback job are written in one commit, so a
    // callback that was queued and not yet delivered is delivered after a restart.
    void aQueuedCallbackSurvivesARestart()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"jobs.db"_s);
        const auto sqliteEngine = [&] {
            auto engine = std::make_unique<Engine>(
                config(m_secret), std::make_unique<SqliteJobStore>(path, SqliteJobStore::Sync::Normal));
            QString error;
            if (!engine->open(&error))
                qFatal("engine failed to open: %s", qPrintable(error));
            engine->start();
            return engine;
        };
        // The sink stays up on the in-memory server while the SQLite engine restarts.
        auto engine = sqliteEngine();
        const auto closeBeforeTheDirectoryGoes = qScopeGuard([&engine] { engine.reset(); });
        QVERIFY(std::holds_alternative<QueueInfo>(engine->setQueuePaused(u"callbacks"_s, true)));
        JobSpec job = spec(u"echo"_s);
        job.callbackUrl = sinkUrl(u"later"_s);
        const JobId id = submitOne(*engine, job).id;
        QTRY_VERIFY(engine->job(id)->callbackJobId != 0);
        const JobId callback = engine->job(id)->callbackJobId;
        QTRY_COMPARE(statusOf(*engine, callback), JobStatus::Queued);
        engine.reset();

        engine = sqliteEngine();
        QCOMPARE(statusOf(*engine, id), JobStatus::Succeeded);
        QCOMPARE(engine->job(id)->callbackJobId, callback);
        QCOMPARE(engine->job(callback)->callbackFor, id);
        QCOMPARE(statusOf(*engine, callback), JobStatus::Queued);
        QVERIFY(requestsOf(u"later"_s).isEmpty());
        QVERIFY(std::holds_alternative<QueueInfo>(engine->setQueuePaused(u"callbacks"_s, false)));
        QTRY_COMPARE(statusOf(*engine, callback), JobStatus::Succeeded);
        QCOMPARE(requestsOf(u"later"_s).size(), 1);
        const QJsonObject body
            = QJsonDocument::fromJson(requestsOf(u"later"_s).at(0)["body"_L1].toString().toUtf8()).object();
        QCOMPARE(body.value("id"_L1).toString(), QString::number(id));
        QCOMPARE(body.value("status"_L1).toString(), u"succeeded"_s);
    }

    // With the SQLite store unavailable when the job finishes, the commit of its final state and
    // its callback job fails: both are written once the store is back, and the callback delivers.
    void aCallbackOutlivesAFailedCommit()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"jobs.db"_s);
        auto store = std::make_unique<SqliteJobStore>(path, SqliteJobStore::Sync::Normal);
        const SqliteJobStore* storeView = store.get(); // its stats tell when a commit failed
        auto engine = std::make_unique<Engine>(config(m_secret), std::move(store));
        const auto closeBeforeTheDirectoryGoes = qScopeGuard([&engine] { engine.reset(); });
        QString error;
        QVERIFY2(engine->open(&error), qPrintable(error));
        engine->start();
        QVERIFY(std::holds_alternative<QueueInfo>(engine->setQueuePaused(u"default"_s, true)));
        JobSpec job = spec(u"echo"_s);
        job.callbackUrl = sinkUrl(u"afterfault"_s);
        const JobId id = submitOne(*engine, job).id;

        FaultSpec unavailable;
        unavailable.kind = FaultKind::StoreUnavailable;
        const auto fault = engine->addFault(unavailable);
        QVERIFY(std::holds_alternative<Fault>(fault));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"Writing to .* failed: .*unavailable"_s));
        QVERIFY(std::holds_alternative<QueueInfo>(engine->setQueuePaused(u"default"_s, false)));
        QTRY_COMPARE(statusOf(*engine, id), JobStatus::Succeeded);
        const JobId callback = engine->job(id)->callbackJobId;
        QVERIFY(callback != 0);
        QTRY_VERIFY(storeView->stats().failedCommits > 0);
        QVERIFY(requestsOf(u"afterfault"_s).isEmpty()); // not run before it is stored

        QVERIFY(std::holds_alternative<Fault>(engine->removeFault(std::get<Fault>(fault).id)));
        QTRY_COMPARE(statusOf(*engine, callback), JobStatus::Succeeded);
        QCOMPARE(requestsOf(u"afterfault"_s).size(), 1);
        engine.reset();

        engine = std::make_unique<Engine>(
            config(m_secret), std::make_unique<SqliteJobStore>(path, SqliteJobStore::Sync::Normal));
        QVERIFY2(engine->open(&error), qPrintable(error));
        QCOMPARE(engine->job(id)->callbackJobId, callback);
        QVERIFY(engine->job(callback).has_value());
        QCOMPARE(engine->job(callback)->callbackFor, id);
    }

    // The in-memory store never refuses an update, so neither the callback job that follows one:
    // with the store refusing submissions, a finishing job still calls back.
    void aCallbackIsKeptWhileTheMemoryStoreRefusesSubmissions()
    {
        QVERIFY(std::holds_alternative<QueueInfo>(m_engine->setQueuePaused(u"default"_s, true)));
        JobSpec job = spec(u"echo"_s);
        job.callbackUrl = sinkUrl(u"duringfault"_s);
        const JobId id = submitOne(*m_engine, job).id;
        FaultSpec unavailable;
        unavailable.kind = FaultKind::StoreUnavailable;
        QVERIFY(std::holds_alternative<Fault>(m_engine->addFault(unavailable)));
        QCOMPARE(m_http.postJson(u"/jobs"_s, { { u"type"_s, u"echo"_s } }).status, 503);

        QVERIFY(std::holds_alternative<QueueInfo>(m_engine->setQueuePaused(u"default"_s, false)));
        QTRY_COMPARE(statusOf(*m_engine, id), JobStatus::Succeeded);
        const JobId callback = m_engine->job(id)->callbackJobId;
        QVERIFY(callback != 0);
        QTRY_COMPARE(statusOf(*m_engine, callback), JobStatus::Succeeded);
        QCOMPARE(requestsOf(u"duringfault"_s).size(), 1);
    }

    // A process that died while the job's last attempt ran left it running in the file: at the
    // next start that attempt is lost, the job fails, and its callback is queued then.
    void aJobThatFailsAtStartStillCallsBack()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"jobs.db"_s);
        {
            SqliteJobStore store(path, SqliteJobStore::Sync::Normal);
            QString error;
            QVERIFY2(store.open(&error), qPrintable(error));
            Job running;
            running.id = 1;
            running.type = u"echo"_s;
            running.queue = u"default"_s;
            running.status = JobStatus::Running;
            running.attempts = 1;
            running.maxAttempts = 1;
            running.payload = QJsonValue(QJsonValue::Null);
            running.createdAt = QDateTime::currentMSecsSinceEpoch();
            running.startedAt = running.createdAt;
            running.callbackUrl = sinkUrl(u"crashed"_s);
            std::atomic<bool> stored = false; // told on the store's writer thread
            store.insert({ running }, [&stored](const QString& error) { stored = error.isEmpty(); });
            QTRY_VERIFY(stored.load());
            store.close();
        }
        auto engine = std::make_unique<Engine>(
            config(m_secret), std::make_unique<SqliteJobStore>(path, SqliteJobStore::Sync::Normal));
        const auto closeBeforeTheDirectoryGoes = qScopeGuard([&engine] { engine.reset(); });
        QString error;
        QVERIFY2(engine->open(&error), qPrintable(error));
        engine->start();
        QCOMPARE(statusOf(*engine, 1), JobStatus::Failed);
        QTRY_VERIFY(engine->job(1)->callbackJobId != 0);
        const JobId callback = engine->job(1)->callbackJobId;
        QTRY_COMPARE(statusOf(*engine, callback), JobStatus::Succeeded);
        const QJsonArray requests = requestsOf(u"crashed"_s);
        QCOMPARE(requests.size(), 1);
        const QJsonObject body = QJsonDocument::fromJson(requests.at(0)["body"_L1].toString().toUtf8()).object();
        QCOMPARE(body.value("status"_L1).toString(), u"failed"_s);
        QCOMPARE(requests.at(0)["signature"_L1].toString(), u"verified"_s);
    }
};

QTEST_GUILESS_MAIN(TestCallbacks)
#include "tst_callbacks.moc"
