#include "enginetesting.h"
#include "faktoryclient.h"
#include "server.h"
#include "testhttp.h"

#include <QDateTime>
#include <QJsonArray>

using namespace Qt::StringLiterals;

// The Faktory-compatible protocol on raw sockets against a real server on 127.0.0.1, port 0:
// the handshake, each command, and what malformed or oversized input gets.
class TestFaktoryProtocol : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Server> m_server;
    quint16 m_port = 0;

    void startServer(const QByteArray& password = {}, qint64 maxBodyBytes = 0, bool faktoryBackoff = false)
    {
        m_server.reset();
        ServerConfig config;
        config.port = 0;
        config.faktoryPort = 0;
        config.faktoryPassword = password;
        config.maxBodyBytes = maxBodyBytes;
        if (!faktoryBackoff)
            config.faktoryRetryDelayMs = [](int) { return qint64(10); };
        m_server = std::make_unique<Server>(config, m_engine.get());
        QString error;
        QVERIFY2(m_server->start(&error), qPrintable(error));
        const QString address = m_server->faktoryAddress();
        QVERIFY2(address.startsWith("tcp://127.0.0.1:"_L1), qPrintable(address));
        m_port = quint16(address.section(u':', -1).toUInt());
        QVERIFY(m_port != 0);
    }

    static QJsonObject worker(const QString& wid)
    {
        return { { u"wid"_s, wid }, { u"hostname"_s, u"testhost"_s }, { u"pid"_s, 4242 },
            { u"labels"_s, QJsonArray { u"node"_s, u"test"_s } } };
    }
    static QByteArray line(const QByteArray& verb, const QJsonObject& object)
    {
        return verb + ' ' + QJsonDocument(object).toJson(QJsonDocument::Compact);
    }
    static QJsonObject job(const QString& jid, const QString& type = u"send_email"_s)
    {
        return { { u"jid"_s, jid }, { u"jobtype"_s, type }, { u"args"_s, QJsonArray { 1, u"a"_s } } };
    }
    std::optional<Job> jobByJid(const QString& jid) const
    {
        for (JobId id = m_engine->lastJobId(); id > 0; --id) {
            const auto found = m_engine->job(id);
            if (found && found->idempotencyKey == jid)
                return found;
        }
        return std::nullopt;
    }
    // FETCH until a job comes, at most `tries` times (each waits up to 2 s).
    static QJsonObject fetchWithin(FaktoryClient& client, int tries)
    {
        for (int i = 0; i < tries; ++i) {
            const auto reply = client.command("FETCH");
            if (reply.kind != '$' || !reply.null)
                return reply.json();
        }
        return {};
    }
    void connectWorker(FaktoryClient& client, const QString& wid)
    {
        QVERIFY(client.connectTo(m_port));
        const auto ok = client.handshake(worker(wid));
        QCOMPARE(ok.kind, '+');
        QCOMPARE(ok.data, "OK"_ba);
    }
    void connectProducer(FaktoryClient& client)
    {
        QVERIFY(client.connectTo(m_port));
        const auto ok = client.handshake();
        QCOMPARE(ok.kind, '+');
    }
    // -ERR, then the server closes.
    void expectRefusal(FaktoryClient& client, const QByteArray& raw, const char* words)
    {
        client.sendRaw(raw);
        const auto reply = client.read();
        QCOMPARE(reply.kind, '-');
        QVERIFY2(reply.data.contains(words), reply.data.constData());
        QVERIFY(client.waitForClose());
    }

private Q_SLOTS:
    void init()
    {
        EngineConfig config;
        config.workers = 1;
        config.retryBaseMs = 10;
        config.retryMaxMs = 20;
        m_engine = startedEngine(config);
        startServer();
    }
    void cleanup()
    {
        m_server.reset();
        m_engine.reset();
    }

    void greetsAndShakesHands()
    {
        FaktoryClient client;
        QVERIFY(client.connectTo(m_port));
        const auto hi = client.read();
        QCOMPARE(hi.kind, '+');
        QCOMPARE(hi.data, R"(HI {"v":2})"_ba);
        QCOMPARE(client.command(R"(HELLO {"v":2})").data, "OK"_ba);
        const auto info = client.command("INFO");
        QCOMPARE(info.kind, '$');
        QVERIFY(info.json().value("faktory"_L1).isObject());
    }

    void pushFetchAck()
    {
        FaktoryClient producer;
        connectProducer(producer);
        QJsonObject pushed = job(u"jid-1"_s);
        pushed.insert(u"custom"_s, QJsonObject { { u"tenant"_s, 7 } });
        pushed.insert(u"priority"_s, 9);
        pushed.insert(u"retry"_s, 3);
        pushed.insert(u"reserve_for"_s, 60);
        QCOMPARE(producer.command(line("PUSH", pushed)).data, "OK"_ba);

        // One job model: the same job through the engine (and so HTTP and the dashboard).
        const auto stored = jobByJid(u"jid-1"_s);
        QVERIFY(stored);
        QCOMPARE(stored->type, u"send_email"_s);
        QCOMPARE(stored->queue, u"default"_s);
        QCOMPARE(stored->priority, 9);
        QCOMPARE(stored->maxAttempts, 4);
        QCOMPARE(stored->timeoutMs, 60000);
        QCOMPARE(stored->payload.toObject().value("args"_L1).toArray(), (QJsonArray { 1, u"a"_s }));
        QVERIFY(m_engine->declaredJobTypes().contains(u"send_email"_s));

        FaktoryClient consumer;
        connectWorker(consumer, u"w1"_s);
        const auto fetched = consumer.command("FETCH critical default");
        QCOMPARE(fetched.kind, '$');
        const QJsonObject work = fetched.json();
        QCOMPARE(work.value("jid"_L1).toString(), u"jid-1"_s);
        QCOMPARE(work.value("jobtype"_L1).toString(), u"send_email"_s);
        QCOMPARE(work.value("args"_L1).toArray(), (QJsonArray { 1, u"a"_s }));
        QCOMPARE(work.value("custom"_L1).toObject().value("tenant"_L1).toInt(), 7);
        QCOMPARE(work.value("retry"_L1).toInt(), 3);
        QCOMPARE(work.value("reserve_for"_L1).toInt(), 60);
        QCOMPARE(statusOf(*m_engine, stored->id), JobStatus::Running);

        // The worker is in the registry with what its HELLO said, holding the job's lease.
        const auto workers = m_engine->externalWorkers();
        QCOMPARE(workers.size(), 1); // w1 alone so far
        QCOMPARE(workers[0].registration.hostname, u"testhost"_s);
        QCOMPARE(workers[0].registration.pid, 4242);
        QCOMPARE(workers[0].registration.labels, (QStringList { u"node"_s, u"test"_s }));
        QCOMPARE(workers[0].leases.size(), 1);
        const qint64 leaseLife = workers[0].leases[0].expiresAt - workers[0].leases[0].leasedAt;
        QVERIFY2(leaseLife >= 59000 && leaseLife <= 61000, qPrintable(QString::number(leaseLife)));

        // Another worker cannot end w1's attempt by naming its jid.
        FaktoryClient foreign;
        connectWorker(foreign, u"w2"_s);
        const auto refused = foreign.command(line("ACK", { { u"jid"_s, u"jid-1"_s } }));
        QCOMPARE(refused.kind, '-');
        QVERIFY2(refused.data.contains("lease_lost"), refused.data.constData());
        QCOMPARE(statusOf(*m_engine, stored->id), JobStatus::Running);

        // ACK may come on another connection of the same worker (client libraries pool them).
        FaktoryClient second;
        connectWorker(second, u"w1"_s);
        QCOMPARE(second.command(line("ACK", { { u"jid"_s, u"jid-1"_s } })).data, "OK"_ba);
        QCOMPARE(statusOf(*m_engine, stored->id), JobStatus::Succeeded);
        const auto again = second.command(line("ACK", { { u"jid"_s, u"jid-1"_s } }));
        QCOMPARE(again.kind, '-');
        QVERIFY(again.data.contains("unknown_jid"));
    }

    void failRetriesThenFails()
    {
        FaktoryClient client;
        connectWorker(client, u"w1"_s);
        QJsonObject pushed = job(u"jid-f"_s);
        pushed.insert(u"retry"_s, 1);
        QCOMPARE(client.command(line("PUSH", pushed)).data, "OK"_ba);
        const JobId id = jobByJid(u"jid-f"_s)->id;
        const QJsonObject failure { { u"jid"_s, u"jid-f"_s }, { u"errtype"_s, u"TypeError"_s },
            { u"message"_s, u"boom"_s }, { u"backtrace"_s, QJsonArray { u"at a"_s, u"at b"_s } } };
        for (int attempt = 1; attempt <= 2; ++attempt) {
            // The retry comes after the (shortened) backoff: FETCH may answer none first.
            QCOMPARE(fetchWithin(client, 5).value("jid"_L1).toString(), u"jid-f"_s);
            const auto failed = client.command(line("FAIL", failure));
            QVERIFY2(failed.data == "OK", failed.data.constData());
        }
        const Job failed = m_engine->job(id).value();
        QCOMPARE(failed.status, JobStatus::Failed);
        QCOMPARE(failed.attempts, 2);
        QCOMPARE(failed.error->code, u"TypeError"_s);
        QCOMPARE(failed.error->message, u"boom"_s);
        QCOMPARE(failed.error->details, u"at a\nat b"_s);
        QCOMPARE(failed.history.size(), 2);
        QCOMPARE(failed.history[0].worker, u"w1"_s);
    }

    void failBacksOffAsFaktoryDoes()
    {
        startServer({}, 0, true);
        FaktoryClient client;
        connectWorker(client, u"w1"_s);
        QCOMPARE(client.command(line("PUSH", job(u"jid-b"_s))).data, "OK"_ba);
        QCOMPARE(client.command("FETCH").json().value("jid"_L1).toString(), u"jid-b"_s);
        const qint64 failedAt = QDateTime::currentMSecsSinceEpoch();
        QCOMPARE(client.command(line("FAIL", { { u"jid"_s, u"jid-b"_s }, { u"errtype"_s, u"E"_s } })).data, "OK"_ba);
        const Job scheduled = jobByJid(u"jid-b"_s).value();
        QCOMPARE(scheduled.status, JobStatus::Scheduled);
        // The first retry: 0^4 + 15 + rand(30) * 1 seconds.
        QVERIFY2(scheduled.runAt - failedAt >= 15000 - 1000, qPrintable(QString::number(scheduled.runAt - failedAt)));
        QVERIFY2(scheduled.runAt - failedAt <= 45000, qPrintable(QString::number(scheduled.runAt - failedAt)));
    }

    void defaultRetryIsFaktorys()
    {
        FaktoryClient client;
        connectProducer(client);
        QCOMPARE(client.command(line("PUSH", job(u"jid-d"_s))).data, "OK"_ba);
        QCOMPARE(jobByJid(u"jid-d"_s)->maxAttempts, 26); // retry 25: 25 retries after the first attempt
    }

    void fetchTriesQueuesInOrderAndWaits()
    {
        FaktoryClient client;
        connectWorker(client, u"w1"_s);
        QJsonObject low = job(u"jid-low"_s);
        low.insert(u"queue"_s, u"low"_s);
        QJsonObject high = job(u"jid-high"_s);
        high.insert(u"queue"_s, u"high"_s);
        QCOMPARE(client.command(line("PUSH", low)).data, "OK"_ba);
        QCOMPARE(client.command(line("PUSH", high)).data, "OK"_ba);
        QCOMPARE(client.command("FETCH high low").json().value("jid"_L1).toString(), u"jid-high"_s);
        QCOMPARE(client.command("FETCH high low").json().value("jid"_L1).toString(), u"jid-low"_s);
        const auto none = client.command("FETCH high low");
        QCOMPARE(none.kind, '$');
        QVERIFY(none.null);
    }

    void fetchNeedsAWorker()
    {
        FaktoryClient client;
        connectProducer(client);
        const auto reply = client.command("FETCH");
        QCOMPARE(reply.kind, '-');
        QVERIFY(reply.data.contains("wid"));
    }

    void beatCarriesQuietAndStop()
    {
        FaktoryClient client;
        connectWorker(client, u"w1"_s);
        const QByteArray beat = line("BEAT", { { u"wid"_s, u"w1"_s }, { u"rss_kb"_s, 1000 } });
        QCOMPARE(client.command(beat).data, "OK"_ba);
        QVERIFY(std::holds_alternative<ExternalWorkerStatus>(
            m_engine->setWorkerDirective(u"w1"_s, WorkerDirective::Quiet)));
        QCOMPARE(client.command(beat).json().value("state"_L1).toString(), u"quiet"_s);
        QVERIFY(std::holds_alternative<ExternalWorkerStatus>(
            m_engine->setWorkerDirective(u"w1"_s, WorkerDirective::Terminate)));
        QCOMPARE(client.command(beat).json().value("state"_L1).toString(), u"terminate"_s);
        const auto foreign = client.command(line("BEAT", { { u"wid"_s, u"other"_s } }));
        QCOMPARE(foreign.kind, '-');
    }

    void pushBatchAnswersTheRefusedJids()
    {
        FaktoryClient client;
        connectProducer(client);
        QJsonObject bad = job(u"jid-bad"_s);
        bad.insert(u"retry"_s, 1000);
        const QJsonArray jobs { job(u"jid-b1"_s), bad, job(u"jid-b2"_s) };
        const auto reply = client.command("PUSHB " + QJsonDocument(jobs).toJson(QJsonDocument::Compact));
        QCOMPARE(reply.kind, '$');
        const QJsonObject rejected = reply.json();
        QCOMPARE(rejected.keys(), QStringList { u"jid-bad"_s });
        QVERIFY(rejected.value("jid-bad"_L1).toString().contains("retry"_L1));
        QVERIFY(jobByJid(u"jid-b1"_s));
        QVERIFY(jobByJid(u"jid-b2"_s));
        QVERIFY(!jobByJid(u"jid-bad"_s));
    }

    void aLargePushBatchIsStoredWholeAndAnsweredOnce()
    {
        // More jobs than the engine takes from one PUSHB at a time, refused ones among them: the
        // one answer names exactly those, and every other job is stored.
        FaktoryClient client;
        connectProducer(client);
        QJsonArray jobs;
        QStringList refused;
        for (int i = 0; i < 350; ++i) {
            QJsonObject pushed = job(u"jid-large-%1"_s.arg(i));
            if (i % 97 == 5) {
                pushed.insert(u"retry"_s, 1000);
                refused.append(u"jid-large-%1"_s.arg(i));
            }
            jobs.append(pushed);
        }
        const auto reply = client.command("PUSHB " + QJsonDocument(jobs).toJson(QJsonDocument::Compact));
        QCOMPARE(reply.kind, '$');
        QStringList answered = reply.json().keys();
        answered.sort();
        refused.sort();
        QCOMPARE(answered, refused);
        for (int i = 0; i < 350; ++i)
            QCOMPARE(bool(jobByJid(u"jid-large-%1"_s.arg(i))), !refused.contains(u"jid-large-%1"_s.arg(i)));
        // The connection goes on with the next command.
        QCOMPARE(client.command(line("PUSH", job(u"jid-after-large"_s))).kind, '+');
    }

    void invalidJobsAreRefusedAndTheConnectionStays_data()
    {
        QTest::addColumn<QJsonObject>("pushed");
        QTest::addColumn<QString>("words");
        QJsonObject noType = job(u"j"_s);
        noType.remove(u"jobtype"_s);
        QJsonObject badQueue = job(u"j"_s);
        badQueue.insert(u"queue"_s, u"no spaces"_s);
        QJsonObject argsObject = job(u"j"_s);
        argsObject.insert(u"args"_s, QJsonObject {});
        QJsonObject badAt = job(u"j"_s);
        badAt.insert(u"at"_s, u"tomorrow"_s);
        QJsonObject shortReserve = job(u"j"_s);
        shortReserve.insert(u"reserve_for"_s, 0);
        QJsonObject noJid = job(u"j"_s);
        noJid.remove(u"jid"_s);
        QTest::newRow("no jobtype") << noType << u"jobtype"_s;
        QTest::newRow("bad queue") << badQueue << u"queue"_s;
        QTest::newRow("args not an array") << argsObject << u"args"_s;
        QTest::newRow("bad at") << badAt << u"at"_s;
        QTest::newRow("reserve_for 0") << shortReserve << u"reserve_for"_s;
        QTest::newRow("no jid") << noJid << u"jid"_s;
    }
    void invalidJobsAreRefusedAndTheConnectionStays()
    {
        QFETCH(QJsonObject, pushed);
        QFETCH(QString, words);
        FaktoryClient client;
        connectProducer(client);
        const auto reply = client.command(line("PUSH", pushed));
        QCOMPARE(reply.kind, '-');
        QVERIFY2(reply.data.contains(words.toUtf8()), reply.data.constData());
        QCOMPARE(client.command("INFO").kind, '$');
        QCOMPARE(m_engine->lastJobId(), 0);
    }

    void malformedInputIsRefusedAndClosed_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QByteArray>("words");
        QTest::addColumn<bool>("hello");
        QTest::newRow("command before HELLO") << "FETCH\r\n"_ba
                                              << "HELLO first"_ba << false;
        QTest::newRow("HELLO not JSON") << "HELLO {\"v\":\r\n"_ba
                                        << "not valid JSON"_ba << false;
        QTest::newRow("HELLO of another version") << "HELLO {\"v\":1}\r\n"_ba
                                                  << "v"_ba << false;
        QTest::newRow("lowercase verb") << "push {}\r\n"_ba
                                        << "capitals"_ba << true;
        QTest::newRow("two spaces") << "PUSH  {}\r\n"_ba
                                    << "one space"_ba << true;
        QTest::newRow("PUSH not JSON") << "PUSH {\"jid\"\r\n"_ba
                                       << "not valid JSON"_ba << true;
        QTest::newRow("PUSH of an array") << "PUSH []\r\n"_ba
                                          << "object"_ba << true;
        QTest::newRow("binary") << QByteArray("\x01\x02\xff\r\n", 5) << "capitals"_ba << true;
        QTest::newRow("empty line") << "\r\n"_ba
                                    << "empty"_ba << true;
        QTest::newRow("INFO with an argument") << "INFO x\r\n"_ba
                                               << "no argument"_ba << true;
        QTest::newRow("bad queue name") << "FETCH a b%c\r\n"_ba
                                        << "queue name"_ba << true;
        QTest::newRow("second HELLO") << "HELLO {\"v\":2}\r\n"_ba
                                      << "already"_ba << true;
    }
    void malformedInputIsRefusedAndClosed()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QByteArray, words);
        QFETCH(bool, hello);
        FaktoryClient client;
        if (hello) {
            connectWorker(client, u"w1"_s);
        } else {
            QVERIFY(client.connectTo(m_port));
            QCOMPARE(client.read().kind, '+');
        }
        expectRefusal(client, raw, words.constData());
        // The server goes on serving others.
        FaktoryClient next;
        connectProducer(next);
        QCOMPARE(next.command("INFO").kind, '$');
    }

    void longLinesAreRefused()
    {
        startServer({}, 4096);
        FaktoryClient client;
        connectProducer(client);
        QJsonObject big = job(u"jid-big"_s);
        big.insert(u"args"_s, QJsonArray { QString(5000, u'x') });
        expectRefusal(client, line("PUSH", big) + "\r\n", "longer than 4096");
        // Without a line end at all.
        FaktoryClient endless;
        connectProducer(endless);
        expectRefusal(endless, "PUSH " + QByteArray(8000, 'x'), "longer than 4096");
        QCOMPARE(m_engine->lastJobId(), 0);
    }

    void enterpriseCommandsSaySo()
    {
        FaktoryClient client;
        connectProducer(client);
        const auto batch = client.command(R"(BATCH NEW {"description":"x"})");
        QCOMPARE(batch.kind, '-');
        QVERIFY2(batch.data.contains("Enterprise"), batch.data.constData());
        const auto flush = client.command("FLUSH");
        QCOMPARE(flush.kind, '-');
        QCOMPARE(client.command("INFO").kind, '$'); // still open
    }

    void passwordHandshake()
    {
        startServer("s3cret");
        FaktoryClient good;
        QVERIFY(good.connectTo(m_port));
        const auto ok = good.handshake(worker(u"w1"_s), "s3cret");
        QCOMPARE(ok.data, "OK"_ba);

        FaktoryClient wrong;
        QVERIFY(wrong.connectTo(m_port));
        const auto refused = wrong.handshake({}, "guess");
        QCOMPARE(refused.kind, '-');
        QVERIFY(refused.data.contains("password"));
        QVERIFY(wrong.waitForClose());

        FaktoryClient none;
        QVERIFY(none.connectTo(m_port));
        const auto hi = none.read();
        QVERIFY(hi.data.contains("\"s\":"));
        QVERIFY(hi.data.contains("\"i\":"));
        expectRefusal(none, "HELLO {\"v\":2}\r\n", "password");
    }

    void networkBindNeedsAPassword()
    {
        m_server.reset();
        ServerConfig config;
        config.address = QHostAddress::AnyIPv4;
        config.port = 0;
        config.token = "token";
        config.faktoryPort = 0;
        Server server(config, m_engine.get());
        QString error;
        QVERIFY(!server.start(&error));
        QVERIFY2(error.contains("--faktory-password"_L1), qPrintable(error));
        QVERIFY(!server.isListening());
    }

    void httpJobsReachFaktoryWorkers()
    {
        FaktoryClient client;
        connectWorker(client, u"w1"_s);
        QCOMPARE(client.command(line("PUSH", job(u"jid-t"_s, u"resize"_s))).data, "OK"_ba); // declares "resize"
        QCOMPARE(client.command("FETCH").json().value("jid"_L1).toString(), u"jid-t"_s);

        TestHttp http;
        http.setBase(m_server->url());
        const HttpResult posted = http.postJson(
            u"/jobs"_s, QJsonObject { { u"type"_s, u"resize"_s }, { u"payload"_s, QJsonObject { { u"w"_s, 10 } } } });
        QCOMPARE(posted.status, 202);
        const QString id = posted.json().value("id"_L1).toString();
        const QJsonObject fetched = client.command("FETCH").json();
        QCOMPARE(fetched.value("jid"_L1).toString(), u"queuelab-"_s + id);
        QCOMPARE(fetched.value("args"_L1).toArray(), (QJsonArray { QJsonObject { { u"w"_s, 10 } } }));
        QCOMPARE(client.command(line("ACK", { { u"jid"_s, fetched.value("jid"_L1) } })).data, "OK"_ba);
        QCOMPARE(statusOf(*m_engine, id.toLongLong()), JobStatus::Succeeded);
    }

    void stopClosesAndStartListensAgain()
    {
        const quint16 port = m_port;
        FaktoryClient client;
        connectProducer(client);
        m_server->stopNow();
        QVERIFY(client.waitForClose());
        QTRY_VERIFY(!m_server->isListening());
        QString error;
        QVERIFY2(m_server->start(&error), qPrintable(error));
        QCOMPARE(m_server->faktoryAddress(), u"tcp://127.0.0.1:%1"_s.arg(port));
        FaktoryClient again;
        QVERIFY(again.connectTo(port));
        QCOMPARE(again.handshake().data, "OK"_ba);
    }
};

QTEST_GUILESS_MAIN(TestFaktoryProtocol)
#include "tst_faktoryprotocol.moc"
