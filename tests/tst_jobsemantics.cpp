#include "enginetesting.h"
#include "server.h"
#include "store/sqlitejobstore.h"
#include "testhttp.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QSet>
#include <QTemporaryDir>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>

namespace {

// Counts how many attempts of the same job run at once: the engine must never run a job twice.
struct ProbeState
{
    std::mutex mutex;
    QHash<JobId, int> runningById;
    int maxSameJob = 0;
    int running = 0;
    int maxRunning = 0;
};

class ProbeHandler : public JobHandler
{
public:
    explicit ProbeHandler(ProbeState* state)
        : m_state(state)
    { }
    JobOutcome run(const JobContext& context) const override
    {
        const JobId id = context.job().id;
        {
            std::lock_guard lock(m_state->mutex);
            m_state->maxSameJob = std::max(m_state->maxSameJob, ++m_state->runningById[id]);
            m_state->maxRunning = std::max(m_state->maxRunning, ++m_state->running);
        }
        const bool finished
            = context.token().waitFor(context.payload().toObject().value(QLatin1StringView("ms")).toInt());
        {
            std::lock_guard lock(m_state->mutex);
            --m_state->runningById[id];
            --m_state->running;
        }
        if (!finished)
            return JobOutcome::failure(QStringLiteral("stopped"), QStringLiteral("stopped while probing"));
        return JobOutcome::success(QJsonValue(true));
    }

private:
    ProbeState* m_state;
};

// The in-memory store, except that one find() of the armed job, on the thread that armed it,
// returns what it read only once that job finished again (or after 300 ms): the interleaving in
// which a retry reads a copy that another retry has made stale meanwhile.
class GatedStore : public MemoryJobStore
{
public:
    using MemoryJobStore::MemoryJobStore;

    void armOnThisThread(JobId id)
    {
        std::lock_guard lock(m_gateMutex);
        m_gatedId = id;
        m_gatedThread = QThread::currentThread();
    }
    bool isHolding() const { return m_holding; }

    std::optional<Job> find(JobId id) const override
    {
        std::optional<Job> found = MemoryJobStore::find(id);
        std::unique_lock lock(m_gateMutex);
        if (id == m_gatedId && QThread::currentThread() == m_gatedThread) {
            m_gatedThread = nullptr;
            m_holding = true;
            m_finishedAgain.wait_for(lock, std::chrono::milliseconds(300), [this] { return m_jobFinishedAgain; });
            m_holding = false;
        }
        return found;
    }
    void update(const Job& job) override
    {
        MemoryJobStore::update(job);
        std::lock_guard lock(m_gateMutex);
        if (job.id == m_gatedId && m_holding && isFinished(job.status)) {
            m_jobFinishedAgain = true;
            m_finishedAgain.notify_all();
        }
    }

private:
    mutable std::mutex m_gateMutex;
    mutable std::condition_variable m_finishedAgain;
    mutable QThread* m_gatedThread = nullptr;
    mutable std::atomic<bool> m_holding { false };
    JobId m_gatedId = 0;
    bool m_jobFinishedAgain = false;
};

constexpr qint64 manualEpoch = 1700000000000; // 2023-11-14T22:13:20Z

QJsonObject jobSpec(const QString& type, const QJsonValue& payload = {}, const QJsonObject& extra = {})
{
    QJsonObject spec = extra;
    spec.insert(QStringLiteral("type"), type);
    if (!payload.isUndefined() && !payload.isNull())
        spec.insert(QStringLiteral("payload"), payload);
    return spec;
}

QJsonObject execSpec(const QString& program, const QStringList& args = {}, const QJsonObject& more = {})
{
    QJsonObject payload = more;
    payload.insert(QStringLiteral("program"), program);
    payload.insert(QStringLiteral("args"), QJsonArray::fromStringList(args));
    return jobSpec(QStringLiteral("exec"), payload);
}

qint64 msOf(const QJsonValue& timestamp)
{
    return timestamp.isString() ? QDateTime::fromString(timestamp.toString(), Qt::ISODateWithMs).toMSecsSinceEpoch()
                                : 0;
}

QString str(const QJsonObject& object, const char* key)
{
    return object.value(QLatin1StringView(key)).toString();
}

QJsonObject obj(const QJsonObject& object, const char* key)
{
    return object.value(QLatin1StringView(key)).toObject();
}

QString errorCode(const QJsonObject& job)
{
    return str(obj(job, "error"), "code");
}

// Children of this process whose command line is exactly `argv` (Linux /proc).
int childProcesses(const QStringList& argv)
{
    const QByteArray wanted = argv.join(QChar(0)).toUtf8() + '\0';
    const QString self = QString::number(QCoreApplication::applicationPid());
    int found = 0;
    for (const QString& pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        QFile cmdline(QStringLiteral("/proc/%1/cmdline").arg(pid));
        if (!stat.open(QIODevice::ReadOnly) || !cmdline.open(QIODevice::ReadOnly))
            continue;
        const QByteArray fields = stat.readAll();
        const QList<QByteArray> afterName = fields.mid(fields.lastIndexOf(')') + 2).split(' ');
        if (afterName.size() > 1 && afterName[1] == self.toLatin1() && cmdline.readAll() == wanted)
            ++found;
    }
    return found;
}

// Whether `pid` is a live process: a zombie (killed, its new parent not reaping) counts as gone.
bool processAlive(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray fields = stat.readAll();
    const QByteArray state = fields.mid(fields.lastIndexOf(')') + 2, 1);
    return state != "Z" && state != "X";
}

} // namespace

// Job semantics (scheduling, retries, cancellation, idempotency, exec) through real HTTP against
// a real server on 127.0.0.1, port 0.
class TestJobSemantics : public QObject
{
    Q_OBJECT
private:
    ProbeState m_probe;
    std::atomic<qint64> m_clock { manualEpoch };
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Server> m_server;
    TestHttp m_http;

    EngineConfig baseConfig()
    {
        EngineConfig config;
        config.workers = 4;
        config.handlers.allowExec = true;
        config.registerHandlers
            = [this](HandlerRegistry& registry) { registry.add<ProbeHandler>(QStringLiteral("probe"), &m_probe); };
        return config;
    }
    EngineConfig manualClockConfig()
    {
        EngineConfig config = baseConfig();
        config.clock = [this] { return m_clock.load(); };
        return config;
    }

    bool restart(const EngineConfig& config, std::unique_ptr<JobStore> store = {})
    {
        m_server.reset();
        m_engine.reset();
        if (store) {
            m_engine = std::make_unique<Engine>(config, std::move(store));
            QString error;
            if (!m_engine->open(&error))
                return false;
            m_engine->start();
        } else {
            m_engine = startedEngine(config);
        }
        ServerConfig serverConfig;
        serverConfig.port = 0;
        m_server = std::make_unique<Server>(serverConfig, m_engine.get());
        QString error;
        if (!m_server->start(&error)) {
            qWarning("server failed to start: %s", qPrintable(error));
            return false;
        }
        m_http.setBase(m_server->url());
        return true;
    }

    QJsonObject submitted(const QJsonObject& spec)
    {
        const HttpResult result = m_http.postJson(QStringLiteral("/jobs"), spec);
        if (result.status != 202)
            qFatal("submission failed: %d %s", result.status, result.body.constData());
        return result.json();
    }
    QString submittedId(const QJsonObject& spec) { return str(submitted(spec), "id"); }
    QJsonObject job(const QString& id) { return m_http.get(QStringLiteral("/jobs/") + id).json(); }
    QString statusOf(const QString& id) { return str(job(id), "status"); }
    int attemptsOf(const QString& id) { return job(id).value(QLatin1StringView("attempts")).toInt(); }
    // Long poll: the job once it is finished, or as it is after `ms`.
    QJsonObject finished(const QString& id, int ms = 10000)
    {
        return m_http.get(QStringLiteral("/jobs/%1?wait_ms=%2").arg(id).arg(ms)).json();
    }
    HttpResult cancel(const QString& id) { return m_http.request("DELETE", QStringLiteral("/jobs/") + id); }
    HttpResult retry(const QString& id) { return m_http.post(QStringLiteral("/jobs/%1/retry").arg(id), {}); }
    QJsonObject queue(const QString& name)
    {
        const QJsonArray queues
            = m_http.get(QStringLiteral("/queues")).json().value(QLatin1StringView("queues")).toArray();
        for (const QJsonValue& queue : queues) {
            if (str(queue.toObject(), "name") == name)
                return queue.toObject();
        }
        return {};
    }
    int queueInt(const QString& name, const char* key) { return queue(name).value(QLatin1StringView(key)).toInt(-1); }
    QJsonObject stats() { return m_http.get(QStringLiteral("/stats")).json(); }
    int count(const QString& status) { return obj(stats(), "counts").value(status).toInt(-1); }
    int busyWorkers() { return obj(stats(), "workers").value(QLatin1StringView("busy")).toInt(-1); }
    // Advances the manual clock and lets the engine promote what became due.
    void advanceClockTo(qint64 ms)
    {
        m_clock = ms;
        m_engine->runDueJobs();
    }

    // Sends every request at once and waits for all answers; returns their statuses in order.
    QList<int> concurrently(const QList<QPair<QByteArray, QString>>& requests)
    {
        QNetworkAccessManager manager;
        std::vector<std::unique_ptr<QNetworkReply>> replies;
        for (const auto& [method, path] : requests) {
            QNetworkRequest request(m_server->url().resolved(QUrl(path)));
            request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
            replies.emplace_back(manager.sendCustomRequest(request, method, method == "POST" ? "{}" : ""));
        }
        const bool answered = QTest::qWaitFor(
            [&] {
                return std::all_of(replies.cbegin(), replies.cend(), [](const auto& r) { return r->isFinished(); });
            },
            15000);
        if (!answered)
            qWarning("not every concurrent request was answered within 15 s");
        QList<int> statuses;
        for (const auto& reply : replies)
            statuses.append(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt());
        return statuses;
    }

private Q_SLOTS:
    void init()
    {
        {
            std::lock_guard lock(m_probe.mutex);
            m_probe.runningById.clear();
            m_probe.maxSameJob = m_probe.running = m_probe.maxRunning = 0;
        }
        m_clock = manualEpoch;
        QVERIFY(restart(baseConfig()));
    }

    void cleanup()
    {
        m_server.reset();
        m_engine.reset();
    }

    // --- delays ---------------------------------------------------------------------------------

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
        QVERIFY2(late < 50, qPrintable(QStringLiteral("started %1 ms after its due time").arg(late)));
    }

    // --- retries --------------------------------------------------------------------------------

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

    void execNeedsAllowExecAfterARestartToo()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString db = dir.filePath(QStringLiteral("jobs.db"));
        const QString ranMarker = dir.filePath(QStringLiteral("ran"));
        const auto sqliteStore = [&] { return std::make_unique<SqliteJobStore>(db, SqliteJobStore::Sync::Normal); };
        QVERIFY(restart(baseConfig(), sqliteStore()));
        const QString failed = submittedId(execSpec(QStringLiteral("/bin/false")));
        QCOMPARE(str(finished(failed), "status"), QStringLiteral("failed"));
        m_http.post(QStringLiteral("/queues/held/pause"), {});
        QJsonObject queuedSpec = execSpec(QStringLiteral("/usr/bin/touch"), { ranMarker });
        queuedSpec.insert(QStringLiteral("queue"), QStringLiteral("held"));
        const QString queued = submittedId(queuedSpec);
        QJsonObject delayedSpec = execSpec(QStringLiteral("/usr/bin/touch"), { ranMarker });
        delayedSpec.insert(QStringLiteral("delay_ms"), 60000);
        const QString delayed = submittedId(delayedSpec);

        // Restored by a server without --allow-exec (a pause is not kept: the queued one would run).
        EngineConfig withoutExec = baseConfig();
        withoutExec.handlers.allowExec = false;
        QVERIFY(restart(withoutExec, sqliteStore()));
        for (const QString& id : { queued, delayed }) {
            const QJsonObject restored = finished(id);
            QCOMPARE(str(restored, "status"), QStringLiteral("failed"));
            QCOMPARE(errorCode(restored), QStringLiteral("type_disabled"));
            QVERIFY2(str(obj(restored, "error"), "message").contains(QStringLiteral("--allow-exec")),
                qPrintable(str(obj(restored, "error"), "message")));
        }
        const HttpResult refused = retry(failed);
        QCOMPARE(refused.status, 403);
        QCOMPARE(refused.errorCode(), QStringLiteral("forbidden"));
        QVERIFY2(refused.errorMessage().contains(QStringLiteral("--allow-exec")), qPrintable(refused.errorMessage()));
        QCOMPARE(statusOf(failed), QStringLiteral("failed"));
        QCOMPARE(count(QStringLiteral("queued")) + count(QStringLiteral("scheduled")), 0);
        QVERIFY(!QFile::exists(ranMarker));
        cleanup(); // closes the store before its directory goes
    }

    // --- timeouts -------------------------------------------------------------------------------

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
        QVERIFY2(ran >= 100 && ran < 150, qPrintable(QStringLiteral("ran %1 ms with a 100 ms timeout").arg(ran)));
        QCOMPARE(childProcesses({ QStringLiteral("/bin/sleep"), QStringLiteral("30") }), 0); // exec: killed
        // The only worker is free again: the next job runs.
        QCOMPARE(str(finished(next), "status"), QStringLiteral("succeeded"));
        QTRY_COMPARE(busyWorkers(), 0);
    }

    // --- cancellation ---------------------------------------------------------------------------

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

    void cancelRunningStopsWithinTensOfMs_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QJsonObject>("payload");
        QTest::newRow("sleep") << QStringLiteral("sleep") << sleepMs(60000);
        QTest::newRow("compute") << QStringLiteral("compute")
                                 << QJsonObject { { QStringLiteral("iterations"), 1000000000 } };
    }

    void cancelRunningStopsWithinTensOfMs()
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
        QVERIFY2(took < 100, qPrintable(QStringLiteral("cancelled after %1 ms").arg(took)));
        QTRY_COMPARE(busyWorkers(), 0);
    }

    void cancelExecKillsTheProgram()
    {
        const QStringList argv = { QStringLiteral("/bin/sleep"), QStringLiteral("30") };
        const QString id = submittedId(execSpec(argv[0], argv.mid(1)));
        QTRY_COMPARE(statusOf(id), QStringLiteral("running"));
        QTRY_COMPARE(childProcesses(argv), 1);
        QElapsedTimer timer;
        timer.start();
        QCOMPARE(cancel(id).status, 202);
        const QJsonObject cancelled = finished(id);
        QCOMPARE(str(cancelled, "status"), QStringLiteral("cancelled"));
        QVERIFY2(timer.elapsed() < 1000, qPrintable(QStringLiteral("took %1 ms").arg(timer.elapsed())));
        QCOMPARE(childProcesses(argv), 0); // killed and reaped, not left behind
    }

    void execTimeoutAndCancelEndWhatTheProgramStarted_data()
    {
        QTest::addColumn<bool>("cancelled"); // else timed out
        QTest::newRow("cancel") << true;
        QTest::newRow("timeout") << false;
    }

    void execTimeoutAndCancelEndWhatTheProgramStarted()
    {
        QFETCH(bool, cancelled);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString pidFile = dir.filePath(QStringLiteral("pid"));
        // A child that would outlive its parent: killing the shell alone leaves it running.
        QJsonObject spec = execSpec(QStringLiteral("/bin/sh"),
            { QStringLiteral("-c"), QStringLiteral("sleep 100 & echo $! > \"$0\"; wait"), pidFile });
        if (!cancelled)
            spec.insert(QStringLiteral("timeout_ms"), 1000);
        const QString id = submittedId(spec);
        qint64 grandchild = 0;
        QTRY_VERIFY([&] {
            QFile file(pidFile);
            return file.open(QIODevice::ReadOnly) && (grandchild = file.readAll().trimmed().toLongLong()) > 0;
        }());
        QVERIFY(processAlive(grandchild));
        if (cancelled)
            QCOMPARE(cancel(id).status, 202);
        const QJsonObject done = finished(id);
        QCOMPARE(str(done, "status"), cancelled ? QStringLiteral("cancelled") : QStringLiteral("failed"));
        const bool gone = QTest::qWaitFor([&] { return !processAlive(grandchild); }, 5000);
        if (!gone)
            ::kill(pid_t(grandchild), SIGKILL); // leave nothing behind, then fail
        QVERIFY2(gone, "the program's child outlived the job");
    }

    void execRefusesANul_data()
    {
        QTest::addColumn<QJsonObject>("spec");
        QTest::addColumn<QString>("field");
        QTest::newRow("program") << execSpec(QStringLiteral("/bin/echo") + QChar(0) + QStringLiteral("x"))
                                 << QStringLiteral("payload.program");
        QTest::newRow("args") << execSpec(QStringLiteral("/bin/echo"),
            { QStringLiteral("a"), QStringLiteral("rm") + QChar(0) + QStringLiteral("-rf") })
                              << QStringLiteral("payload.args[1]");
    }

    void execRefusesANul()
    {
        QFETCH(QJsonObject, spec);
        QFETCH(QString, field);
        const HttpResult refused = m_http.postJson(QStringLiteral("/jobs"), spec);
        QCOMPARE(refused.status, 400);
        QCOMPARE(refused.errorCode(), QStringLiteral("invalid_field"));
        QVERIFY2(refused.errorMessage().contains(field), qPrintable(refused.errorMessage()));
        QCOMPARE(stats().value(QLatin1StringView("submitted_total")).toInt(), 0);
    }

    // --- idempotency ----------------------------------------------------------------------------

    void idempotencyKeys()
    {
        const QJsonObject keyed
            = jobSpec(QStringLiteral("echo"), {}, { { QStringLiteral("idempotency_key"), QStringLiteral("order-1") } });
        const HttpResult first = m_http.postJson(QStringLiteral("/jobs"), keyed);
        const HttpResult second = m_http.postJson(QStringLiteral("/jobs"), keyed);
        QCOMPARE(first.status, 202);
        QCOMPARE(second.status, 202);
        const QString id = str(first.json(), "id");
        QCOMPARE(str(second.json(), "id"), id);
        QCOMPARE(second.header("Location"), QByteArray("/jobs/") + id.toUtf8());
        QCOMPARE(str(finished(id), "status"), QStringLiteral("succeeded"));
        QCOMPARE(str(submitted(keyed), "id"), id); // also once the job is finished

        const QString other = submittedId(
            jobSpec(QStringLiteral("echo"), {}, { { QStringLiteral("idempotency_key"), QStringLiteral("order-2") } }));
        QVERIFY(other != id);

        // In a batch: a known key answers the existing job; a key twice in the batch is one job.
        const QJsonObject fresh
            = jobSpec(QStringLiteral("echo"), {}, { { QStringLiteral("idempotency_key"), QStringLiteral("order-3") } });
        const HttpResult batch = m_http.postJson(QStringLiteral("/jobs/batch"),
            { { QStringLiteral("jobs"), QJsonArray { keyed, fresh, fresh, jobSpec(QStringLiteral("echo")) } } });
        QCOMPARE(batch.status, 202);
        const QJsonArray jobs = batch.json().value(QLatin1StringView("jobs")).toArray();
        QCOMPARE(jobs.size(), 4);
        QCOMPARE(str(jobs[0].toObject(), "id"), id);
        QCOMPARE(str(jobs[1].toObject(), "id"), str(jobs[2].toObject(), "id"));
        QVERIFY(str(jobs[1].toObject(), "id") != str(jobs[3].toObject(), "id"));
        QCOMPARE(stats().value(QLatin1StringView("submitted_total")).toInt(), 4); // order-1, order-2, order-3, plain
        QCOMPARE(m_http.get(QStringLiteral("/jobs")).json().value(QLatin1StringView("jobs")).toArray().size(), 4);
    }

    void idempotencyKeysInALargeBatch()
    {
        // 10,000 jobs, the last 1,000 repeating the keys of the first 1,000: 9,000 jobs. Matching
        // keys within a batch was quadratic once and held the engine's lock for seconds.
        m_http.post(QStringLiteral("/queues/default/pause"), {});
        QJsonArray jobs;
        for (int i = 0; i < 10000; ++i)
            jobs.append(jobSpec(QStringLiteral("echo"), {},
                { { QStringLiteral("idempotency_key"), QStringLiteral("order-%1").arg(i % 9000) } }));
        const HttpResult accepted
            = m_http.postJson(QStringLiteral("/jobs/batch"), { { QStringLiteral("jobs"), jobs } });
        QCOMPARE(accepted.status, 202);
        const QJsonArray created = accepted.json().value(QLatin1StringView("jobs")).toArray();
        QCOMPARE(created.size(), 10000);
        QCOMPARE(str(created[9789].toObject(), "id"), str(created[789].toObject(), "id"));
        QCOMPARE(str(created[9789].toObject(), "idempotency_key"), QStringLiteral("order-789"));
        QVERIFY(str(created[8789].toObject(), "id") != str(created[789].toObject(), "id"));
        QCOMPARE(count(QStringLiteral("queued")), 9000);
        QVERIFY2(accepted.elapsedMs < 1000, qPrintable(QStringLiteral("took %1 ms").arg(accepted.elapsedMs)));
    }

    // --- batches --------------------------------------------------------------------------------

    void batchIsAllOrNone_data()
    {
        QTest::addColumn<QJsonObject>("invalid");
        QTest::addColumn<QString>("field");
        QTest::newRow("field") << jobSpec(
            QStringLiteral("echo"), {}, { { QStringLiteral("priority"), QStringLiteral("high") } })
                               << QStringLiteral("jobs[7345].priority");
        QTest::newRow("type") << jobSpec(QStringLiteral("nope")) << QStringLiteral("jobs[7345].type");
        QTest::newRow("payload") << jobSpec(QStringLiteral("sleep"), QJsonObject {})
                                 << QStringLiteral("jobs[7345].payload");
    }

    void batchIsAllOrNone()
    {
        QFETCH(QJsonObject, invalid);
        QFETCH(QString, field);
        QJsonArray jobs;
        for (int i = 0; i < 10000; ++i)
            jobs.append(jobSpec(QStringLiteral("echo"), QJsonObject { { QStringLiteral("i"), i } }));
        QJsonArray broken = jobs;
        broken[7345] = invalid;
        const HttpResult refused
            = m_http.postJson(QStringLiteral("/jobs/batch"), { { QStringLiteral("jobs"), broken } });
        QCOMPARE(refused.status, 400);
        QCOMPARE(refused.errorCode(), QStringLiteral("invalid_field"));
        QVERIFY2(refused.errorMessage().startsWith(field + QLatin1Char(' ')), qPrintable(refused.errorMessage()));
        QCOMPARE(stats().value(QLatin1StringView("submitted_total")).toInt(), 0);
        QCOMPARE(m_http.get(QStringLiteral("/jobs")).json().value(QLatin1StringView("jobs")).toArray().size(), 0);
        QCOMPARE(m_http.get(QStringLiteral("/jobs/1")).status, 404);

        const HttpResult accepted
            = m_http.postJson(QStringLiteral("/jobs/batch"), { { QStringLiteral("jobs"), jobs } });
        QCOMPARE(accepted.status, 202);
        const QJsonArray created = accepted.json().value(QLatin1StringView("jobs")).toArray();
        QCOMPARE(created.size(), 10000);
        QCOMPARE(obj(created[7345].toObject(), "payload").value(QLatin1StringView("i")).toInt(), 7345);
        QCOMPARE(stats().value(QLatin1StringView("submitted_total")).toInt(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(count(QStringLiteral("succeeded")), 10000, 30000);

        jobs.append(jobSpec(QStringLiteral("echo")));
        const HttpResult tooMany = m_http.postJson(QStringLiteral("/jobs/batch"), { { QStringLiteral("jobs"), jobs } });
        QCOMPARE(tooMany.status, 400);
        QVERIFY2(tooMany.errorMessage().startsWith(QStringLiteral("jobs must be an array of 1 to 10000")),
            qPrintable(tooMany.errorMessage()));
        QCOMPARE(stats().value(QLatin1StringView("submitted_total")).toInt(), 10000);
    }

    // --- named queues ---------------------------------------------------------------------------

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

    // --- exec -----------------------------------------------------------------------------------

    void execEchoesArguments()
    {
        const QJsonObject done = finished(
            submittedId(execSpec(QStringLiteral("/bin/echo"), { QStringLiteral("hello"), QStringLiteral("world") })));
        QCOMPARE(str(done, "status"), QStringLiteral("succeeded"));
        const QJsonObject result = obj(done, "result");
        QCOMPARE(result.value(QLatin1StringView("exit_code")).toInt(-1), 0);
        QCOMPARE(str(result, "stdout"), QStringLiteral("hello world\n"));
        QCOMPARE(str(result, "stderr"), QString());
    }

    void execFeedsStdin()
    {
        const QString input = QStringLiteral("line one\nline two ✓\n");
        const QJsonObject done
            = finished(submittedId(execSpec(QStringLiteral("/bin/cat"), {}, { { QStringLiteral("stdin"), input } })));
        QCOMPARE(str(done, "status"), QStringLiteral("succeeded"));
        QCOMPARE(str(obj(done, "result"), "stdout"), input);
    }

    void execNonZeroExitFailsWithItsOutput()
    {
        const QJsonObject done = finished(submittedId(execSpec(
            QStringLiteral("/bin/sh"), { QStringLiteral("-c"), QStringLiteral("echo out; echo err >&2; exit 3") })));
        QCOMPARE(str(done, "status"), QStringLiteral("failed"));
        QCOMPARE(errorCode(done), QStringLiteral("exit_code"));
        const QJsonObject result = obj(done, "result");
        QCOMPARE(result.value(QLatin1StringView("exit_code")).toInt(), 3);
        QCOMPARE(str(result, "stdout"), QStringLiteral("out\n"));
        QCOMPARE(str(result, "stderr"), QStringLiteral("err\n"));
    }

    void execCapsStdout_data()
    {
        QTest::addColumn<QJsonObject>("spec");
        QTest::addColumn<QString>("status");
        QTest::addColumn<QString>("error");
        // seq ends by itself (about 590 KB); yes never does and is stopped by its payload timeout.
        QTest::newRow("seq") << execSpec(
            QStringLiteral("/usr/bin/seq"), { QStringLiteral("1"), QStringLiteral("100000") })
                             << QStringLiteral("succeeded") << QString();
        QTest::newRow("yes") << execSpec(QStringLiteral("/usr/bin/yes"), {}, { { QStringLiteral("timeout_ms"), 300 } })
                             << QStringLiteral("failed") << QStringLiteral("timeout");
    }

    void execCapsStdout()
    {
        QFETCH(QJsonObject, spec);
        QFETCH(QString, status);
        QFETCH(QString, error);
        const QJsonObject done = finished(submittedId(spec));
        QCOMPARE(str(done, "status"), status);
        QCOMPARE(errorCode(done), error);
        const QString out = str(obj(done, "result"), "stdout");
        const QString marker = QStringLiteral("\n[output truncated at 65536 bytes]");
        QVERIFY2(out.endsWith(marker), qPrintable(out.right(80)));
        QCOMPARE(out.size(), 65536 + marker.size()); // ASCII output: one character per byte
    }

    void execMissingProgramFails()
    {
        const QJsonObject done
            = finished(submittedId(execSpec(QStringLiteral("/nonexistent/queuelab-no-such-program"))));
        QCOMPARE(str(done, "status"), QStringLiteral("failed"));
        QCOMPARE(errorCode(done), QStringLiteral("exec_failed"));
    }

    void execUsesNoShell()
    {
        const QStringList args = { QStringLiteral("$(echo hi)"), QStringLiteral("`id`"), QStringLiteral("a;b"),
            QStringLiteral("*"), QStringLiteral("$HOME") };
        const QJsonObject done = finished(submittedId(execSpec(QStringLiteral("/bin/echo"), args)));
        QCOMPARE(str(done, "status"), QStringLiteral("succeeded"));
        QCOMPARE(str(obj(done, "result"), "stdout"), args.join(QLatin1Char(' ')) + QLatin1Char('\n'));
    }

    void execIsForbiddenWithoutAllowExec()
    {
        EngineConfig config = baseConfig();
        config.handlers.allowExec = false;
        QVERIFY(restart(config));
        const HttpResult refused = m_http.postJson(QStringLiteral("/jobs"), execSpec(QStringLiteral("/bin/echo")));
        QCOMPARE(refused.status, 403);
        QCOMPARE(refused.errorCode(), QStringLiteral("forbidden"));
        QVERIFY2(refused.errorMessage().contains(QStringLiteral("--allow-exec")), qPrintable(refused.errorMessage()));
        const HttpResult batch = m_http.postJson(QStringLiteral("/jobs/batch"),
            { { QStringLiteral("jobs"),
                QJsonArray { jobSpec(QStringLiteral("echo")), execSpec(QStringLiteral("/bin/echo")) } } });
        QCOMPARE(batch.status, 403);
        QCOMPARE(stats().value(QLatin1StringView("submitted_total")).toInt(), 0);
    }

    // --- invariants -----------------------------------------------------------------------------

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

QTEST_GUILESS_MAIN(TestJobSemantics)
#include "tst_jobsemantics.moc"
