#include "enginetesting.h"
#include "server.h"
#include "store/sqlite/sqlitejobstore.h"
#include "testhttp.h"

#include <QJsonArray>
#include <QTemporaryDir>

using namespace Qt::StringLiterals;

// POST /jobs/bulk/{retry|cancel|delete} through real HTTP, on both stores: the filters, the dry
// run's count, the count acted on, and (SQLite) that what it did survives a restart.
class TestBulkApi : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Server> m_server;
    TestHttp m_http;

    std::unique_ptr<JobStore> makeStore(bool sqlite)
    {
        if (sqlite)
            return std::make_unique<SqliteJobStore>(
                m_dir.filePath(QStringLiteral("jobs.db")), SqliteJobStore::Sync::Normal);
        return std::make_unique<MemoryJobStore>(100000);
    }
    void startServer(bool sqlite)
    {
        EngineConfig config;
        config.workers = 2;
        m_engine = std::make_unique<Engine>(config, makeStore(sqlite));
        QString error;
        QVERIFY2(m_engine->open(&error), qPrintable(error));
        ServerConfig serverConfig;
        serverConfig.port = 0;
        m_server = std::make_unique<Server>(serverConfig, m_engine.get());
        QVERIFY2(m_server->start(&error), qPrintable(error));
        m_http.setBase(m_server->url());
    }
    void stopServer()
    {
        m_server.reset();
        m_engine.reset();
    }
    QString submitted(const QJsonObject& job)
    {
        const HttpResult result = m_http.postJson(QStringLiteral("/jobs"), job);
        if (result.status != 202)
            qFatal("submission failed: %d %s", result.status, result.body.constData());
        return result.json().value(QLatin1StringView("id")).toString();
    }
    QJsonObject jobJson(const QString& id) { return m_http.get(QStringLiteral("/jobs/") + id).json(); }
    QString statusOf(const QString& id) { return jobJson(id).value(QLatin1StringView("status")).toString(); }
    HttpResult bulk(const char* action, const QJsonObject& body)
    {
        return m_http.postJson(QStringLiteral("/jobs/bulk/") + QLatin1StringView(action), body);
    }
    qint64 count(const HttpResult& result) { return result.json().value(QLatin1StringView("count")).toInteger(-1); }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }
    void cleanup()
    {
        stopServer();
        QFile::remove(m_dir.filePath(QStringLiteral("jobs.db")));
    }

    void actions_data()
    {
        QTest::addColumn<bool>("sqlite");
        QTest::newRow("in-memory") << false;
        QTest::newRow("sqlite") << true;
    }
    void actions()
    {
        QFETCH(bool, sqlite);
        startServer(sqlite);
        QCOMPARE(m_http.post(QStringLiteral("/queues/hold/pause"), {}).status, 200);

        QStringList failedMail;
        for (int i = 0; i < 5; ++i)
            failedMail << submitted({ { u"type"_s, u"fail"_s }, { u"queue"_s, u"mail"_s } });
        const QString timedOut = submitted({ { u"type"_s, u"sleep"_s }, { u"queue"_s, u"mail"_s },
            { u"payload"_s, QJsonObject { { u"ms"_s, 60000 } } }, { u"timeout_ms"_s, 50 } });
        QStringList succeeded;
        for (int i = 0; i < 3; ++i)
            succeeded << submitted({ { u"type"_s, u"echo"_s }, { u"queue"_s, u"mail"_s } });
        QStringList held;
        for (int i = 0; i < 4; ++i)
            held << submitted({ { u"type"_s, u"echo"_s }, { u"queue"_s, u"hold"_s } });
        for (int i = 0; i < 2; ++i)
            held << submitted({ { u"type"_s, u"echo"_s }, { u"queue"_s, u"hold"_s }, { u"delay_ms"_s, 600000 } });
        const QString otherQueue
            = submitted({ { u"type"_s, u"echo"_s }, { u"queue"_s, u"other"_s }, { u"delay_ms"_s, 600000 } });
        QTRY_COMPARE_WITH_TIMEOUT(statusOf(timedOut), QStringLiteral("failed"), 10000);
        for (const QString& id : failedMail + succeeded)
            QTRY_VERIFY_WITH_TIMEOUT(statusOf(id) == u"failed"_s || statusOf(id) == u"succeeded"_s, 10000);

        // Retry: failed jobs of one queue and error code; the dry run counts without acting.
        HttpResult result = bulk(
            "retry", { { u"queue"_s, u"mail"_s }, { u"error_code"_s, u"job_failed"_s }, { u"dry_run"_s, true } });
        QCOMPARE(result.status, 200);
        QCOMPARE(count(result), 5);
        QCOMPARE(result.json().value(u"dry_run"_s).toBool(), true);
        QCOMPARE(jobJson(failedMail.first()).value(u"attempts"_s).toInt(), 1);
        QCOMPARE(count(bulk("retry", { { u"error_code"_s, u"timeout"_s }, { u"dry_run"_s, true } })), 1);
        QCOMPARE(count(bulk("retry", { { u"error_code"_s, u"no_such_code"_s }, { u"dry_run"_s, true } })), 0);
        QCOMPARE(count(bulk("retry", { { u"queue"_s, u"nowhere"_s }, { u"dry_run"_s, true } })), 0);
        result = bulk("retry", { { u"queue"_s, u"mail"_s }, { u"error_code"_s, u"job_failed"_s } });
        QCOMPARE(result.status, 200);
        QCOMPARE(count(result), 5);
        QCOMPARE(result.json().value(u"dry_run"_s).toBool(), false);
        for (const QString& id : failedMail) {
            QTRY_COMPARE_WITH_TIMEOUT(jobJson(id).value(u"attempts"_s).toInt(), 2, 10000);
            QTRY_COMPARE_WITH_TIMEOUT(statusOf(id), QStringLiteral("failed"), 10000);
        }
        QCOMPARE(jobJson(timedOut).value(u"attempts"_s).toInt(), 1); // another error code: left alone

        // GET /jobs takes the error code too.
        const QJsonArray timeouts
            = m_http.get(QStringLiteral("/jobs?error_code=timeout")).json().value(u"jobs"_s).toArray();
        QCOMPARE(timeouts.size(), 1);
        QCOMPARE(timeouts.at(0).toObject().value(u"id"_s).toString(), timedOut);

        // Cancel: queued and scheduled jobs of a queue; the scheduled ones alone by status.
        QCOMPARE(count(bulk(
                     "cancel", { { u"queue"_s, u"hold"_s }, { u"status"_s, u"scheduled"_s }, { u"dry_run"_s, true } })),
            2);
        QCOMPARE(count(bulk("cancel", { { u"queue"_s, u"hold"_s }, { u"dry_run"_s, true } })), 6);
        result = bulk("cancel", { { u"queue"_s, u"hold"_s } });
        QCOMPARE(result.status, 200);
        QCOMPARE(count(result), 6);
        for (const QString& id : held)
            QCOMPARE(statusOf(id), QStringLiteral("cancelled")); // answered once committed
        QCOMPARE(statusOf(otherQueue), QStringLiteral("scheduled"));

        // Delete: finished jobs; succeeded ones only, then every finished one of a type.
        QCOMPARE(count(bulk("delete", { { u"status"_s, u"succeeded"_s }, { u"dry_run"_s, true } })), 3);
        result = bulk("delete", { { u"status"_s, u"succeeded"_s } });
        QCOMPARE(result.status, 200);
        QCOMPARE(count(result), 3);
        for (const QString& id : succeeded)
            QCOMPARE(m_http.get(QStringLiteral("/jobs/") + id).status, 404);
        QCOMPARE(count(bulk("delete", { { u"type"_s, u"fail"_s } })), 5);
        QCOMPARE(m_http.get(QStringLiteral("/jobs/") + failedMail.first()).status, 404);
        QCOMPARE(statusOf(timedOut), QStringLiteral("failed"));
        QCOMPARE(
            m_http.get(QStringLiteral("/stats")).json().value(u"counts"_s).toObject().value(u"succeeded"_s).toInt(), 0);

        // An empty body: every job the action applies to.
        QCOMPARE(count(m_http.request("POST", QStringLiteral("/jobs/bulk/cancel"), {}, {})), 1);
        QCOMPARE(statusOf(otherQueue), QStringLiteral("cancelled"));

        if (!sqlite)
            return;
        // What was answered is committed: after a restart the deleted jobs are gone, the
        // cancelled ones cancelled.
        stopServer();
        startServer(true);
        QCOMPARE(m_http.get(QStringLiteral("/jobs/") + succeeded.first()).status, 404);
        QCOMPARE(m_http.get(QStringLiteral("/jobs/") + failedMail.last()).status, 404);
        QCOMPARE(statusOf(held.first()), QStringLiteral("cancelled"));
        QCOMPARE(statusOf(held.last()), QStringLiteral("cancelled"));
        QCOMPARE(statusOf(timedOut), QStringLiteral("failed"));
        // Deleting the newest jobs does not give their ids out again.
        const qint64 newest = otherQueue.toLongLong();
        QCOMPARE(count(bulk("delete", {})), 8); // 7 cancelled and the timed-out one
        stopServer();
        startServer(true);
        QVERIFY(submitted({ { u"type"_s, u"echo"_s } }).toLongLong() > newest);
    }

    void refusals_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("message"); // a fragment

        const QByteArray json = "application/json";
        QTest::newRow("unknown action") << "/jobs/bulk/archive" << QByteArray("{}") << json << 404 << "not_found"
                                        << "retry, cancel or delete";
        QTest::newRow("status the action does not apply to")
            << "/jobs/bulk/cancel" << QByteArray(R"({"status":"running"})") << json << 400 << "invalid_field"
            << "status must be one of queued, scheduled";
        QTest::newRow("retry of succeeded jobs")
            << "/jobs/bulk/retry" << QByteArray(R"({"status":"succeeded"})") << json << 400 << "invalid_field"
            << "failed, cancelled";
        QTest::newRow("unknown status") << "/jobs/bulk/delete" << QByteArray(R"({"status":"done"})") << json << 400
                                        << "invalid_field"
                                        << "status";
        QTest::newRow("a typo is not a wider filter")
            << "/jobs/bulk/delete" << QByteArray(R"({"queu":"mail"})") << json << 400 << "invalid_field"
            << "queu is not a filter";
        QTest::newRow("dry_run not a boolean")
            << "/jobs/bulk/delete" << QByteArray(R"({"dry_run":"yes"})") << json << 400 << "invalid_field"
            << "dry_run must be true or false";
        QTest::newRow("queue not a string")
            << "/jobs/bulk/retry" << QByteArray(R"({"queue":5})") << json << 400 << "invalid_field"
            << "queue must be a string";
        QTest::newRow("malformed json") << "/jobs/bulk/retry" << QByteArray(R"({"queue":)") << json << 400
                                        << "malformed_json"
                                        << "";
        QTest::newRow("not json") << "/jobs/bulk/retry" << QByteArray("queue=mail") << QByteArray("text/plain") << 415
                                  << "unsupported_media_type"
                                  << "";
    }
    void refusals()
    {
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, contentType);
        QFETCH(int, status);
        QFETCH(QString, code);
        QFETCH(QString, message);
        startServer(false);
        const QString kept = submitted({ { u"type"_s, u"echo"_s }, { u"delay_ms"_s, 600000 } });
        const HttpResult result = m_http.request("POST", path, body, contentType);
        QCOMPARE(result.status, status);
        QCOMPARE(result.errorCode(), code);
        QVERIFY2(result.errorMessage().contains(message), qPrintable(result.errorMessage()));
        QCOMPARE(statusOf(kept), QStringLiteral("scheduled")); // nothing was done
        QCOMPARE(m_http.get(QStringLiteral("/jobs/bulk/retry")).status, 405);
    }
};

QTEST_GUILESS_MAIN(TestBulkApi)
#include "tst_bulkapi.moc"
