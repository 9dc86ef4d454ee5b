#include "enginetesting.h"
#include "faktoryclient.h"
#include "queuelabprocess.h"
#include "server.h"
#include "testhttp.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QProcess>
#include <QStandardPaths>
#include <QSysInfo>

using namespace Qt::StringLiterals;

// The npm client `faktory-worker`, unmodified (a pinned version installed into the build tree),
// as real Node processes against a real server: tests/faktory/conformance.js runs each
// scenario, and this checks the jobs' outcome in the engine, as the dashboard and HTTP see it.
class TestFaktoryClient : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<Server> m_server;
    QString m_url; // tcp://127.0.0.1:PORT
    std::vector<std::unique_ptr<QProcess>> m_nodes;

    void startServer(const QByteArray& password = {})
    {
        m_server.reset();
        ServerConfig config;
        config.port = 0;
        config.faktoryPort = 0;
        config.faktoryPassword = password;
        config.faktoryRetryDelayMs = [](int) { return qint64(10); }; // Faktory's is 15 s and more
        m_server = std::make_unique<Server>(config, m_engine.get());
        QString error;
        QVERIFY2(m_server->start(&error), qPrintable(error));
        m_url = m_server->faktoryAddress();
    }

    // `node conformance.js <args>` with FAKTORY_URL pointing here.
    QProcess* node(const QStringList& args, const QString& url = {}, const QString& wid = {})
    {
        auto process = std::make_unique<QProcess>();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"FAKTORY_URL"_s, url.isEmpty() ? m_url : url);
        env.insert(u"NODE_PATH"_s, QStringLiteral(QUEUELAB_FAKTORY_NODE_MODULES));
        if (!wid.isEmpty())
            env.insert(u"FAKTORY_WID"_s, wid);
        process->setProcessEnvironment(env);
        process->setProcessChannelMode(QProcess::SeparateChannels);
        process->start(u"node"_s, QStringList { QStringLiteral(QUEUELAB_FAKTORY_SCRIPT) } + args);
        m_nodes.push_back(std::move(process));
        return m_nodes.back().get();
    }
    // Waits for the node process's event line `event` and returns it.
    static QJsonObject waitForEvent(QProcess* process, const QString& event, QByteArray* seen, int timeoutMs = 30000)
    {
        QJsonObject found;
        (void)QTest::qWaitFor( // the caller checks what was found
            [&] {
                *seen += process->readAllStandardOutput();
                for (const QByteArray& line : seen->split('\n')) {
                    const QJsonObject object = QJsonDocument::fromJson(line).object();
                    if (object.value("event"_L1).toString() == event) {
                        found = object;
                        return true;
                    }
                }
                return process->state() == QProcess::NotRunning;
            },
            timeoutMs);
        return found;
    }
    static QByteArray finish(QProcess* process, int timeoutMs = 60000)
    {
        (void)QTest::qWaitFor([&] { return process->state() == QProcess::NotRunning; }, timeoutMs);
        QByteArray output = process->readAllStandardOutput();
        output += process->readAllStandardError();
        return output;
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
    JobId pushRaw(const QJsonObject& job)
    {
        FaktoryClient client;
        if (!client.connectTo(quint16(m_url.section(u':', -1).toUInt())) || client.handshake().data != "OK")
            qFatal("no Faktory handshake");
        const auto reply = client.command("PUSH " + QJsonDocument(job).toJson(QJsonDocument::Compact));
        if (reply.data != "OK")
            qFatal("PUSH failed: %s", reply.data.constData());
        return jobByJid(job.value("jid"_L1).toString())->id;
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (QStandardPaths::findExecutable(u"node"_s).isEmpty())
            QFAIL("node is not installed: tools/install-deps.sh installs it");
        QVERIFY2(QFileInfo::exists(QStringLiteral(QUEUELAB_FAKTORY_NODE_MODULES "/faktory-worker")),
            "faktory-worker is not installed into the build tree (the faktory_npm_install test does it)");
    }
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
        for (auto& process : m_nodes) {
            if (process->state() != QProcess::NotRunning) {
                process->kill();
                process->waitForFinished(5000);
            }
        }
        m_nodes.clear();
        m_server.reset();
        m_engine.reset();
    }

    void pushesAndWorksJobs()
    {
        QProcess* run = node({ u"push-and-work"_s, u"20"_s });
        QVERIFY(run->waitForStarted(10000));
        const qint64 pid = run->processId();
        QByteArray output;
        const QJsonObject done = waitForEvent(run, u"done"_s, &output);
        QVERIFY2(!done.isEmpty(), QByteArray(output + finish(run)).constData());
        QCOMPARE(done.value("done"_L1).toInt(), 20);
        QCOMPARE(done.value("sum"_L1).toInt(), 190 + 20);
        finish(run);
        QCOMPARE(run->exitCode(), 0);
        QCOMPARE(m_engine->stats().counts[std::size_t(JobStatus::Succeeded)], 20);
        const auto workers = m_engine->externalWorkers();
        QCOMPARE(workers.size(), 1);
        QCOMPARE(workers[0].registration.labels, QStringList { u"conformance"_s });
        QCOMPARE(workers[0].registration.pid, pid);
        QCOMPARE(workers[0].registration.hostname, QSysInfo::machineHostName());
    }

    void failuresAreRetried()
    {
        QProcess* run = node({ u"flaky"_s });
        QByteArray output;
        const QJsonObject done = waitForEvent(run, u"done"_s, &output);
        QVERIFY2(!done.isEmpty(), QByteArray(output + finish(run)).constData());
        QCOMPARE(done.value("attempts"_L1).toInt(), 2);
        finish(run);
        QCOMPARE(run->exitCode(), 0);
        const auto job = jobByJid(done.value("jid"_L1).toString());
        QVERIFY(job);
        QTRY_COMPARE(m_engine->job(job->id)->status, JobStatus::Succeeded);
        const Job finished = *m_engine->job(job->id);
        QCOMPARE(finished.attempts, 2);
        QCOMPARE(finished.history[0].error->code, u"EFLAKY"_s);
        QCOMPARE(finished.history[0].error->message, u"first attempt fails"_s);
        QVERIFY(finished.history[0].error->details.contains("Error: first attempt fails"_L1));
    }

    void reservationExpiryRetries()
    {
        QProcess* run = node({ u"serve"_s, u"slow"_s, u"hang-first"_s });
        const JobId id = pushRaw({ { u"jid"_s, u"slow-1"_s }, { u"jobtype"_s, u"slow"_s },
            { u"args"_s, QJsonArray { 1 } }, { u"reserve_for"_s, 1 }, { u"retry"_s, 2 } });
        QTRY_COMPARE_WITH_TIMEOUT(m_engine->job(id)->status, JobStatus::Succeeded, 30000);
        const Job finished = *m_engine->job(id);
        QCOMPARE(finished.attempts, 2);
        QCOMPARE(finished.history[0].error->code, u"lease_expired"_s);
        QVERIFY(run->state() == QProcess::Running); // the late ACK's error does not end the worker
    }

    void quietAndTerminateThroughBeat()
    {
        QProcess* run = node({ u"serve"_s, u"noop"_s }, {}, u"quiet-me"_s);
        QByteArray output;
        QVERIFY2(!waitForEvent(run, u"working"_s, &output).isEmpty(), output.constData());
        QVERIFY(std::holds_alternative<ExternalWorkerStatus>(
            m_engine->setWorkerDirective(u"quiet-me"_s, WorkerDirective::Quiet)));
        QVERIFY2(!waitForEvent(run, u"quiet"_s, &output).isEmpty(), output.constData());
        QVERIFY(std::holds_alternative<ExternalWorkerStatus>(
            m_engine->setWorkerDirective(u"quiet-me"_s, WorkerDirective::Terminate)));
        QVERIFY2(!waitForEvent(run, u"terminate"_s, &output).isEmpty(), output.constData());
        finish(run);
        QCOMPARE(run->exitStatus(), QProcess::NormalExit);
        QCOMPARE(run->exitCode(), 0);
    }

    void passwordHandshake()
    {
        startServer("s3cret");
        const QString port = m_url.section(u':', -1);
        QProcess* good = node({ u"push-and-work"_s, u"3"_s }, u"tcp://:s3cret@127.0.0.1:"_s + port);
        const QByteArray goodOutput = finish(good);
        QVERIFY2(good->exitCode() == 0, goodOutput.constData());
        QProcess* wrong = node({ u"push-and-work"_s, u"3"_s }, u"tcp://:guess@127.0.0.1:"_s + port);
        const QByteArray wrongOutput = finish(wrong);
        QVERIFY2(wrong->exitCode() != 0, wrongOutput.constData());
        QVERIFY2(wrongOutput.contains("invalid password"), wrongOutput.constData());
    }

    void killedWorkerProcessLosesNothing()
    {
        QProcess* doomed = node({ u"serve"_s, u"slow"_s, u"hang"_s }, {}, u"doomed"_s);
        const JobId id = pushRaw({ { u"jid"_s, u"slow-k"_s }, { u"jobtype"_s, u"slow"_s },
            { u"args"_s, QJsonArray { 2 } }, { u"reserve_for"_s, 2 }, { u"retry"_s, 2 } });
        QByteArray output;
        QVERIFY2(!waitForEvent(doomed, u"started"_s, &output).isEmpty(), output.constData());
        QCOMPARE(m_engine->job(id)->worker, u"doomed"_s);
        doomed->kill();
        QVERIFY(doomed->waitForFinished(5000));

        node({ u"serve"_s, u"slow"_s }, {}, u"survivor"_s);
        QTRY_COMPARE_WITH_TIMEOUT(m_engine->job(id)->status, JobStatus::Succeeded, 30000);
        const Job finished = *m_engine->job(id);
        QCOMPARE(finished.attempts, 2);
        QCOMPARE(finished.history[0].worker, u"doomed"_s);
        QCOMPARE(finished.history[0].error->code, u"lease_expired"_s);
        QCOMPARE(finished.history[1].worker, u"survivor"_s);
    }

    void jobsFromHttpAreWorked()
    {
        QVERIFY(std::holds_alternative<QString>(m_engine->declareJobType(u"resize"_s)));
        QProcess* run = node({ u"serve"_s, u"resize"_s });
        TestHttp http;
        http.setBase(m_server->url());
        const HttpResult posted = http.postJson(u"/jobs"_s,
            QJsonObject { { u"type"_s, u"resize"_s }, { u"payload"_s, QJsonArray { u"photo.png"_s, 64 } } });
        QCOMPARE(posted.status, 202);
        QByteArray output;
        const QJsonObject done = waitForEvent(run, u"done"_s, &output);
        QVERIFY2(!done.isEmpty(), output.constData());
        QCOMPARE(done.value("args"_L1).toArray(), (QJsonArray { u"photo.png"_s, 64 }));
        const JobId id = posted.json().value("id"_L1).toString().toLongLong();
        QTRY_COMPARE(m_engine->job(id)->status, JobStatus::Succeeded);
    }

    // The binary as users start it: --headless --faktory-port 0 prints where Faktory clients go.
    void theBinaryServesFaktoryClients()
    {
        QueueLabProcess queuelab;
        QVERIFY(queuelab.start({ u"--in-memory"_s, u"--faktory-port"_s, u"0"_s }));
        QString url;
        QTRY_VERIFY((url = queuelab.faktoryAddress()).startsWith("tcp://127.0.0.1:"_L1));
        QProcess* run = node({ u"push-and-work"_s, u"5"_s }, url);
        const QByteArray output = finish(run);
        QVERIFY2(run->exitCode() == 0, output.constData());
        QVERIFY2(output.contains(R"("done":5)"), output.constData());
    }
};

QTEST_GUILESS_MAIN(TestFaktoryClient)
#include "tst_faktoryclient.moc"
