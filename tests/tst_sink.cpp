#include "defaultlimits.h"
#include "enginetesting.h"
#include "server.h"
#include "sink/sinkstore.h"
#include "testhttp.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

// The built-in sink through real HTTP: what it keeps, its scripted answers, and http jobs that
// deliver to it and retry as its script asks.
class TestSink : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Server> m_server;
    TestHttp m_http;
    const QString m_secret = u"whsec_"_s + QString::fromLatin1(QByteArray("sink test key").toBase64());

    void startServer(const QString& secret = {})
    {
        m_server.reset();
        m_engine.reset();
        EngineConfig config;
        config.workers = 1;
        config.retryBaseMs = 10;
        config.retryMaxMs = 20;
        config.handlers.webhookSecret = secret;
        m_engine = startedEngine(config);
        ServerConfig serverConfig;
        serverConfig.port = 0;
        m_server = std::make_unique<Server>(serverConfig, m_engine.get());
        QString error;
        QVERIFY2(m_server->start(&error), qPrintable(error));
        m_http.setBase(m_server->url());
    }
    QJsonArray requestsOf(const QString& sink)
    {
        return m_http.get(u"/sinks/"_s + sink).json().value("requests"_L1).toArray();
    }
    HttpResult putScript(const QString& sink, const QJsonArray& steps)
    {
        return m_http.request("PUT", u"/sinks/%1/script"_s.arg(sink),
            QJsonDocument(QJsonObject { { u"steps"_s, steps } }).toJson(QJsonDocument::Compact));
    }

private Q_SLOTS:
    void init() { startServer(); }
    void cleanup()
    {
        m_server.reset();
        m_engine.reset();
    }

    void keepsWhatArrives()
    {
        const HttpResult answer = m_http.request("PATCH", u"/sink/orders?a=1&b=2"_s, "<xml/>", "application/xml");
        QCOMPARE(answer.status, 200);
        QCOMPARE(m_http.request("GET", u"/sink/orders"_s, {}, {}).status, 200);

        const QJsonArray requests = requestsOf(u"orders"_s);
        QCOMPARE(requests.size(), 2);
        const QJsonObject patch = requests.at(1).toObject(); // newest first
        QCOMPARE(patch.value("method"_L1).toString(), u"PATCH"_s);
        QCOMPARE(patch.value("target"_L1).toString(), u"/sink/orders?a=1&b=2"_s);
        QCOMPARE(patch.value("body"_L1).toString(), u"<xml/>"_s);
        QCOMPARE(patch.value("headers"_L1).toObject().value("Content-Type"_L1).toString(), u"application/xml"_s);
        QCOMPARE(patch.value("signature"_L1).toString(), u"unchecked"_s);
        QCOMPARE(requests.at(0).toObject().value("method"_L1).toString(), u"GET"_s);

        const QJsonArray sinks = m_http.get(u"/sinks"_s).json().value("sinks"_L1).toArray();
        QCOMPARE(sinks.size(), 1);
        QCOMPARE(sinks.at(0).toObject().value("name"_L1).toString(), u"orders"_s);
        QCOMPARE(sinks.at(0).toObject().value("received"_L1).toInt(), 2);
    }

    void answersAsItsScriptSays()
    {
        QCOMPARE(putScript(u"flaky"_s,
                     QJsonArray { QJsonObject { { u"status"_s, 503 }, { u"times"_s, 3 } },
                         QJsonObject { { u"status"_s, 200 }, { u"body"_s, u"fine"_s } } })
                     .status,
            200);
        QList<int> statuses;
        for (int i = 0; i < 5; ++i)
            statuses.append(m_http.post(u"/sink/flaky"_s, "{}").status);
        QCOMPARE(statuses, (QList<int> { 503, 503, 503, 200, 200 }));
        QCOMPARE(m_http.post(u"/sink/flaky"_s, "{}").body, "fine");
    }

    void delaysItsAnswer()
    {
        QCOMPARE(putScript(u"slow"_s, QJsonArray { QJsonObject { { u"delay_ms"_s, 300 } } }).status, 200);
        const HttpResult answer = m_http.post(u"/sink/slow"_s, "{}");
        QCOMPARE(answer.status, 200);
        QVERIFY2(answer.elapsedMs >= 300, qPrintable(QString::number(answer.elapsedMs)));
        QCOMPARE(requestsOf(u"slow"_s).at(0).toObject().value("answered_delay_ms"_L1).toInt(), 300);
    }

    void refusesBadScriptsAndNames()
    {
        const HttpResult bad = putScript(u"x"_s, QJsonArray { QJsonObject { { u"status"_s, 99 } } });
        QCOMPARE(bad.status, 400);
        QCOMPARE(bad.errorCode(), u"invalid_field"_s);
        QCOMPARE(m_http.request("PUT", u"/sinks/x/script"_s, R"({"steps":3})").status, 400);
        QCOMPARE(m_http.post(u"/sink/b%20ad"_s, "{}").status, 404);
        QCOMPARE(m_http.get(u"/sinks/never"_s).status, 404);
        QCOMPARE(m_http.get(u"/sinks/never"_s).errorCode(), u"not_found"_s);
    }

    void deleteForgetsASink()
    {
        QCOMPARE(m_http.post(u"/sink/gone"_s, "{}").status, 200);
        QCOMPARE(m_http.request("DELETE", u"/sinks/gone"_s).status, 200);
        QCOMPARE(m_http.get(u"/sinks/gone"_s).status, 404);
        QCOMPARE(m_http.request("DELETE", u"/sinks/gone"_s).status, 404);
    }

    void keepsABoundedNumber()
    {
        SinkStore store;
        for (int i = 0; i < Limits::sinkRequests + 5; ++i) {
            SinkRequest request;
            request.method = "POST";
            request.body = QByteArray::number(i);
            QVERIFY(store.record(u"many"_s, request));
        }
        QCOMPARE(store.info(u"many"_s)->kept, Limits::sinkRequests);
        QCOMPARE(store.info(u"many"_s)->received, quint64(Limits::sinkRequests + 5));
        const QList<SinkRequest> kept = store.requests(u"many"_s);
        QCOMPARE(kept.constFirst().body, QByteArray::number(Limits::sinkRequests + 4)); // newest first
        QCOMPARE(kept.constLast().body, "5"); // the five oldest were dropped
        for (int i = 0; i < Limits::maxSinks - 1; ++i)
            QVERIFY(store.record(u"s%1"_s.arg(i), SinkRequest {}));
        QVERIFY(!store.record(u"one-too-many"_s, SinkRequest {}));
    }

    void anHttpJobRetriesAsTheSinkAsksThenSucceeds()
    {
        startServer(m_secret);
        QCOMPARE(putScript(u"demo"_s,
                     QJsonArray { QJsonObject { { u"status"_s, 503 }, { u"times"_s, 3 } },
                         QJsonObject { { u"status"_s, 200 } } })
                     .status,
            200);
        const QJsonObject job { { u"type"_s, u"http"_s }, { u"max_attempts"_s, 5 },
            { u"payload"_s,
                QJsonObject { { u"url"_s, QString(m_server->url().toString() + u"/sink/demo"_s) },
                    { u"body"_s, QJsonObject { { u"hello"_s, u"sink"_s } } } } } };
        const HttpResult submitted = m_http.postJson(u"/jobs"_s, job);
        QCOMPARE(submitted.status, 202);
        const QString id = submitted.json().value("id"_L1).toString();
        QTRY_COMPARE(m_http.get(u"/jobs/"_s + id).json().value("status"_L1).toString(), u"succeeded"_s);

        const QJsonArray history = m_http.get(u"/jobs/"_s + id).json().value("history"_L1).toArray();
        QCOMPARE(history.size(), 4);
        const QJsonArray requests = requestsOf(u"demo"_s);
        QCOMPARE(requests.size(), 4);
        for (int i = 0; i < 4; ++i) {
            const QJsonObject request = requests.at(3 - i).toObject();
            QCOMPARE(request.value("answered_status"_L1).toInt(), i < 3 ? 503 : 200);
            QCOMPARE(request.value("signature"_L1).toString(), u"verified"_s);
            QCOMPARE(request.value("body"_L1).toString(), uR"({"hello":"sink"})"_s);
            QCOMPARE(request.value("headers"_L1).toObject().value("X-QueueLab-Attempt"_L1).toString(),
                QString::number(i + 1));
        }
    }

    void marksUnsignedAndForgedRequests()
    {
        startServer(m_secret);
        QCOMPARE(m_http.post(u"/sink/marks"_s, "{}").status, 200);
        TestHttp forger(m_server->url());
        forger.setHeader("webhook-id", "msg_1");
        forger.setHeader("webhook-timestamp", QByteArray::number(QDateTime::currentSecsSinceEpoch()));
        forger.setHeader("webhook-signature", "v1,bm90IHRoZSByaWdodCBzaWduYXR1cmU=");
        QCOMPARE(forger.post(u"/sink/marks"_s, "{}").status, 200);
        const QJsonArray requests = requestsOf(u"marks"_s);
        QCOMPARE(requests.at(1).toObject().value("signature"_L1).toString(), u"unsigned"_s);
        QCOMPARE(requests.at(0).toObject().value("signature"_L1).toString(), u"invalid"_s);
        QVERIFY(m_http.get(u"/sinks"_s).json().value("verifies_signatures"_L1).toBool());
    }
};

QTEST_GUILESS_MAIN(TestSink)
#include "tst_sink.moc"
