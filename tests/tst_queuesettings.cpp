#include "enginetesting.h"
#include "queuelabprocess.h"
#include "store/sqlite/sqlitejobstore.h"
#include "testhttp.h"

#include <QJsonArray>
#include <QTemporaryDir>

#include <csignal>

using namespace Qt::StringLiterals;

// Queue pauses and concurrency limits, and the worker count set while running, come back after
// a restart: the real binary stopped and started again on the same database, and the engine
// reopened on the same file.
class TestQueueSettings : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    static QJsonObject queueNamed(const QJsonObject& answer, const QString& name)
    {
        for (const QJsonValue& queue : answer.value("queues"_L1).toArray()) {
            if (queue.toObject().value("name"_L1).toString() == name)
                return queue.toObject();
        }
        return {};
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void queueSettingsSurviveARestartOfTheBinary()
    {
        const QString db = m_dir.filePath(u"queues.db"_s);
        {
            QueueLabProcess queuelab;
            QVERIFY2(queuelab.start({ u"--db"_s, db }), queuelab.errorTail().constData());
            TestHttp http(queuelab.url());
            QCOMPARE(http.post(u"/queues/mail/pause"_s, {}).status, 200);
            QCOMPARE(http.postJson(u"/queues/reports/concurrency"_s, { { u"concurrency"_s, 2 } }).status, 200);
            QCOMPARE(http.post(u"/queues/gone/pause"_s, {}).status, 200);
            QCOMPARE(http.request("DELETE", u"/queues/gone"_s).status, 200); // forgotten, settings too
            queuelab.signal(SIGTERM);
            QVERIFY(queuelab.waitForExit());
            QCOMPARE(queuelab.exitCode(), 0);
        }
        QueueLabProcess restarted;
        QVERIFY2(restarted.start({ u"--db"_s, db }), restarted.errorTail().constData());
        TestHttp http(restarted.url());
        const QJsonObject queues = http.get(u"/queues"_s).json();
        QCOMPARE(queueNamed(queues, u"mail"_s).value("paused"_L1).toBool(), true);
        QCOMPARE(queueNamed(queues, u"reports"_s).value("concurrency"_L1).toInt(), 2);
        QCOMPARE(queueNamed(queues, u"reports"_s).value("paused"_L1).toBool(), false);
        QVERIFY(queueNamed(queues, u"gone"_s).isEmpty());

        // A paused queue holds its jobs after the restart as before it.
        const HttpResult submitted = http.postJson(u"/jobs"_s, { { u"type"_s, u"echo"_s }, { u"queue"_s, u"mail"_s } });
        QCOMPARE(submitted.status, 202);
        const QString id = submitted.json().value("id"_L1).toString();
        QCOMPARE(http.post(u"/queues/mail/resume"_s, {}).status, 200);
        QTRY_COMPARE(http.get(u"/jobs/"_s + id).json().value("status"_L1).toString(), u"succeeded"_s);
    }

    void processingPauseAndQueueCountsSurviveARestartOfTheBinary()
    {
        const QString db = m_dir.filePath(u"processing.db"_s);
        QString heldId;
        {
            QueueLabProcess queuelab;
            QVERIFY2(queuelab.start({ u"--db"_s, db }), queuelab.errorTail().constData());
            TestHttp http(queuelab.url());
            for (const QString& type : { u"echo"_s, u"echo"_s, u"fail"_s }) {
                QCOMPARE(http.postJson(u"/jobs"_s,
                                 { { u"type"_s, type }, { u"queue"_s, u"reports"_s },
                                     { u"payload"_s, QJsonObject { { u"message"_s, u"boom"_s } } } })
                             .status,
                    202);
            }
            QTRY_COMPARE(queueNamed(http.get(u"/queues"_s).json(), u"reports"_s).value("processed"_L1).toInt(), 3);
            QCOMPARE(http.post(u"/processing/pause"_s, {}).json().value("paused"_L1), QJsonValue(true));
            const HttpResult held
                = http.postJson(u"/jobs"_s, { { u"type"_s, u"echo"_s }, { u"queue"_s, u"reports"_s } });
            QCOMPARE(held.status, 202); // intake goes on
            heldId = held.json().value("id"_L1).toString();
            queuelab.signal(SIGTERM);
            QVERIFY(queuelab.waitForExit());
            QCOMPARE(queuelab.exitCode(), 0);
        }
        QueueLabProcess restarted;
        QVERIFY2(restarted.start({ u"--db"_s, db }), restarted.errorTail().constData());
        TestHttp http(restarted.url());
        QCOMPARE(http.get(u"/processing"_s).json().value("paused"_L1), QJsonValue(true));
        const QJsonObject reports = queueNamed(http.get(u"/queues"_s).json(), u"reports"_s);
        QCOMPARE(reports.value("processed"_L1).toInt(), 3); // read from the store at start
        QCOMPARE(reports.value("failed"_L1).toInt(), 1);
        QCOMPARE(reports.value("depth"_L1).toInt(), 1);
        QCOMPARE(http.get(u"/jobs/"_s + heldId).json().value("status"_L1).toString(), u"queued"_s);

        QCOMPARE(http.post(u"/processing/resume"_s, {}).json().value("paused"_L1), QJsonValue(false));
        QTRY_COMPARE(http.get(u"/jobs/"_s + heldId).json().value("status"_L1).toString(), u"succeeded"_s);
        QTRY_COMPARE(queueNamed(http.get(u"/queues"_s).json(), u"reports"_s).value("processed"_L1).toInt(), 4);
    }

    // Retention drops the oldest finished jobs: the counts of /stats and of the queue follow what
    // is stored, on either store.
    void countsFollowRetention_data()
    {
        QTest::addColumn<bool>("sqlite");
        QTest::newRow("in-memory") << false;
        QTest::newRow("sqlite") << true;
    }
    void countsFollowRetention()
    {
        QFETCH(bool, sqlite);
        const int keep = 10;
        QStringList arguments { u"--keep-finished"_s, QString::number(keep) };
        arguments << (sqlite ? QStringList { u"--db"_s, m_dir.filePath(u"retention.db"_s) }
                             : QStringList { u"--in-memory"_s });
        QueueLabProcess queuelab;
        QVERIFY2(queuelab.start(arguments), queuelab.errorTail().constData());
        TestHttp http(queuelab.url());
        const int submitted = 60;
        QJsonArray jobs;
        for (int i = 0; i < submitted; ++i)
            jobs.append(QJsonObject { { u"type"_s, u"echo"_s }, { u"queue"_s, u"reports"_s } });
        QCOMPARE(http.postJson(u"/jobs/batch"_s, { { u"jobs"_s, jobs } }).status, 202);
        // One more, after the batch finished: the in-memory store prunes when jobs come in.
        QTRY_COMPARE(http.get(u"/stats"_s).json()["finished_total"_L1].toInt(), submitted);
        QCOMPARE(http.postJson(u"/jobs"_s, { { u"type"_s, u"echo"_s }, { u"queue"_s, u"reports"_s } }).status, 202);

        const auto stored
            = [&http] { return http.get(u"/jobs?status=succeeded&limit=1000"_s).json()["jobs"_L1].toArray().size(); };
        const auto counted = [&http] { return http.get(u"/stats"_s).json()["counts"_L1]["succeeded"_L1].toInt(); };
        const auto processed
            = [&] { return queueNamed(http.get(u"/queues"_s).json(), u"reports"_s).value("processed"_L1).toInt(); };
        QTRY_VERIFY2(stored() <= keep + 1, qPrintable(QString::number(stored()))); // a slack of keep / 10
        QTRY_COMPARE(counted(), stored());
        QTRY_COMPARE(processed(), stored());
    }

    void workerCountSetWhileRunningComesBack()
    {
        const QString db = m_dir.filePath(u"workers.db"_s);
        const auto open = [&db](int workers) {
            EngineConfig config;
            config.workers = workers;
            auto engine
                = std::make_unique<Engine>(config, std::make_unique<SqliteJobStore>(db, SqliteJobStore::Sync::Normal));
            QString error;
            if (!engine->open(&error))
                qFatal("%s", qPrintable(error));
            return engine;
        };
        {
            auto engine = open(0);
            engine->setWorkerCount(3);
        }
        QCOMPARE(open(0)->workerCount(), 3);
        QCOMPARE(open(5)->workerCount(), 5); // --workers wins
        QCOMPARE(open(0)->workerCount(), 3); // and is not remembered
    }
};

QTEST_GUILESS_MAIN(TestQueueSettings)
#include "tst_queuesettings.moc"
