#include "queuelabprocess.h"
#include "testhttp.h"

#include <QJsonArray>
#include <QProcessEnvironment>
#include <QStandardPaths>

#include <memory>

using namespace Qt::StringLiterals;

// End to end: the README's Python worker (tools/examples/worker.py) as real processes against the
// real binary. One is killed mid-job: its lease expires and the job is retried on another worker.
class TestWorkerProcesses : public QObject
{
    Q_OBJECT
private:
    QString m_python;

    std::unique_ptr<QProcess> startWorker(const QUrl& url, const QString& id, int reserveForMs)
    {
        auto worker = std::make_unique<QProcess>();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"QUEUELAB_URL"_s, url.toString(QUrl::StripTrailingSlash));
        env.insert(u"WORKER_ID"_s, id);
        env.insert(u"RESERVE_FOR_MS"_s, QString::number(reserveForMs));
        worker->setProcessEnvironment(env);
        worker->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        worker->start(m_python, { QStringLiteral(QUEUELAB_WORKER_EXAMPLE) });
        return worker;
    }
    static QJsonObject workerEntry(TestHttp& http, const QString& id)
    {
        const QJsonArray workers = http.get(u"/workers"_s).json().value("workers"_L1).toArray();
        for (const QJsonValue& worker : workers) {
            if (worker.toObject().value("id"_L1).toString() == id)
                return worker.toObject();
        }
        return {};
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_python = QStandardPaths::findExecutable(u"python3"_s);
        if (m_python.isEmpty())
            QSKIP("python3 is not installed");
        QVERIFY2(!QueueLabProcess::binary().isEmpty(), "QUEUELAB_BINARY is not set");
    }

    void killedWorkersJobIsRetriedOnAnother()
    {
        QueueLabProcess queuelab;
        QVERIFY(queuelab.start({ u"--in-memory"_s, u"--job-type"_s, u"resize"_s }));
        TestHttp http(queuelab.url());

        // Worker a takes the job and is killed while it works on it (the job takes 3 s).
        std::unique_ptr<QProcess> a = startWorker(queuelab.url(), u"a"_s, 4000);
        QTRY_VERIFY_WITH_TIMEOUT(!workerEntry(http, u"a"_s).isEmpty(), 15000);
        const HttpResult submitted = http.postJson(u"/jobs"_s,
            { { u"type"_s, u"resize"_s }, { u"max_attempts"_s, 2 },
                { u"payload"_s, QJsonObject { { u"seconds"_s, 3 } } } });
        QCOMPARE(submitted.status, 202);
        const QString id = submitted.json().value("id"_L1).toString();
        QTRY_COMPARE_WITH_TIMEOUT(workerEntry(http, u"a"_s).value("leases"_L1).toArray().size(), 1, 15000);
        a->kill();
        QVERIFY(a->waitForFinished(5000));

        // Worker b gets it once a's lease ran out, and finishes it.
        std::unique_ptr<QProcess> b = startWorker(queuelab.url(), u"b"_s, 30000);
        QJsonObject job;
        QTRY_VERIFY_WITH_TIMEOUT(
            (job = http.get(u"/jobs/"_s + id).json()).value("status"_L1).toString() == "succeeded"_L1, 30000);
        QCOMPARE(job.value("attempts"_L1).toInt(), 2);
        const QJsonArray history = job.value("history"_L1).toArray();
        QCOMPARE(history.size(), 2);
        const QJsonObject first = history.first().toObject();
        QCOMPARE(first.value("worker"_L1).toString(), u"a"_s);
        QCOMPARE(first.value("error"_L1).toObject().value("code"_L1).toString(), u"lease_expired"_s);
        QCOMPARE(history.last().toObject().value("worker"_L1).toString(), u"b"_s);
        QVERIFY(http.get(u"/metrics"_s).body.contains("queuelab_lease_expiries_total 1"));

        b->kill();
        b->waitForFinished(5000);
    }
};

QTEST_MAIN(TestWorkerProcesses)
#include "tst_workerprocesses.moc"
