#include "enginetesting.h"
#include "server.h"
#include "testhttp.h"

#include <QDateTime>
#include <QJsonArray>
#include <QTcpSocket>
#include <QTimer>

using namespace Qt::StringLiterals;

// The HTTP worker API through real HTTP against a real server on 127.0.0.1, port 0.
class TestWorkersApi : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Server> m_server;
    TestHttp m_http;

    static QJsonObject worker(const QString& id)
    {
        return {
            { QStringLiteral("id"), id },
            { QStringLiteral("hostname"), QStringLiteral("testhost") },
            { QStringLiteral("pid"), 4242 },
            { QStringLiteral("labels"), QJsonArray { QStringLiteral("test") } },
            { QStringLiteral("queues"), QJsonArray { QStringLiteral("default") } },
            { QStringLiteral("job_types"), QJsonArray { QStringLiteral("external") } },
        };
    }
    QString submitted(const QJsonObject& extra = {})
    {
        QJsonObject job { { QStringLiteral("type"), QStringLiteral("external") } };
        for (auto it = extra.begin(); it != extra.end(); ++it)
            job.insert(it.key(), it.value());
        const HttpResult result = m_http.postJson(QStringLiteral("/jobs"), job);
        if (result.status != 202)
            qFatal("submission failed: %d %s", result.status, result.body.constData());
        return result.json().value(QLatin1StringView("id")).toString();
    }
    HttpResult leased(const QString& workerId, qint64 waitMs = 0, qint64 reserveForMs = 0)
    {
        QJsonObject body { { QStringLiteral("wait_ms"), waitMs } };
        if (reserveForMs)
            body.insert(QStringLiteral("reserve_for_ms"), reserveForMs);
        return m_http.postJson(QStringLiteral("/workers/%1/lease").arg(workerId), body);
    }
    qint64 lastSeenAt(const QString& id) const
    {
        for (const ExternalWorkerStatus& worker : m_engine->externalWorkers()) {
            if (worker.registration.id == id)
                return worker.lastSeenAt;
        }
        return 0;
    }
    static QJsonArray leasesOf(const HttpResult& result)
    {
        return result.json().value(QLatin1StringView("leases")).toArray();
    }

private Q_SLOTS:
    void init()
    {
        EngineConfig config;
        config.workers = 1;
        config.retryBaseMs = 10;
        config.retryMaxMs = 20;
        m_engine = startedEngine(config);
        ServerConfig serverConfig;
        serverConfig.port = 0;
        m_server = std::make_unique<Server>(serverConfig, m_engine.get());
        QString error;
        QVERIFY2(m_server->start(&error), qPrintable(error));
        m_http.setBase(m_server->url());
        const HttpResult registered = m_http.postJson(QStringLiteral("/workers"), worker(QStringLiteral("w1")));
        QCOMPARE(registered.status, 200);
        QCOMPARE(registered.json().value(QLatin1StringView("state")).toString(), QStringLiteral("idle"));
    }

    void cleanup()
    {
        m_server.reset();
        m_engine.reset();
    }

    void registerRefusesBadInput()
    {
        QJsonObject bad = worker(QStringLiteral("w2"));
        bad.insert(QStringLiteral("labels"), QStringLiteral("not-an-array"));
        HttpResult result = m_http.postJson(QStringLiteral("/workers"), bad);
        QCOMPARE(result.status, 400);
        QCOMPARE(result.errorCode(), QStringLiteral("invalid_field"));
        QVERIFY(result.errorMessage().startsWith(QStringLiteral("labels")));
        result = m_http.postJson(QStringLiteral("/workers"), QJsonObject {});
        QCOMPARE(result.status, 400);
    }

    void unknownWorkerIs404()
    {
        HttpResult result = m_http.post(QStringLiteral("/workers/nobody/beat"), {});
        QCOMPARE(result.status, 404);
        QCOMPARE(result.errorCode(), QStringLiteral("unknown_worker"));
        result = leased(QStringLiteral("nobody"));
        QCOMPARE(result.status, 404);
        QCOMPARE(result.errorCode(), QStringLiteral("unknown_worker"));
    }

    void leaseIsEmptyWhenWaitPasses()
    {
        const HttpResult result = leased(QStringLiteral("w1"), 300);
        QCOMPARE(result.status, 200);
        QVERIFY2(result.elapsedMs >= 250, qPrintable(QString::number(result.elapsedMs)));
        QVERIFY(leasesOf(result).isEmpty());
    }

    void longPollIsAnsweredWhenAJobArrives()
    {
        TestHttp poller(m_server->url());
        QString jobId;
        QTimer::singleShot(200, this, [&] { jobId = submitted(); });
        const HttpResult result = poller.postJson(
            QStringLiteral("/workers/w1/lease"), QJsonObject { { QStringLiteral("wait_ms"), 10000 } });
        QCOMPARE(result.status, 200);
        const QJsonArray leases = leasesOf(result);
        QCOMPARE(leases.size(), 1);
        const QJsonObject lease = leases.first().toObject();
        QCOMPARE(lease.value(QLatin1StringView("job")).toObject().value(QLatin1StringView("id")).toString(), jobId);
        QVERIFY(!lease.value(QLatin1StringView("token")).toString().isEmpty());
        QVERIFY(lease.value(QLatin1StringView("expires_at")).toDouble() > 0);
    }

    void workerThatLeavesDuringALongPollLosesNoJob()
    {
        // The long poll is in the engine once it has counted as a sign of life.
        const qint64 registeredSeen = lastSeenAt(QStringLiteral("w1"));
        QTRY_VERIFY(QDateTime::currentMSecsSinceEpoch() > registeredSeen);
        QTcpSocket client;
        client.connectToHost(m_server->url().host(), quint16(m_server->url().port()));
        QVERIFY(client.waitForConnected(5000));
        const QByteArray body = R"({"wait_ms":30000,"reserve_for_ms":600000})";
        client.write("POST /workers/w1/lease HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                     "Content-Length: "
            + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        QVERIFY(client.waitForBytesWritten(5000));
        QTRY_VERIFY(lastSeenAt(QStringLiteral("w1")) > registeredSeen);

        // It leaves, and a job arrives before the server has looked whether it is still there.
        client.abort();
        const QString id = submitted();

        // The job is not held for a worker that is gone: another one gets it at once, as its
        // first attempt.
        QCOMPARE(m_http.postJson(QStringLiteral("/workers"), worker(QStringLiteral("w2"))).status, 200);
        const HttpResult other = leased(QStringLiteral("w2"), 10000, 600000);
        QCOMPARE(other.status, 200);
        const QJsonArray leases = leasesOf(other);
        QCOMPARE(leases.size(), 1);
        const QJsonObject job = leases.first().toObject().value(QLatin1StringView("job")).toObject();
        QCOMPARE(job.value(QLatin1StringView("id")).toString(), id);
        QCOMPARE(job.value(QLatin1StringView("attempts")).toInt(), 1);
        QCOMPARE(job.value(QLatin1StringView("worker")).toString(), QStringLiteral("w2"));
        QCOMPARE(m_engine->workerCounts().leases, 1);
    }

    void progressAndComplete()
    {
        const QString id = submitted();
        const QJsonObject lease = leasesOf(leased(QStringLiteral("w1"))).first().toObject();
        const QString token = lease.value(QLatin1StringView("token")).toString();

        HttpResult result = m_http.postJson(QStringLiteral("/jobs/%1/lease/progress").arg(id),
            { { QStringLiteral("token"), token }, { QStringLiteral("progress"), 0.5 },
                { QStringLiteral("message"), QStringLiteral("half") } });
        QCOMPARE(result.status, 200);
        QCOMPARE(result.json().value(QLatin1StringView("progress")).toDouble(), 0.5);
        QCOMPARE(result.json().value(QLatin1StringView("directive")).toString(), QStringLiteral("ok"));

        result = m_http.postJson(QStringLiteral("/jobs/%1/lease/progress").arg(id),
            { { QStringLiteral("token"), token }, { QStringLiteral("progress"), 2 } });
        QCOMPARE(result.status, 400);

        result = m_http.postJson(QStringLiteral("/jobs/%1/lease/extend").arg(id),
            { { QStringLiteral("token"), token }, { QStringLiteral("reserve_for_ms"), 60000 } });
        QCOMPARE(result.status, 200);
        QCOMPARE(result.json().value(QLatin1StringView("cancelled")).toBool(), false);

        result = m_http.postJson(QStringLiteral("/jobs/%1/lease/complete").arg(id),
            { { QStringLiteral("token"), token }, { QStringLiteral("result"), QJsonObject { { u"ok"_s, true } } } });
        QCOMPARE(result.status, 200);
        QCOMPARE(result.json().value(QLatin1StringView("status")).toString(), QStringLiteral("succeeded"));

        // The same token again: the lease has ended.
        result = m_http.postJson(
            QStringLiteral("/jobs/%1/lease/complete").arg(id), { { QStringLiteral("token"), token } });
        QCOMPARE(result.status, 409);
        QCOMPARE(result.errorCode(), QStringLiteral("lease_lost"));
    }

    void failIsRetried()
    {
        const QString id = submitted({ { QStringLiteral("max_attempts"), 2 } });
        QString token = leasesOf(leased(QStringLiteral("w1"))).first().toObject().value(u"token"_s).toString();
        HttpResult result = m_http.postJson(QStringLiteral("/jobs/%1/lease/fail").arg(id),
            { { QStringLiteral("token"), token },
                { QStringLiteral("error"),
                    QJsonObject {
                        { u"code"_s, u"Boom"_s }, { u"message"_s, u"it broke"_s }, { u"details"_s, u"trace"_s } } } });
        QCOMPARE(result.status, 200);
        QVERIFY(result.json().value(QLatin1StringView("status")).toString() != QStringLiteral("failed"));

        // The retry comes back to a worker as a new lease with a new token.
        const QJsonArray again = leasesOf(leased(QStringLiteral("w1"), 5000));
        QCOMPARE(again.size(), 1);
        const QJsonObject lease = again.first().toObject();
        QCOMPARE(lease.value(u"job"_s).toObject().value(u"id"_s).toString(), id);
        QVERIFY(lease.value(u"token"_s).toString() != token);
        token = lease.value(u"token"_s).toString();
        result = m_http.postJson(QStringLiteral("/jobs/%1/lease/fail").arg(id),
            { { QStringLiteral("token"), token },
                { QStringLiteral("error"), QJsonObject { { u"message"_s, u"again"_s } } } });
        QCOMPARE(result.status, 200);
        QCOMPARE(result.json().value(QLatin1StringView("status")).toString(), QStringLiteral("failed"));

        result = m_http.postJson(QStringLiteral("/jobs/%1/lease/fail").arg(id), { { QStringLiteral("token"), token } });
        QCOMPARE(result.status, 400); // no error object
    }

    void finishManyInOneCall()
    {
        QStringList ids;
        for (int i = 0; i < 3; ++i)
            ids.append(submitted({ { QStringLiteral("max_attempts"), 1 } }));
        const QJsonArray leases = leasesOf(m_http.postJson(QStringLiteral("/workers/w1/lease"),
            { { QStringLiteral("max"), 3 }, { QStringLiteral("wait_ms"), 5000 } }));
        QCOMPARE(leases.size(), 3);
        const auto tokenOf = [&](int i) { return leases.at(i).toObject().value(u"token"_s).toString(); };
        const auto idOf
            = [&](int i) { return leases.at(i).toObject().value(u"job"_s).toObject().value(u"id"_s).toString(); };

        // A malformed outcome anywhere in the list changes nothing.
        HttpResult result = m_http.postJson(QStringLiteral("/leases/finish"),
            { { u"leases"_s,
                QJsonArray { QJsonObject { { u"job_id"_s, idOf(0) }, { u"token"_s, tokenOf(0) } },
                    QJsonObject { { u"job_id"_s, idOf(1) } } } } });
        QCOMPARE(result.status, 400);
        QVERIFY2(
            result.errorMessage().startsWith(QStringLiteral("leases[1].token")), qPrintable(result.errorMessage()));
        QCOMPARE(m_engine->workerCounts().leases, 3);
        result = m_http.postJson(QStringLiteral("/leases/finish"), { { u"leases"_s, QJsonArray {} } });
        QCOMPARE(result.status, 400);

        // One completed, one failed, one with a token that is not its lease's: each is answered
        // in the order given, the refused one with the status its single call would have had.
        result = m_http.postJson(QStringLiteral("/leases/finish"),
            { { u"leases"_s,
                QJsonArray {
                    QJsonObject { { u"job_id"_s, idOf(0) }, { u"token"_s, tokenOf(0) },
                        { u"result"_s, QJsonObject { { u"n"_s, 1 } } } },
                    QJsonObject { { u"job_id"_s, idOf(1) }, { u"token"_s, tokenOf(1) },
                        { u"error"_s, QJsonObject { { u"code"_s, u"Boom"_s }, { u"message"_s, u"it broke"_s } } } },
                    QJsonObject { { u"job_id"_s, idOf(2) }, { u"token"_s, u"not-the-token"_s } },
                } } });
        QCOMPARE(result.status, 200);
        const QJsonArray outcomes = result.json().value(u"leases"_s).toArray();
        QCOMPARE(outcomes.size(), 3);
        QCOMPARE(outcomes.at(0).toObject().value(u"job_id"_s).toString(), idOf(0));
        QCOMPARE(outcomes.at(0).toObject().value(u"status"_s).toString(), QStringLiteral("succeeded"));
        QCOMPARE(outcomes.at(1).toObject().value(u"status"_s).toString(), QStringLiteral("failed"));
        const QJsonObject refused = outcomes.at(2).toObject().value(u"error"_s).toObject();
        QCOMPARE(refused.value(u"status"_s).toInt(), 409);
        QCOMPARE(refused.value(u"code"_s).toString(), QStringLiteral("lease_lost"));

        // What the answer said is what the store holds.
        const QJsonObject first = m_http.get(QStringLiteral("/jobs/") + idOf(0)).json();
        QCOMPARE(first.value(u"status"_s).toString(), QStringLiteral("succeeded"));
        QCOMPARE(first.value(u"result"_s).toObject().value(u"n"_s).toInt(), 1);
        QCOMPARE(m_http.get(QStringLiteral("/jobs/") + idOf(1)).json().value(u"status"_s).toString(),
            QStringLiteral("failed"));
        QCOMPARE(m_engine->workerCounts().leases, 1); // the refused one is still leased
    }

    void foreignOrExpiredTokenIs409()
    {
        const QString id = submitted({ { QStringLiteral("max_attempts"), 2 } });
        const QString token
            = leasesOf(leased(QStringLiteral("w1"), 0, 1000)).first().toObject().value(u"token"_s).toString();
        HttpResult result = m_http.postJson(QStringLiteral("/jobs/%1/lease/complete").arg(id),
            { { QStringLiteral("token"), QStringLiteral("not-the-token") } });
        QCOMPARE(result.status, 409);
        QCOMPARE(result.errorCode(), QStringLiteral("lease_lost"));

        // Once the 1 s lease ran out, the job went back for another attempt; the old token is refused.
        QTRY_VERIFY_WITH_TIMEOUT(m_engine->workerCounts().leaseExpiries >= 1, 10000);
        result = m_http.postJson(
            QStringLiteral("/jobs/%1/lease/complete").arg(id), { { QStringLiteral("token"), token } });
        QCOMPARE(result.status, 409);
        QCOMPARE(result.errorCode(), QStringLiteral("lease_lost"));
        QVERIFY(m_http.get(QStringLiteral("/metrics")).body.contains("queuelab_lease_expiries_total 1"));
    }

    void cancelIsToldOnBeat()
    {
        const QString id = submitted();
        QCOMPARE(leasesOf(leased(QStringLiteral("w1"))).size(), 1);
        QVERIFY(m_http.request("DELETE", QStringLiteral("/jobs/") + id).status < 300);
        const HttpResult beat = m_http.post(QStringLiteral("/workers/w1/beat"), {});
        QCOMPARE(beat.status, 200);
        QCOMPARE(beat.json().value(QLatin1StringView("state")).toString(), QStringLiteral("ok"));
        QCOMPARE(beat.json().value(QLatin1StringView("cancelled_jobs")).toArray(), QJsonArray { id });
    }

    void listShowsLeasesWithoutTokens()
    {
        const QString id = submitted();
        const QString token = leasesOf(leased(QStringLiteral("w1"))).first().toObject().value(u"token"_s).toString();
        const HttpResult result = m_http.get(QStringLiteral("/workers"));
        QCOMPARE(result.status, 200);
        QVERIFY(!result.body.contains(token.toUtf8()));
        QVERIFY(!result.body.contains("\"token\""));
        const QJsonArray workers = result.json().value(QLatin1StringView("workers")).toArray();
        QCOMPARE(workers.size(), 1);
        const QJsonObject w1 = workers.first().toObject();
        QCOMPARE(w1.value(u"id"_s).toString(), QStringLiteral("w1"));
        QCOMPARE(w1.value(u"hostname"_s).toString(), QStringLiteral("testhost"));
        QCOMPARE(w1.value(u"state"_s).toString(), QStringLiteral("busy"));
        QCOMPARE(w1.value(u"leases"_s).toArray().first().toObject().value(u"job_id"_s).toString(), id);
        QVERIFY(m_http.get(QStringLiteral("/metrics")).body.contains("queuelab_external_workers{state=\"busy\"} 1"));
    }
};

QTEST_MAIN(TestWorkersApi)
#include "tst_workersapi.moc"
