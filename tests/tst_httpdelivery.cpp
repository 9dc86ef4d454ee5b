#include "enginetesting.h"
#include "server.h"
#include "testendpoint.h"
#include "testhttp.h"

#include <QJsonArray>
#include <QMessageAuthenticationCode>
#include <QTcpServer>

using namespace Qt::StringLiterals;

// http jobs through real sockets: QueueLab's server on port 0 takes the jobs over HTTP and
// delivers them to a scripted endpoint on another port.
class TestHttpDelivery : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Server> m_server;
    TestHttp m_http;
    std::unique_ptr<TestEndpoint> m_endpoint;

    void startServer(EngineConfig config = {})
    {
        m_server.reset();
        m_engine.reset();
        if (config.workers == 0)
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
    }
    QJsonObject httpJob(const QUrl& url, const QJsonObject& extraPayload = {}, int maxAttempts = 1)
    {
        QJsonObject payload { { u"url"_s, url.toString() } };
        for (auto it = extraPayload.begin(); it != extraPayload.end(); ++it)
            payload.insert(it.key(), it.value());
        return { { u"type"_s, u"http"_s }, { u"payload"_s, payload }, { u"max_attempts"_s, maxAttempts } };
    }
    QString submitted(const QJsonObject& job)
    {
        const HttpResult result = m_http.postJson(u"/jobs"_s, job);
        if (result.status != 202)
            qWarning("submission answered %d %s", result.status, result.body.constData());
        return result.json().value("id"_L1).toString();
    }
    QJsonObject jobJson(const QString& id) { return m_http.get(u"/jobs/"_s + id).json(); }
    QString statusOf(const QString& id) { return jobJson(id).value("status"_L1).toString(); }

private Q_SLOTS:
    void init()
    {
        m_endpoint = std::make_unique<TestEndpoint>();
        startServer();
    }
    void cleanup()
    {
        m_server.reset();
        m_engine.reset();
        m_endpoint.reset();
    }

    void deliversTheRequestAndRecordsTheAnswer()
    {
        m_endpoint->setScript({ { 200, { { "X-Answer", "yes" } }, "thanks", false } });
        const QString id = submitted(httpJob(m_endpoint->url(u"/orders?x=1"_s),
            { { u"method"_s, u"PUT"_s }, { u"headers"_s, QJsonObject { { u"X-Custom"_s, u"abc"_s } } },
                { u"body"_s, QJsonObject { { u"order"_s, 7 } } } }));
        QVERIFY(!id.isEmpty());
        QTRY_COMPARE(statusOf(id), u"succeeded"_s);

        QCOMPARE(m_endpoint->received().size(), 1);
        const TestEndpoint::Received& got = m_endpoint->received().constFirst();
        QCOMPARE(got.method, "PUT");
        QCOMPARE(got.path, "/orders?x=1");
        QCOMPARE(got.body, R"({"order":7})");
        QCOMPARE(got.header("Content-Type"), "application/json");
        QCOMPARE(got.header("X-Custom"), "abc");
        QCOMPARE(got.header("X-QueueLab-Job-Id"), id.toLatin1());
        QCOMPARE(got.header("X-QueueLab-Attempt"), "1");
        QCOMPARE(got.header("X-QueueLab-Queue"), "default");
        QVERIFY(got.header("webhook-signature").isEmpty()); // no secret, no signature

        const QJsonObject job = jobJson(id);
        QCOMPARE(job.value("result"_L1).toObject().value("status"_L1).toInt(), 200);
        const QJsonObject delivery = job.value("history"_L1).toArray().at(0).toObject().value("delivery"_L1).toObject();
        QCOMPARE(delivery.value("request"_L1).toObject().value("method"_L1).toString(), u"PUT"_s);
        QCOMPARE(delivery.value("request"_L1).toObject().value("body"_L1).toString(), uR"({"order":7})"_s);
        const QJsonObject response = delivery.value("response"_L1).toObject();
        QCOMPARE(response.value("status"_L1).toInt(), 200);
        QCOMPARE(response.value("body"_L1).toString(), u"thanks"_s);
        QCOMPARE(response.value("headers"_L1).toObject().value("X-Answer"_L1).toString(), u"yes"_s);
        QVERIFY(delivery.value("time_to_first_byte_ms"_L1).isDouble());
        QVERIFY(delivery.value("total_ms"_L1).toDouble() >= delivery.value("time_to_first_byte_ms"_L1).toDouble());
    }

    void failedAttemptsRetryUntilA2xx()
    {
        m_endpoint->setScript({ { 503, {}, "busy", false }, { 500, {}, "oops", false }, { 204, {}, {}, false } });
        const QString id = submitted(httpJob(m_endpoint->url(), { { u"body"_s, u"plain"_s } }, 3));
        QTRY_COMPARE(statusOf(id), u"succeeded"_s);
        QCOMPARE(m_endpoint->received().size(), 3);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(m_endpoint->received().at(i).header("X-QueueLab-Attempt"), QByteArray::number(i + 1));
        QCOMPARE(m_endpoint->received().at(0).header("Content-Type"), "text/plain; charset=utf-8");
        const QJsonArray history = jobJson(id).value("history"_L1).toArray();
        QCOMPARE(history.size(), 3);
        QCOMPARE(history.at(0).toObject().value("error"_L1).toObject().value("code"_L1).toString(), u"http_status"_s);
        QCOMPARE(
            history.at(0).toObject().value("delivery"_L1).toObject().value("response"_L1).toObject().value("status"_L1),
            503);
        QCOMPARE(history.at(1).toObject().value("error"_L1).toObject().value("message"_L1).toString(),
            u"answered 500 Scripted"_s);
        QVERIFY(history.at(2).toObject().value("error"_L1).isNull());
    }

    void failsAfterItsLastAttempt()
    {
        m_endpoint->setScript({ { 500, {}, "no", false } });
        const QString id = submitted(httpJob(m_endpoint->url(), {}, 2));
        QTRY_COMPARE(statusOf(id), u"failed"_s);
        QCOMPARE(m_endpoint->received().size(), 2);
        QCOMPARE(jobJson(id).value("error"_L1).toObject().value("code"_L1).toString(), u"http_status"_s);
    }

    void aRedirectIsNotFollowed()
    {
        TestEndpoint elsewhere;
        m_endpoint->setScript({ { 302, { { "Location", elsewhere.url().toEncoded() } }, {}, false } });
        const QString id = submitted(httpJob(m_endpoint->url()));
        QTRY_COMPARE(statusOf(id), u"failed"_s);
        const QJsonObject error = jobJson(id).value("error"_L1).toObject();
        QCOMPARE(error.value("code"_L1).toString(), u"http_redirect"_s);
        QVERIFY2(error.value("message"_L1).toString().contains(elsewhere.url().toString()),
            qPrintable(error.value("message"_L1).toString()));
        QCOMPARE(m_endpoint->received().size(), 1);
        QCOMPARE(elsewhere.received().size(), 0);
    }

    void aSlowAnswerTimesOut()
    {
        m_endpoint->setScript({ { 200, {}, {}, true } });
        const QString id = submitted(httpJob(m_endpoint->url(), { { u"timeout_ms"_s, 200 } }));
        QTRY_COMPARE(statusOf(id), u"failed"_s);
        const QJsonObject attempt = jobJson(id).value("history"_L1).toArray().at(0).toObject();
        QCOMPARE(attempt.value("error"_L1).toObject().value("code"_L1).toString(), u"delivery_timeout"_s);
        QVERIFY(!attempt.value("delivery"_L1).toObject().contains("response"_L1));
    }

    void aRefusedConnectionFailsTheAttempt()
    {
        quint16 closedPort = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            closedPort = probe.serverPort();
        }
        const QString id = submitted(httpJob(QUrl(u"http://127.0.0.1:%1/"_s.arg(closedPort))));
        QTRY_COMPARE(statusOf(id), u"failed"_s);
        QCOMPARE(jobJson(id).value("error"_L1).toObject().value("code"_L1).toString(), u"connection_failed"_s);
    }

    void waitingDeliveriesHoldNoWorkerSlot()
    {
        // One worker slot: three held deliveries wait on the network while an echo job runs.
        m_endpoint->setScript({ { 200, {}, {}, true } });
        QStringList ids;
        for (int i = 0; i < 3; ++i)
            ids.append(submitted(httpJob(m_endpoint->url())));
        QTRY_COMPARE(m_endpoint->held(), 3);
        const QString echo = submitted({ { u"type"_s, u"echo"_s }, { u"payload"_s, QJsonObject { { u"a"_s, 1 } } } });
        QTRY_COMPARE(statusOf(echo), u"succeeded"_s);
        for (const QString& id : std::as_const(ids))
            QCOMPARE(statusOf(id), u"running"_s);
        m_endpoint->release();
        for (const QString& id : std::as_const(ids))
            QTRY_COMPARE(statusOf(id), u"succeeded"_s);
    }

    void aTimeoutCountsFromSendingNotFromWaitingForAConnection()
    {
        // Seven deliveries to one target, which holds every answer back: six go out at once, the
        // seventh once one of them timed out, so it too reaches the target before its own timeout.
        m_endpoint->setScript({ { 200, {}, {}, true } });
        QStringList ids;
        for (int i = 0; i < 7; ++i)
            ids.append(submitted(httpJob(m_endpoint->url(), { { u"timeout_ms"_s, 500 } })));
        for (const QString& id : std::as_const(ids))
            QTRY_COMPARE(statusOf(id), u"failed"_s);
        QCOMPARE(m_endpoint->received().size(), 7);
        for (const QString& id : std::as_const(ids))
            QCOMPARE(jobJson(id).value("error"_L1).toObject().value("code"_L1).toString(), u"delivery_timeout"_s);
    }

    void cancellingAbortsTheDelivery()
    {
        m_endpoint->setScript({ { 200, {}, {}, true } });
        const QString id = submitted(httpJob(m_endpoint->url(), {}, 5));
        QTRY_COMPARE(m_endpoint->held(), 1);
        QCOMPARE(m_http.request("DELETE", u"/jobs/"_s + id).status, 202); // running: cancel requested
        QTRY_COMPARE(statusOf(id), u"cancelled"_s);
        QCOMPARE(m_endpoint->received().size(), 1); // not retried
    }

    void signsTheStandardWebhooksWay()
    {
        const QByteArray key = "a secret key of some length";
        EngineConfig config;
        config.handlers.webhookSecret = u"whsec_"_s + QString::fromLatin1(key.toBase64());
        startServer(config);
        const QString id = submitted(httpJob(m_endpoint->url(), { { u"body"_s, QJsonObject { { u"n"_s, 1 } } } }));
        QTRY_COMPARE(statusOf(id), u"succeeded"_s);
        const TestEndpoint::Received& got = m_endpoint->received().constFirst();
        const QByteArray messageId = got.header("webhook-id");
        const QByteArray timestamp = got.header("webhook-timestamp");
        QVERIFY(!messageId.isEmpty());
        QVERIFY(qAbs(timestamp.toLongLong() - QDateTime::currentSecsSinceEpoch()) < 300);
        // The reference algorithm: base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)).
        const QByteArray expected = "v1,"
            + QMessageAuthenticationCode::hash(
                messageId + '.' + timestamp + '.' + got.body, key, QCryptographicHash::Sha256)
                  .toBase64();
        QCOMPARE(got.header("webhook-signature"), expected);
    }

    void retriesKeepTheMessageId()
    {
        EngineConfig config;
        config.handlers.webhookSecret = u"whsec_"_s + QString::fromLatin1(QByteArray("k").toBase64());
        startServer(config);
        m_endpoint->setScript({ { 503, {}, {}, false }, { 200, {}, {}, false } });
        const QString id = submitted(httpJob(m_endpoint->url(), {}, 2));
        QTRY_COMPARE(statusOf(id), u"succeeded"_s);
        QCOMPARE(m_endpoint->received().size(), 2);
        QCOMPARE(m_endpoint->received().at(0).header("webhook-id"), m_endpoint->received().at(1).header("webhook-id"));
    }

    void onlyLoopbackTargetsByDefault()
    {
        const HttpResult refused = m_http.postJson(u"/jobs"_s, httpJob(QUrl(u"http://192.0.2.10:8080/hook"_s)));
        QCOMPARE(refused.status, 403);
        QCOMPARE(refused.errorCode(), u"target_not_allowed"_s);
        QVERIFY2(refused.errorMessage().contains(u"--allow-http-target 192.0.2.10:8080"_s),
            qPrintable(refused.errorMessage()));
        QCOMPARE(m_http.postJson(u"/jobs"_s, httpJob(QUrl(u"http://localhost:1/"_s))).status, 202);
        QCOMPARE(m_http.postJson(u"/jobs"_s, httpJob(QUrl(u"http://[::1]:1/"_s))).status, 202);

        EngineConfig config;
        config.handlers.allowedHttpTargets = QStringList { u"192.0.2.10:8080"_s };
        startServer(config);
        QVERIFY(std::holds_alternative<QueueInfo>(m_engine->setQueuePaused(u"held"_s, true)));
        QJsonObject allowed = httpJob(QUrl(u"http://192.0.2.10:8080/hook"_s));
        allowed.insert(u"queue"_s, u"held"_s);
        QCOMPARE(m_http.postJson(u"/jobs"_s, allowed).status, 202);
        QJsonObject otherPort = httpJob(QUrl(u"http://192.0.2.10:9090/hook"_s));
        otherPort.insert(u"queue"_s, u"held"_s);
        QCOMPARE(m_http.postJson(u"/jobs"_s, otherPort).status, 403);
    }

    void badPayloadsAreRefused_data()
    {
        QTest::addColumn<QJsonObject>("payload");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("no url") << QJsonObject {} << u"payload.url"_s;
        QTest::newRow("ftp") << QJsonObject { { u"url"_s, u"ftp://127.0.0.1/"_s } } << u"payload.url"_s;
        QTest::newRow("method") << QJsonObject { { u"url"_s, u"http://127.0.0.1/"_s }, { u"method"_s, u"GE T"_s } }
                                << u"payload.method"_s;
        QTest::newRow("header value") << QJsonObject { { u"url"_s, u"http://127.0.0.1/"_s },
            { u"headers"_s, QJsonObject { { u"X-A"_s, u"a\r\nX-B: b"_s } } } }
                                      << u"payload.headers"_s;
        QTest::newRow("reserved header") << QJsonObject { { u"url"_s, u"http://127.0.0.1/"_s },
            { u"headers"_s, QJsonObject { { u"X-QueueLab-Job-Id"_s, u"1"_s } } } }
                                         << u"set by QueueLab"_s;
        QTest::newRow("timeout") << QJsonObject { { u"url"_s, u"http://127.0.0.1/"_s }, { u"timeout_ms"_s, 0 } }
                                 << u"payload.timeout_ms"_s;
    }
    void badPayloadsAreRefused()
    {
        QFETCH(QJsonObject, payload);
        QFETCH(QString, mentions);
        const HttpResult result = m_http.postJson(u"/jobs"_s, { { u"type"_s, u"http"_s }, { u"payload"_s, payload } });
        QCOMPARE(result.status, 400);
        QCOMPARE(result.errorCode(), u"invalid_field"_s);
        QVERIFY2(result.errorMessage().contains(mentions), qPrintable(result.errorMessage()));
    }
};

QTEST_GUILESS_MAIN(TestHttpDelivery)
#include "tst_httpdelivery.moc"
