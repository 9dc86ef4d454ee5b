#pragma once

#include "enginetesting.h"
#include "server.h"
#include "store/sqlite/sqlitejobstore.h"
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

inline constexpr qint64 manualEpoch = 1700000000000; // 2023-11-14T22:13:20Z

inline QJsonObject jobSpec(const QString& type, const QJsonValue& payload = {}, const QJsonObject& extra = {})
{
    QJsonObject spec = extra;
    spec.insert(QStringLiteral("type"), type);
    if (!payload.isUndefined() && !payload.isNull())
        spec.insert(QStringLiteral("payload"), payload);
    return spec;
}

inline QJsonObject execSpec(const QString& program, const QStringList& args = {}, const QJsonObject& more = {})
{
    QJsonObject payload = more;
    payload.insert(QStringLiteral("program"), program);
    payload.insert(QStringLiteral("args"), QJsonArray::fromStringList(args));
    return jobSpec(QStringLiteral("exec"), payload);
}

inline qint64 msOf(const QJsonValue& timestamp)
{
    return timestamp.isString() ? QDateTime::fromString(timestamp.toString(), Qt::ISODateWithMs).toMSecsSinceEpoch()
                                : 0;
}

inline QString str(const QJsonObject& object, const char* key)
{
    return object.value(QLatin1StringView(key)).toString();
}

inline QJsonObject obj(const QJsonObject& object, const char* key)
{
    return object.value(QLatin1StringView(key)).toObject();
}

inline QString errorCode(const QJsonObject& job)
{
    return str(obj(job, "error"), "code");
}

// Children of this process whose command line is exactly `argv` (Linux /proc).
inline int childProcesses(const QStringList& argv)
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
inline bool processAlive(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray fields = stat.readAll();
    const QByteArray state = fields.mid(fields.lastIndexOf(')') + 2, 1);
    return state != "Z" && state != "X";
}

// The fixture of the job semantics tests (tst_scheduling, tst_cancellation, tst_idempotency,
// tst_exec): an engine with a probe job type behind a real server on 127.0.0.1, port 0, and
// helpers that speak its HTTP API.
class JobSemanticsTest : public QObject
{
    Q_OBJECT
protected:
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

protected Q_SLOTS: // QTest calls init() and cleanup() by name; the suites call cleanup() too
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
};
