#include "enginetesting.h"
#include "requestlog.h"
#include "server.h"
#include "store/sqlite/sqlitejobstore.h"
#include "testhttp.h"

#include <QDateTime>
#include <QJsonArray>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <algorithm>

// The API through real HTTP against a real server on 127.0.0.1, port 0.
class TestHttpApi : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Server> m_server;
    TestHttp m_http;

    QString submitted(const QJsonObject& job)
    {
        const HttpResult result = m_http.postJson(QStringLiteral("/jobs"), job);
        if (result.status != 202)
            qFatal("submission failed: %d %s", result.status, result.body.constData());
        return result.json().value(QLatin1StringView("id")).toString();
    }
    QString statusOf(const QString& id)
    {
        return m_http.get(QStringLiteral("/jobs/") + id).json().value(QLatin1StringView("status")).toString();
    }

private Q_SLOTS:
    void init()
    {
        EngineConfig config;
        config.workers = 2;
        config.maxQueued = 50;
        m_engine = startedEngine(config);
        ServerConfig serverConfig;
        serverConfig.port = 0;
        m_server = std::make_unique<Server>(serverConfig, m_engine.get());
        QString error;
        QVERIFY2(m_server->start(&error), qPrintable(error));
        QVERIFY(m_server->url().port() > 0);
        m_http.setBase(m_server->url());
    }

    void cleanup()
    {
        m_server.reset();
        m_engine.reset();
    }

    void routes_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("expected"); // error code, or a fragment of the body

        const QByteArray json = "application/json";
        QTest::newRow("submit echo") << QByteArray("POST") << "/jobs"
                                     << QByteArray(R"({"type":"echo","payload":{"a":1}})") << json << 202
                                     << "\"type\":\"echo\"";
        QTest::newRow("submit with charset") << QByteArray("POST") << "/jobs" << QByteArray(R"({"type":"echo"})")
                                             << QByteArray("application/json; charset=utf-8") << 202 << "\"queued\"";
        QTest::newRow("submit in latin-1")
            << QByteArray("POST") << "/jobs" << QByteArray(R"({"type":"echo"})")
            << QByteArray("application/json; charset=iso-8859-1") << 415 << "unsupported_media_type";
        QTest::newRow("submit with a quoted charset")
            << QByteArray("POST") << "/jobs" << QByteArray(R"({"type":"echo"})")
            << QByteArray("application/json; charset=\"UTF-8\"") << 202 << "\"queued\"";
        QTest::newRow("malformed json") << QByteArray("POST") << "/jobs" << QByteArray(R"({"type":)") << json << 400
                                        << "malformed_json";
        QTest::newRow("json array") << QByteArray("POST") << "/jobs" << QByteArray("[1]") << json << 400
                                    << "malformed_json";
        QTest::newRow("not json") << QByteArray("POST") << "/jobs" << QByteArray("type=echo")
                                  << QByteArray("application/x-www-form-urlencoded") << 415 << "unsupported_media_type";
        QTest::newRow("missing type") << QByteArray("POST") << "/jobs" << QByteArray("{}") << json << 400
                                      << "invalid_field";
        QTest::newRow("unknown type") << QByteArray("POST") << "/jobs" << QByteArray(R"({"type":"nope"})") << json
                                      << 400 << "unknown job type";
        QTest::newRow("bad priority") << QByteArray("POST") << "/jobs"
                                      << QByteArray(R"({"type":"echo","priority":"hi"})") << json << 400
                                      << "priority must be";
        QTest::newRow("bad sleep payload")
            << QByteArray("POST") << "/jobs" << QByteArray(R"({"type":"sleep","payload":{}})") << json << 400
            << "payload.ms is required";
        QTest::newRow("unknown job") << QByteArray("GET") << "/jobs/999" << QByteArray() << QByteArray() << 404
                                     << "not_found";
        QTest::newRow("non-numeric id") << QByteArray("GET") << "/jobs/abc" << QByteArray() << QByteArray() << 404
                                        << "not_found";
        QTest::newRow("id with a leading zero")
            << QByteArray("GET") << "/jobs/01" << QByteArray() << QByteArray() << 404 << "not_found";
        QTest::newRow("id with a sign") << QByteArray("GET") << "/jobs/+1" << QByteArray() << QByteArray() << 404
                                        << "not_found";
        QTest::newRow("wait_ms with a sign")
            << QByteArray("GET") << "/jobs/1?wait_ms=+5" << QByteArray() << QByteArray() << 400 << "wait_ms";
        QTest::newRow("list filter too long") << QByteArray("GET") << QString(u"/jobs?queue=" + QString(65, u'q'))
                                              << QByteArray() << QByteArray() << 400 << "queue must be at most 64";
        QTest::newRow("bad wait_ms") << QByteArray("GET") << "/jobs/1?wait_ms=70000" << QByteArray() << QByteArray()
                                     << 400 << "wait_ms";
        QTest::newRow("list") << QByteArray("GET") << "/jobs?limit=5" << QByteArray() << QByteArray() << 200
                              << "\"next_cursor\"";
        QTest::newRow("list bad status") << QByteArray("GET") << "/jobs?status=done" << QByteArray() << QByteArray()
                                         << 400 << "status must be one of";
        QTest::newRow("list limit too big")
            << QByteArray("GET") << "/jobs?limit=5000" << QByteArray() << QByteArray() << 400 << "limit";
        QTest::newRow("list bad cursor") << QByteArray("GET") << "/jobs?cursor=x" << QByteArray() << QByteArray() << 400
                                         << "cursor";
        QTest::newRow("list search too short") << QByteArray("GET") << "/jobs?search=ab" << QByteArray() << QByteArray()
                                               << 400 << "search must be 3 to 200 characters";
        QTest::newRow("list search too long") << QByteArray("GET") << QString(u"/jobs?search=" + QString(201, u's'))
                                              << QByteArray() << QByteArray() << 400 << "search must be 3 to 200";
        QTest::newRow("list search") << QByteArray("GET") << "/jobs?search=a%20b" << QByteArray() << QByteArray() << 200
                                     << "\"next_cursor\"";
        QTest::newRow("list bad sort") << QByteArray("GET") << "/jobs?sort=name" << QByteArray() << QByteArray() << 400
                                       << "sort must be one of created, run_time, attempts, priority, due";
        QTest::newRow("list bad order") << QByteArray("GET") << "/jobs?order=up" << QByteArray() << QByteArray() << 400
                                        << "order must be asc or desc";
        QTest::newRow("list cursor of another sort")
            << QByteArray("GET") << "/jobs?sort=priority&cursor=12" << QByteArray() << QByteArray() << 400
            << "cursor must be the next_cursor of a previous page with the same sort";
        QTest::newRow("list due without status=scheduled")
            << QByteArray("GET") << "/jobs?sort=due" << QByteArray() << QByteArray() << 400
            << "sort due lists scheduled jobs: add status=scheduled";
        QTest::newRow("list sorted cursor as created")
            << QByteArray("GET") << "/jobs?cursor=3:12" << QByteArray() << QByteArray() << 400 << "cursor";
        QTest::newRow("list sorted") << QByteArray("GET") << "/jobs?sort=run_time&order=asc&limit=1" << QByteArray()
                                     << QByteArray() << 200 << "\"next_cursor\"";
        QTest::newRow("cancel unknown") << QByteArray("DELETE") << "/jobs/12345" << QByteArray() << QByteArray() << 404
                                        << "not_found";
        QTest::newRow("retry unknown") << QByteArray("POST") << "/jobs/12345/retry" << QByteArray() << json << 404
                                       << "not_found";
        QTest::newRow("batch") << QByteArray("POST") << "/jobs/batch"
                               << QByteArray(R"({"jobs":[{"type":"echo"},{"type":"echo","priority":3}]})") << json
                               << 202 << "\"priority\":3";
        QTest::newRow("batch names index and field")
            << QByteArray("POST") << "/jobs/batch"
            << QByteArray(R"({"jobs":[{"type":"echo"},{"type":"echo","priority":1.5}]})") << json << 400
            << "jobs[1].priority";
        QTest::newRow("batch empty") << QByteArray("POST") << "/jobs/batch" << QByteArray(R"({"jobs":[]})") << json
                                     << 400 << "jobs must be";
        QTest::newRow("batch not array") << QByteArray("POST") << "/jobs/batch" << QByteArray(R"({"jobs":{}})") << json
                                         << 400 << "jobs must be";
        // What would not be stored as sent is refused, by both readers of a submission.
        QTest::newRow("lone surrogate") << QByteArray("POST") << "/jobs"
                                        << QByteArray(R"({"type":"echo","payload":{"s":"\ud800"}})") << json << 400
                                        << "payload.s contains a lone UTF-16 surrogate";
        QTest::newRow("batch lone surrogate")
            << QByteArray("POST") << "/jobs/batch" << QByteArray(R"({"jobs":[{"type":"echo","payload":["\udfff"]}]})")
            << json << 400 << "jobs[0].payload[0] contains a lone UTF-16 surrogate";
        QTest::newRow("integer beyond 2^53 kept")
            << QByteArray("POST") << "/jobs" << QByteArray(R"({"type":"echo","payload":{"n":9007199254740993}})")
            << json << 202 << "{\"n\":9007199254740993}";
        QTest::newRow("batch integer beyond 2^53 kept")
            << QByteArray("POST") << "/jobs/batch"
            << QByteArray(R"({"jobs":[{"type":"echo","payload":[-9007199254740993]}]})") << json << 202
            << "[-9007199254740993]";
        QTest::newRow("integer beyond 2^64")
            << QByteArray("POST") << "/jobs" << QByteArray(R"({"type":"echo","payload":{"n":18446744073709551617}})")
            << json << 400 << "payload.n is a number beyond the 64-bit integer range";
        QTest::newRow("queues") << QByteArray("GET") << "/queues" << QByteArray() << QByteArray() << 200
                                << "\"name\":\"default\"";
        QTest::newRow("pause queue") << QByteArray("POST") << "/queues/mail/pause" << QByteArray() << json << 200
                                     << "\"paused\":true";
        QTest::newRow("pause bad queue name")
            << QByteArray("POST") << "/queues/a%20b/pause" << QByteArray() << json << 400 << "invalid_field";
        QTest::newRow("stats") << QByteArray("GET") << "/stats" << QByteArray() << QByteArray() << 200
                               << "\"queue_depth\"";
        QTest::newRow("stats runnable") << QByteArray("GET") << "/stats" << QByteArray() << QByteArray() << 200
                                        << "\"runnable\":0";
        QTest::newRow("stats p99") << QByteArray("GET") << "/stats" << QByteArray() << QByteArray() << 200 << "\"p99\"";
        QTest::newRow("stats last minute")
            << QByteArray("GET") << "/stats" << QByteArray() << QByteArray() << 200 << "\"finished_last_minute\"";
        QTest::newRow("health") << QByteArray("GET") << "/health" << QByteArray() << QByteArray() << 200
                                << "{\"status\":\"ok\"}";
        QTest::newRow("metrics") << QByteArray("GET") << "/metrics" << QByteArray() << QByteArray() << 200
                                 << "queuelab_jobs{status=\"queued\"}";
        QTest::newRow("openapi") << QByteArray("GET") << "/openapi.json" << QByteArray() << QByteArray() << 200
                                 << "\"openapi\"";
        QTest::newRow("unknown route") << QByteArray("GET") << "/nope" << QByteArray() << QByteArray() << 404
                                       << "not_found";
        QTest::newRow("wrong method") << QByteArray("PUT") << "/jobs" << QByteArray("{}") << json << 405
                                      << "method_not_allowed";
    }

    void routes()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QFETCH(int, status);
        QFETCH(QString, expected);

        const HttpResult result = m_http.request(method, path, body, contentType);
        QCOMPARE(result.status, status);
        QVERIFY2(QString::fromUtf8(result.body).contains(expected), result.body.constData());
        QVERIFY(result.header("Content-Type")
                    .startsWith(path == QLatin1StringView("/metrics") ? "text/plain" : "application/json"));
        if (status >= 400)
            QVERIFY2(!result.errorMessage().isEmpty(), result.body.constData());
        if (status == 405)
            QVERIFY(result.header("Allow").contains("GET"));
    }

    void deleteAQueue()
    {
        QCOMPARE(m_http.post(QStringLiteral("/queues/mail/pause"), {}).status, 200);
        const HttpResult deleted = m_http.request("DELETE", QStringLiteral("/queues/mail"));
        QCOMPARE(deleted.status, 200);
        QCOMPARE(deleted.json().value(QLatin1StringView("paused")).toBool(), false);
        QVERIFY(!m_http.get(QStringLiteral("/queues")).body.contains("\"mail\""));
        QCOMPARE(m_http.request("DELETE", QStringLiteral("/queues/mail")).errorCode(), QStringLiteral("not_found"));

        QCOMPARE(m_http.post(QStringLiteral("/queues/held/pause"), {}).status, 200);
        submitted({ { QStringLiteral("type"), QStringLiteral("echo") },
            { QStringLiteral("queue"), QStringLiteral("held") } });
        const HttpResult busy = m_http.request("DELETE", QStringLiteral("/queues/held"));
        QCOMPARE(busy.status, 409);
        QCOMPARE(busy.errorCode(), QStringLiteral("conflict"));
        QCOMPARE(m_http.request("DELETE", QStringLiteral("/queues/a%20b")).status, 400);
    }

    void processingPauseHoldsJobsWhileIntakeContinues()
    {
        const auto paused
            = [this] { return m_http.get(QStringLiteral("/processing")).json().value(QLatin1StringView("paused")); };
        QCOMPARE(paused(), QJsonValue(false));
        const HttpResult pause = m_http.post(QStringLiteral("/processing/pause"), {});
        QCOMPARE(pause.status, 200);
        QCOMPARE(pause.json().value(QLatin1StringView("paused")), QJsonValue(true));
        QCOMPARE(paused(), QJsonValue(true));

        const QString id = submitted({ { QStringLiteral("type"), QStringLiteral("echo") } });
        const QJsonObject stats = m_http.get(QStringLiteral("/stats")).json();
        QCOMPARE(stats.value(QLatin1StringView("processing_paused")), QJsonValue(true));
        QCOMPARE(stats.value(QLatin1StringView("runnable")).toInteger(), 0);
        QCOMPARE(statusOf(id), QStringLiteral("queued"));
        const QJsonObject queue = m_http.get(QStringLiteral("/queues"))
                                      .json()
                                      .value(QLatin1StringView("queues"))
                                      .toArray()
                                      .first()
                                      .toObject();
        QCOMPARE(queue.value(QLatin1StringView("name")).toString(), QStringLiteral("default"));
        QCOMPARE(queue.value(QLatin1StringView("depth")).toInteger(), 1);
        QVERIFY(queue.value(QLatin1StringView("oldest_queued_ms")).toInteger(-1) >= 0);
        QCOMPARE(m_http.get(QStringLiteral("/processing/pause")).status, 405);

        const HttpResult resume = m_http.post(QStringLiteral("/processing/resume"), {});
        QCOMPARE(resume.status, 200);
        QCOMPARE(resume.json().value(QLatin1StringView("paused")), QJsonValue(false));
        QTRY_COMPARE(statusOf(id), QStringLiteral("succeeded"));
        const QJsonObject after = m_http.get(QStringLiteral("/queues"))
                                      .json()
                                      .value(QLatin1StringView("queues"))
                                      .toArray()
                                      .first()
                                      .toObject();
        QCOMPARE(after.value(QLatin1StringView("processed")).toInteger(), 1);
        QCOMPARE(after.value(QLatin1StringView("failed")).toInteger(), 0);
        QVERIFY(after.value(QLatin1StringView("oldest_queued_ms")).isNull());
        QVERIFY(after.contains(QLatin1StringView("finished_last_minute")));
    }

    void submitThenPollToSuccess()
    {
        const HttpResult created = m_http.postJson(QStringLiteral("/jobs"),
            { { QStringLiteral("type"), QStringLiteral("echo") },
                { QStringLiteral("payload"), QJsonObject { { QStringLiteral("n"), 7 } } } });
        QCOMPARE(created.status, 202);
        const QString id = created.json().value(QLatin1StringView("id")).toString();
        QCOMPARE(created.header("Location"), QByteArray("/jobs/") + id.toUtf8());
        QTRY_COMPARE(statusOf(id), QStringLiteral("succeeded"));
        const QJsonObject job = m_http.get(QStringLiteral("/jobs/") + id).json();
        QCOMPARE(job.value(QLatin1StringView("result")).toObject().value(QLatin1StringView("n")).toInt(), 7);
        QCOMPARE(job.value(QLatin1StringView("attempts")).toInt(), 1);
        QVERIFY(job.value(QLatin1StringView("finished_at")).toString().endsWith(QLatin1Char('Z')));
    }

    void longPollAnswersWhenTheJobFinishes()
    {
        const QString id = submitted(
            { { QStringLiteral("type"), QStringLiteral("sleep") }, { QStringLiteral("payload"), sleepMs(300) } });
        const HttpResult waited = m_http.get(QStringLiteral("/jobs/%1?wait_ms=10000").arg(id));
        QCOMPARE(waited.status, 200);
        QCOMPARE(waited.json().value(QLatin1StringView("status")).toString(), QStringLiteral("succeeded"));
        QVERIFY2(waited.elapsedMs < 3000, "answered when the job finished, not when wait_ms passed");

        const QString slow = submitted(
            { { QStringLiteral("type"), QStringLiteral("sleep") }, { QStringLiteral("payload"), sleepMs(5000) } });
        const HttpResult timedOut = m_http.get(QStringLiteral("/jobs/%1?wait_ms=200").arg(slow));
        QCOMPARE(timedOut.status, 200);
        QVERIFY(timedOut.json().value(QLatin1StringView("status")).toString() != QStringLiteral("succeeded"));
        QVERIFY(timedOut.elapsedMs >= 190);
        QCOMPARE(m_http.request("DELETE", QStringLiteral("/jobs/") + slow).status, 202);
    }

    void cancelAndRetry()
    {
        const QString id = submitted(
            { { QStringLiteral("type"), QStringLiteral("sleep") }, { QStringLiteral("payload"), sleepMs(10000) } });
        QTRY_COMPARE(statusOf(id), QStringLiteral("running"));
        QCOMPARE(m_http.request("DELETE", QStringLiteral("/jobs/") + id).status, 202);
        QTRY_COMPARE(statusOf(id), QStringLiteral("cancelled"));
        const HttpResult again = m_http.request("DELETE", QStringLiteral("/jobs/") + id);
        QCOMPARE(again.status, 409);
        QCOMPARE(again.errorCode(), QStringLiteral("conflict"));

        const HttpResult retried = m_http.post(QStringLiteral("/jobs/%1/retry").arg(id), {});
        QCOMPARE(retried.status, 202);
        QTRY_COMPARE(statusOf(id), QStringLiteral("running"));
        m_http.request("DELETE", QStringLiteral("/jobs/") + id);

        const QString done = submitted({ { QStringLiteral("type"), QStringLiteral("echo") } });
        QTRY_COMPARE(statusOf(done), QStringLiteral("succeeded"));
        QCOMPARE(m_http.post(QStringLiteral("/jobs/%1/retry").arg(done), {}).status, 409);
    }

    void runNowQueuesAScheduledJob()
    {
        const QString id
            = submitted({ { QStringLiteral("type"), QStringLiteral("echo") }, { QStringLiteral("delay_ms"), 600000 } });
        QCOMPARE(statusOf(id), QStringLiteral("scheduled"));
        const HttpResult ran = m_http.post(QStringLiteral("/jobs/%1/run-now").arg(id), {});
        QCOMPARE(ran.status, 200);
        QTRY_COMPARE(statusOf(id), QStringLiteral("succeeded"));
        const HttpResult again = m_http.post(QStringLiteral("/jobs/%1/run-now").arg(id), {});
        QCOMPARE(again.status, 409);
        QCOMPARE(again.errorCode(), QStringLiteral("conflict"));
        QCOMPARE(m_http.post(QStringLiteral("/jobs/424242/run-now"), {}).status, 404);
    }

    void listFiltersAndPages()
    {
        for (int i = 0; i < 5; ++i)
            submitted({ { QStringLiteral("type"), QStringLiteral("echo") },
                { QStringLiteral("queue"), QStringLiteral("a") } });
        submitted({ { QStringLiteral("type"), QStringLiteral("fail") } });
        QTRY_COMPARE(m_engine->stats().finishedTotal, 6u);

        const QJsonObject failed = m_http.get(QStringLiteral("/jobs?status=failed")).json();
        QCOMPARE(failed.value(QLatin1StringView("jobs")).toArray().size(), 1);

        const QJsonObject first = m_http.get(QStringLiteral("/jobs?queue=a&limit=3")).json();
        const QJsonArray page1 = first.value(QLatin1StringView("jobs")).toArray();
        QCOMPARE(page1.size(), 3);
        QVERIFY(page1[0].toObject().value(QLatin1StringView("id")).toString().toLongLong()
            > page1[1].toObject().value(QLatin1StringView("id")).toString().toLongLong());
        const QString cursor = first.value(QLatin1StringView("next_cursor")).toString();
        QVERIFY(!cursor.isEmpty());
        const QJsonObject second = m_http.get(QStringLiteral("/jobs?queue=a&limit=3&cursor=") + cursor).json();
        QCOMPARE(second.value(QLatin1StringView("jobs")).toArray().size(), 2);
        QVERIFY(second.value(QLatin1StringView("next_cursor")).isNull());
    }

    // Search, every sort in both directions paged through next_cursor, the error code filter and
    // the scheduled list by due time, through HTTP, on either store.
    void findSortAndPage_data()
    {
        QTest::addColumn<bool>("sqlite");
        QTest::newRow("in-memory") << false;
        QTest::newRow("sqlite") << true;
    }
    void findSortAndPage()
    {
        QFETCH(bool, sqlite);
        QTemporaryDir dir;
        std::unique_ptr<JobStore> store;
        if (sqlite)
            store = std::make_unique<SqliteJobStore>(
                dir.filePath(QStringLiteral("jobs.db")), SqliteJobStore::Sync::Normal);
        else
            store = std::make_unique<MemoryJobStore>(1000);
        EngineConfig config;
        config.workers = 2;
        config.retryBaseMs = 1;
        config.retryMaxMs = 5;
        auto engine = std::make_unique<Engine>(config, std::move(store));
        QString error;
        QVERIFY2(engine->open(&error), qPrintable(error));
        engine->start();
        ServerConfig serverConfig;
        serverConfig.port = 0;
        Server server(serverConfig, engine.get());
        QVERIFY2(server.start(&error), qPrintable(error));
        TestHttp http(server.url());

        const auto object
            = [](std::initializer_list<QPair<QString, QJsonValue>> fields) { return QJsonObject(fields); };
        QJsonArray batch;
        const QList<int> priorities { 3, 1, 3, 2, 0, 3, 1 };
        for (int i = 0; i < priorities.size(); ++i) {
            batch.append(object(
                { { QStringLiteral("type"), QStringLiteral("echo") }, { QStringLiteral("priority"), priorities[i] },
                    { QStringLiteral("payload"),
                        object({ { QStringLiteral("tag"),
                            i == 2 ? QStringLiteral("Needle-7") : QStringLiteral("hay") } }) } }));
        }
        batch.append(object({ { QStringLiteral("type"), QStringLiteral("fail") } })); // "the job failed as asked"
        batch.append(object({ { QStringLiteral("type"), QStringLiteral("fail") }, { QStringLiteral("max_attempts"), 3 },
            { QStringLiteral("payload"),
                object({ { QStringLiteral("message"), QStringLiteral("disk 100%_full") } }) } }));
        batch.append(object(
            { { QStringLiteral("type"), QStringLiteral("sleep") }, { QStringLiteral("payload"), sleepMs(60) } }));
        batch.append(object(
            { { QStringLiteral("type"), QStringLiteral("sleep") }, { QStringLiteral("payload"), sleepMs(20) } }));
        const qsizetype running = batch.size();
        for (const int delay : { 600000, 300000, 900000 })
            batch.append(
                object({ { QStringLiteral("type"), QStringLiteral("echo") }, { QStringLiteral("delay_ms"), delay } }));
        QCOMPARE(http.postJson(QStringLiteral("/jobs/batch"), { { QStringLiteral("jobs"), batch } }).status, 202);

        const auto listed = [&http](const QString& query) {
            QList<QJsonObject> jobs;
            for (const QJsonValue& job :
                http.get(QStringLiteral("/jobs?") + query).json().value(QLatin1StringView("jobs")).toArray())
                jobs.append(job.toObject());
            return jobs;
        };
        const auto idsOf = [](const QList<QJsonObject>& jobs) {
            QList<qint64> ids;
            for (const QJsonObject& job : jobs)
                ids.append(job.value(QLatin1StringView("id")).toString().toLongLong());
            return ids;
        };
        // Every job but the scheduled ones finished, as the list (a commit behind at most) shows.
        QTRY_COMPARE(listed(QStringLiteral("limit=1000&status=succeeded")).size()
                + listed(QStringLiteral("limit=1000&status=failed")).size(),
            running);
        const QList<QJsonObject> all = listed(QStringLiteral("limit=1000"));
        QCOMPARE(all.size(), batch.size());
        const qint64 needle = idsOf(all).at(all.size() - 3);
        const qint64 asked = idsOf(all).at(all.size() - 8);
        const qint64 full = idsOf(all).at(all.size() - 9);

        QCOMPARE(idsOf(listed(QStringLiteral("search=needle-7"))), QList<qint64> { needle });
        QCOMPARE(idsOf(listed(QStringLiteral("search=AS%20ASKED"))), QList<qint64> { asked }); // the error message
        QCOMPARE(idsOf(listed(QStringLiteral("search=0%25_f"))), QList<qint64> { full }); // no wildcard
        QCOMPARE(listed(QStringLiteral("search=no%20such%20text")).size(), 0);

        const auto timeOf = [](const QJsonObject& job, const char* field) {
            const QJsonValue value = job.value(QLatin1StringView(field));
            return value.isNull() ? qint64(0)
                                  : QDateTime::fromString(value.toString(), Qt::ISODateWithMs).toMSecsSinceEpoch();
        };
        const auto keyOf = [&timeOf](const QJsonObject& job, const QString& sort) -> qint64 {
            if (sort == QLatin1StringView("priority"))
                return job.value(QLatin1StringView("priority")).toInt();
            if (sort == QLatin1StringView("attempts"))
                return job.value(QLatin1StringView("attempts")).toInt();
            if (sort == QLatin1StringView("run_time"))
                return qMax<qint64>(0, timeOf(job, "finished_at") - timeOf(job, "started_at"));
            if (sort == QLatin1StringView("due"))
                return timeOf(job, "run_at");
            return job.value(QLatin1StringView("id")).toString().toLongLong();
        };
        for (const QString& sort : { QStringLiteral("created"), QStringLiteral("run_time"), QStringLiteral("attempts"),
                 QStringLiteral("priority") }) {
            for (const bool ascending : { false, true }) {
                QList<QJsonObject> expected = all;
                std::sort(expected.begin(), expected.end(), [&](const QJsonObject& a, const QJsonObject& b) {
                    const auto ka = std::make_pair(keyOf(a, sort), keyOf(a, QString()));
                    const auto kb = std::make_pair(keyOf(b, sort), keyOf(b, QString()));
                    return ascending ? ka < kb : kb < ka;
                });
                const QString query = QStringLiteral("sort=%1&order=%2&limit=3")
                                          .arg(sort, ascending ? QStringLiteral("asc") : QStringLiteral("desc"));
                QList<qint64> seen;
                QString cursor;
                for (int page = 0; page < 20; ++page) {
                    const QJsonObject answer
                        = http.get(QStringLiteral("/jobs?") + query
                                  + (cursor.isEmpty() ? QString() : QStringLiteral("&cursor=") + cursor))
                              .json();
                    for (const QJsonValue& job : answer.value(QLatin1StringView("jobs")).toArray())
                        seen.append(job.toObject().value(QLatin1StringView("id")).toString().toLongLong());
                    if (answer.value(QLatin1StringView("next_cursor")).isNull())
                        break;
                    cursor = answer.value(QLatin1StringView("next_cursor")).toString();
                }
                QVERIFY2(seen == idsOf(expected), qPrintable(query));
            }
        }

        const QList<QJsonObject> failed = listed(QStringLiteral("error_code=job_failed&sort=attempts&order=desc"));
        QCOMPARE(idsOf(failed), (QList<qint64> { full, asked }));
        QCOMPARE(failed.first().value(QLatin1StringView("attempts")).toInt(), 3);

        const QList<qint64> scheduled = idsOf(listed(QStringLiteral("status=scheduled&sort=due&order=asc")));
        const qint64 last = idsOf(all).first();
        QCOMPARE(scheduled, (QList<qint64> { last - 1, last - 2, last }));
        QCOMPARE(http.post(QStringLiteral("/jobs/%1/run-now").arg(last), {}).status, 200);
        QTRY_COMPARE(idsOf(listed(QStringLiteral("status=scheduled&sort=due&order=asc"))),
            (QList<qint64> { last - 1, last - 2 }));
        QCOMPARE(http.post(QStringLiteral("/jobs/%1/run-now").arg(last), {}).errorCode(), QStringLiteral("conflict"));
        server.stopNow();
    }

    void queueCapacityAnswers503()
    {
        m_http.post(QStringLiteral("/queues/default/pause"), {});
        QJsonArray batch;
        for (int i = 0; i < 50; ++i) // the fixture's capacity
            batch.append(QJsonObject { { QStringLiteral("type"), QStringLiteral("echo") } });
        QCOMPARE(m_http.postJson(QStringLiteral("/jobs/batch"), { { QStringLiteral("jobs"), batch } }).status, 202);
        const HttpResult full
            = m_http.postJson(QStringLiteral("/jobs"), { { QStringLiteral("type"), QStringLiteral("echo") } });
        QCOMPARE(full.status, 503);
        QCOMPARE(full.errorCode(), QStringLiteral("queue_full"));
        QVERIFY(!full.header("Retry-After").isEmpty());
    }

    void drainingRefusesSubmissionsButServesReads()
    {
        const QString id = submitted(
            { { QStringLiteral("type"), QStringLiteral("sleep") }, { QStringLiteral("payload"), sleepMs(400) } });
        QTRY_COMPARE(statusOf(id), QStringLiteral("running"));
        QSignalSpy stopped(m_server.get(), &Server::stopped);
        m_server->stop(5000);

        const HttpResult refused
            = m_http.postJson(QStringLiteral("/jobs"), { { QStringLiteral("type"), QStringLiteral("echo") } });
        QCOMPARE(refused.status, 503);
        QVERIFY(!refused.header("Retry-After").isEmpty());
        QCOMPARE(m_http.get(QStringLiteral("/health")).status, 503);
        QCOMPARE(m_http.get(QStringLiteral("/jobs/") + id).status, 200);

        QVERIFY(stopped.wait(5000));
        QCOMPARE(m_engine->job(id.toLongLong())->status, JobStatus::Succeeded);
        QVERIFY(!m_server->isListening());
        QCOMPARE(m_http.get(QStringLiteral("/health")).status, 0); // connection refused

        QString error;
        QVERIFY(m_server->start(&error)); // Start again: same port
        QCOMPARE(m_http.get(QStringLiteral("/health")).status, 200);
    }

    void aPageOfBigJobsStaysWithinItsBudget()
    {
        // 20 jobs of 900 KB each: one page of them all would be 18 MB.
        const QString big(900 * 1024, u'x');
        QStringList ids;
        for (int i = 0; i < 20; ++i) {
            ids.append(submitted({ { QStringLiteral("type"), QStringLiteral("echo") },
                { QStringLiteral("queue"), QStringLiteral("bulky") }, { QStringLiteral("payload"), big } }));
        }
        QStringList listed;
        QString cursor;
        int pages = 0;
        do {
            const HttpResult page = m_http.get(QStringLiteral("/jobs?queue=bulky&limit=1000")
                + (cursor.isEmpty() ? QString() : QStringLiteral("&cursor=") + cursor));
            QCOMPARE(page.status, 200);
            QVERIFY2(page.body.size() < 10 * 1024 * 1024, QByteArray::number(page.body.size()).constData());
            const QJsonObject json = page.json();
            for (const QJsonValue& job : json.value(QLatin1StringView("jobs")).toArray())
                listed.append(job.toObject().value(QLatin1StringView("id")).toString());
            cursor = json.value(QLatin1StringView("next_cursor")).toString();
            ++pages;
        } while (!cursor.isEmpty() && pages < 20);
        QVERIFY(pages > 1);
        std::reverse(listed.begin(), listed.end()); // newest first
        QCOMPARE(listed, ids);
    }

    void longPollWaitingAtStopIsAnswered()
    {
        // A job that cannot run (its queue is paused) and a client waiting for it to finish.
        QCOMPARE(m_http.request("POST", QStringLiteral("/queues/held/pause")).status, 200);
        const QString id = submitted({ { QStringLiteral("type"), QStringLiteral("echo") },
            { QStringLiteral("queue"), QStringLiteral("held") } });
        QNetworkAccessManager manager;
        std::unique_ptr<QNetworkReply> poll(manager.get(QNetworkRequest(
            m_server->url().resolved(QUrl(QStringLiteral("/jobs/") + id + QStringLiteral("?wait_ms=30000"))))));
        QSignalSpy sent(poll.get(), &QNetworkReply::requestSent);
        QVERIFY(sent.wait(5000));
        QCOMPARE(m_http.get(QStringLiteral("/health")).status, 200); // the HTTP thread has read the poll by now
        QVERIFY(poll->isRunning());
        QSignalSpy stopped(m_server.get(), &Server::stopped);
        m_server->stop(1000);
        QTRY_VERIFY(poll->isFinished());
        QCOMPARE(poll->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QCOMPARE(QJsonDocument::fromJson(poll->readAll()).object().value(QLatin1StringView("status")).toString(),
            QStringLiteral("queued"));
        QTRY_COMPARE(stopped.count(), 1);
        QString error;
        QVERIFY(m_server->start(&error));
    }

    void requestsRefusedBeforeRoutingAreCounted()
    {
        const QByteArray answer = rawAnswer("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ten\r\n\r\n");
        QVERIFY2(answer.startsWith("HTTP/1.1 400 "), answer.constData());

        const QByteArray metrics = m_http.get(QStringLiteral("/metrics")).body;
        QVERIFY2(metrics.contains("queuelab_http_requests_total{route=\"(guard)\",status=\"400\"} 1\n"),
            metrics.constData());
    }

    void theRequestLogKeepsTheAnswer()
    {
        const RequestLog* log = m_server->requestLog();
        const quint64 before = log->lastSeq();
        QCOMPARE(m_http.get(QStringLiteral("/jobs/999")).status, 404);
        const QString id = submitted({ { QStringLiteral("type"), QStringLiteral("echo") } });
        const QByteArray refused = rawAnswer("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ten\r\n\r\n");
        QVERIFY2(refused.startsWith("HTTP/1.1 400 "), refused.constData());
        QTRY_VERIFY(log->lastSeq() >= before + 3);

        const QList<RequestLogEntry> entries = log->since(before);
        const auto entryFor = [&entries](const QString& target, int status) {
            for (const RequestLogEntry& entry : entries) {
                if (entry.target == target && entry.status == status)
                    return entry;
            }
            return RequestLogEntry {};
        };
        const RequestLogEntry missing = entryFor(QStringLiteral("/jobs/999"), 404);
        QCOMPARE(missing.method, QStringLiteral("GET"));
        QCOMPARE(missing.errorCode, QStringLiteral("not_found"));
        QVERIFY(!missing.errorMessage.isEmpty());
        QVERIFY2(missing.answerPreview.contains(QStringLiteral("\"not_found\"")), qPrintable(missing.answerPreview));
        const RequestLogEntry accepted = entryFor(QStringLiteral("/jobs"), 202);
        QVERIFY(accepted.errorCode.isEmpty());
        QVERIFY2(accepted.answerPreview.contains(id), qPrintable(accepted.answerPreview));
        QVERIFY(accepted.bodyPreview.contains(QStringLiteral("echo")));
        // Refused by the guard before any route: logged too, with its error.
        const RequestLogEntry guarded = entryFor(QString(), 400);
        QCOMPARE(guarded.errorCode, QStringLiteral("bad_request"));
        QVERIFY(!guarded.errorMessage.isEmpty());
    }

    void tokenIsRequiredWhenSet()
    {
        m_server.reset();
        ServerConfig config;
        config.port = 0;
        config.token = "s3cret";
        m_server = std::make_unique<Server>(config, m_engine.get());
        QString error;
        QVERIFY(m_server->start(&error));
        TestHttp anonymous(m_server->url());
        const HttpResult refused = anonymous.get(QStringLiteral("/stats"));
        QCOMPARE(refused.status, 401);
        QVERIFY(refused.header("WWW-Authenticate").startsWith("Bearer"));
        TestHttp wrong(m_server->url());
        wrong.setHeader("Authorization", "Bearer s3cre");
        QCOMPARE(wrong.get(QStringLiteral("/stats")).status, 401);
        TestHttp right(m_server->url());
        right.setHeader("Authorization", "Bearer s3cret");
        QCOMPARE(right.get(QStringLiteral("/stats")).status, 200);
        // A field sent twice counts as its values joined (RFC 9110 5.3): neither copy passes alone.
        const QByteArray twice = rawAnswer("GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                           "Authorization: Bearer s3cret\r\nAuthorization: Bearer s3cret\r\n\r\n");
        QVERIFY2(twice.startsWith("HTTP/1.1 401 "), twice.constData());
    }

    void aRepeatedContentTypeIsNotJson()
    {
        const QByteArray answer
            = rawAnswer("POST /jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        "content-type: application/json\r\nContent-Length: 15\r\n\r\n{\"type\":\"echo\"}");
        QVERIFY2(answer.startsWith("HTTP/1.1 415 "), answer.constData());
    }

private:
    // The head of the answer to `request`, sent as is on a new connection.
    QByteArray rawAnswer(const QByteArray& request)
    {
        QTcpSocket raw;
        raw.connectToHost(QHostAddress::LocalHost, quint16(m_server->url().port()));
        if (!raw.waitForConnected(5000))
            return "not connected";
        raw.write(request);
        QByteArray answer;
        if (!QTest::qWaitFor([&] { return (answer += raw.readAll()).contains("\r\n\r\n"); }, 5000))
            return "no answer: " + answer;
        return answer;
    }
};

QTEST_GUILESS_MAIN(TestHttpApi)
#include "tst_httpapi.moc"
