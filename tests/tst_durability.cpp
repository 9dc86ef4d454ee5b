#include "queuelabprocess.h"
#include "testhttp.h"

#include <QDir>
#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSet>
#include <QTemporaryDir>

#include <csignal>
#include <sys/resource.h>
#include <unistd.h>

// The real binary on a real SQLite file: a 202 survives kill -9, queued jobs survive a stop.
class TestDurability : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_dir;

    QString dbPath() const { return m_dir.filePath(QStringLiteral("jobs.db")); }

    static QSet<QString> storedIds(TestHttp& http)
    {
        QSet<QString> ids;
        QString cursor;
        for (;;) {
            const QJsonObject page = http.get(QStringLiteral("/jobs?limit=1000")
                                             + (cursor.isEmpty() ? QString() : QStringLiteral("&cursor=") + cursor))
                                         .json();
            for (const QJsonValue& job : page.value(QLatin1StringView("jobs")).toArray())
                ids.insert(job.toObject().value(QLatin1StringView("id")).toString());
            cursor = page.value(QLatin1StringView("next_cursor")).toString();
            if (cursor.isEmpty())
                return ids;
        }
    }

    static qint64 succeeded(TestHttp& http)
    {
        return http.get(QStringLiteral("/stats"))
            .json()
            .value(QLatin1StringView("counts"))
            .toObject()
            .value(QLatin1StringView("succeeded"))
            .toInteger();
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void killDashNineLosesNoAcknowledgedJob()
    {
        QueueLabProcess queuelab;
        QVERIFY(queuelab.start({ QStringLiteral("--db"), dbPath(), QStringLiteral("--workers"), QStringLiteral("2") }));

        // Several clients submit as fast as they can; the process is killed mid-load.
        QNetworkAccessManager manager;
        QSet<QString> acknowledged;
        int inFlight = 0;
        bool killed = false;
        const QUrl jobs = queuelab.url().resolved(QUrl(QStringLiteral("/jobs")));
        std::function<void()> submitOne = [&] {
            QNetworkRequest request(jobs);
            request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
            QNetworkReply* reply = manager.post(request, QByteArray(R"({"type":"echo","payload":{"n":1}})"));
            ++inFlight;
            QObject::connect(reply, &QNetworkReply::finished, reply, [&, reply] {
                reply->deleteLater();
                --inFlight;
                if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 202)
                    acknowledged.insert(
                        QJsonDocument::fromJson(reply->readAll()).object().value(QLatin1StringView("id")).toString());
                if (!killed && acknowledged.size() >= 3000) {
                    killed = true;
                    queuelab.signal(SIGKILL);
                }
                if (!killed)
                    submitOne();
            });
        };
        for (int client = 0; client < 12; ++client)
            submitOne();
        QTRY_VERIFY_WITH_TIMEOUT(killed && inFlight == 0, 60000);
        QVERIFY(queuelab.waitForExit(5000));
        QCOMPARE(queuelab.exitStatus(), QProcess::CrashExit);

        QueueLabProcess restarted;
        QVERIFY(restarted.start({ QStringLiteral("--db"), dbPath() }));
        TestHttp http(restarted.url());
        const QSet<QString> stored = storedIds(http);
        const QSet<QString> lost = acknowledged - stored;
        QVERIFY2(lost.isEmpty(),
            qPrintable(QStringLiteral("%1 of %2 acknowledged jobs lost").arg(lost.size()).arg(acknowledged.size())));
        QTRY_VERIFY_WITH_TIMEOUT(succeeded(http) >= acknowledged.size(), 30000);
        restarted.signal(SIGTERM);
        QVERIFY(restarted.waitForExit());
        QVERIFY2(restarted.exitCode() == 0, restarted.errorTail().constData());
    }

    void queuedJobsSurviveAGracefulStop()
    {
        const QString path = m_dir.filePath(QStringLiteral("stop.db"));
        QueueLabProcess queuelab;
        QVERIFY(queuelab.start({ QStringLiteral("--db"), path, QStringLiteral("--workers"), QStringLiteral("1"),
            QStringLiteral("--drain-timeout"), QStringLiteral("0") }));
        TestHttp http(queuelab.url());
        const QString running = http.post(QStringLiteral("/jobs"), R"({"type":"sleep","payload":{"ms":30000}})")
                                    .json()
                                    .value(QLatin1StringView("id"))
                                    .toString();
        QStringList queued;
        for (int i = 0; i < 5; ++i)
            queued.append(http.post(QStringLiteral("/jobs"), R"({"type":"echo"})")
                              .json()
                              .value(QLatin1StringView("id"))
                              .toString());
        QTRY_COMPARE(http.get(QStringLiteral("/jobs/") + running).json().value(QLatin1StringView("status")).toString(),
            QStringLiteral("running"));
        queuelab.signal(SIGTERM);
        QVERIFY(queuelab.waitForExit());
        QVERIFY2(queuelab.exitCode() == 0, queuelab.errorTail().constData());

        QueueLabProcess restarted;
        QVERIFY(restarted.start({ QStringLiteral("--db"), path, QStringLiteral("--workers"), QStringLiteral("2") }));
        TestHttp again(restarted.url());
        // The job cut off by the drain deadline is queued again, without losing an attempt; the
        // cut-off attempt is in its history.
        const QJsonObject requeued = again.get(QStringLiteral("/jobs/") + running).json();
        QVERIFY(requeued.value(QLatin1StringView("status")).toString() != QStringLiteral("failed"));
        const QJsonArray history = requeued.value(QLatin1StringView("history")).toArray();
        QVERIFY(!history.isEmpty());
        const QJsonObject cut = history.first().toObject();
        QCOMPARE(cut.value(QLatin1StringView("error")).toObject().value(QLatin1StringView("code")).toString(),
            QStringLiteral("interrupted"));
        QCOMPARE(cut.value(QLatin1StringView("attempt")).toInt(), 1);
        QCOMPARE(requeued.value(QLatin1StringView("max_attempts")).toInt(), 2);
        for (const QString& id : std::as_const(queued))
            QTRY_COMPARE(again.get(QStringLiteral("/jobs/") + id).json().value(QLatin1StringView("status")).toString(),
                QStringLiteral("succeeded"));
        QCOMPARE(again.request("DELETE", QStringLiteral("/jobs/") + running).status / 100, 2);
    }

    void secondInstanceOnTheSameFileIsRefused()
    {
        const QString path = m_dir.filePath(QStringLiteral("locked.db"));
        QueueLabProcess first;
        QVERIFY(first.start({ QStringLiteral("--db"), path }));
        QProcess second;
        second.start(QueueLabProcess::binary(),
            { QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--db"),
                path });
        QVERIFY(second.waitForFinished(10000));
        QCOMPARE(second.exitCode(), 1);
        const QByteArray message = second.readAllStandardError();
        QVERIFY2(message.contains("locked") || message.contains("in use"), message.constData());
    }

    void linksToALockedFileAreRefused_data()
    {
        QTest::addColumn<bool>("hardLink"); // else a symlink
        QTest::newRow("symlink") << false;
        QTest::newRow("hard link") << true;
    }

    void linksToALockedFileAreRefused()
    {
        QFETCH(bool, hardLink);
        const QString path = m_dir.filePath(QStringLiteral("linked-%1.db").arg(hardLink));
        const QString link = m_dir.filePath(QStringLiteral("link-%1.db").arg(hardLink));
        QueueLabProcess first;
        QVERIFY(first.start({ QStringLiteral("--db"), path }));
        QVERIFY(hardLink ? ::link(QFile::encodeName(path).constData(), QFile::encodeName(link).constData()) == 0
                         : QFile::link(path, link));
        QProcess second;
        second.start(QueueLabProcess::binary(),
            { QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--db"),
                link });
        QVERIFY2(second.waitForFinished(10000), "a second QueueLab runs on the same file: every job would run twice");
        QCOMPARE(second.exitCode(), 1);
        const QByteArray message = second.readAllStandardError();
        QVERIFY2(message.contains("in use"), message.constData());
    }

    void aDatabaseFileLostUnderTheServerStopsAcknowledging_data()
    {
        QTest::addColumn<QString>("how");
        QTest::newRow("deleted") << QStringLiteral("deleted");
        QTest::newRow("replaced") << QStringLiteral("replaced");
        QTest::newRow("truncated") << QStringLiteral("truncated");
        // Commits would go on into the unlinked log, lost at the next start.
        QTest::newRow("write-ahead log deleted") << QStringLiteral("write-ahead log");
    }

    void aDatabaseFileLostUnderTheServerStopsAcknowledging()
    {
        QFETCH(QString, how);
        const QString path = m_dir.filePath(QStringLiteral("lost-%1.db").arg(how));
        QueueLabProcess queuelab;
        QVERIFY(queuelab.start({ QStringLiteral("--db"), path }));
        TestHttp http(queuelab.url());
        QCOMPARE(http.post(QStringLiteral("/jobs"), R"({"type":"echo"})").status, 202);
        QCOMPARE(http.get(QStringLiteral("/health")).status, 200);

        if (how == QStringLiteral("deleted")) {
            QVERIFY(QFile::remove(path));
        } else if (how == QStringLiteral("write-ahead log")) {
            QVERIFY(QFile::exists(path + QStringLiteral("-wal")));
            QVERIFY(QFile::remove(path + QStringLiteral("-wal")));
        } else if (how == QStringLiteral("replaced")) {
            const QString other = path + QStringLiteral(".new");
            QVERIFY(QFile::copy(path, other));
            QVERIFY(::rename(QFile::encodeName(other).constData(), QFile::encodeName(path).constData()) == 0);
        } else {
            QVERIFY(QFile::resize(path, 0));
        }
        // Noticed at the next commit, or within a second when idle: no 202 from then on.
        QTRY_COMPARE(http.post(QStringLiteral("/jobs"), R"({"type":"echo"})").status, 503);
        const HttpResult refused = http.post(QStringLiteral("/jobs/batch"), R"({"jobs":[{"type":"echo"}]})");
        QCOMPARE(refused.status, 503);
        QCOMPARE(refused.errorCode(), QStringLiteral("storage_lost"));
        QVERIFY2(refused.errorMessage().contains(how), qPrintable(refused.errorMessage()));
        QVERIFY(!refused.header("Retry-After").isEmpty());
        const HttpResult health = http.get(QStringLiteral("/health"));
        QCOMPARE(health.status, 503);
        QCOMPARE(health.json().value(QLatin1StringView("status")).toString(), QStringLiteral("storage_lost"));
        QVERIFY2(health.json().value(QLatin1StringView("reason")).toString().contains(how), health.body.constData());
        queuelab.signal(SIGTERM);
        QVERIFY(queuelab.waitForExit());
    }

    void jobsOfARefusedSubmissionNeverRun()
    {
        // A real disk that fills up: the process may write files of up to 256 KiB (and is not
        // killed for trying more), so commits fail once the database reaches that.
        const QString path = m_dir.filePath(QStringLiteral("full.db"));
        const QDir marks(m_dir.filePath(QStringLiteral("ran")));
        QVERIFY(marks.mkpath(QStringLiteral(".")));
        QueueLabProcess queuelab;
        queuelab.process().setChildProcessModifier([] {
            ::signal(SIGXFSZ, SIG_IGN);
            const rlimit limit { 256 * 1024, 256 * 1024 };
            ::setrlimit(RLIMIT_FSIZE, &limit);
        });
        QVERIFY(queuelab.start({ QStringLiteral("--db"), path, QStringLiteral("--allow-exec"),
            QStringLiteral("--workers"), QStringLiteral("4") }));
        TestHttp http(queuelab.url());

        // Batches of programs that each leave a mark when they run, padded to fill the file.
        const QString padding(16 * 1024, QLatin1Char('x'));
        QStringList acknowledged;
        QStringList refused;
        for (int batch = 0; batch < 100 && refused.size() < 20; ++batch) {
            QJsonArray jobs;
            QStringList batchMarks;
            for (int i = 0; i < 5; ++i) {
                batchMarks.append(marks.filePath(QStringLiteral("%1-%2").arg(batch).arg(i)));
                jobs.append(QJsonObject { { QStringLiteral("type"), QStringLiteral("exec") },
                    { QStringLiteral("payload"),
                        QJsonObject { { QStringLiteral("program"), QStringLiteral("/usr/bin/touch") },
                            { QStringLiteral("args"), QJsonArray { batchMarks.constLast() } },
                            { QStringLiteral("padding"), padding } } } });
            }
            const HttpResult answer = http.post(QStringLiteral("/jobs/batch"),
                QJsonDocument(QJsonObject { { QStringLiteral("jobs"), jobs } }).toJson(QJsonDocument::Compact));
            QVERIFY2(answer.status == 202 || answer.status == 503, answer.body.constData());
            (answer.status == 202 ? acknowledged : refused) += batchMarks;
        }
        QVERIFY2(refused.size() >= 20, "the file never filled up");

        for (const QString& mark : std::as_const(acknowledged))
            QTRY_VERIFY2(QFile::exists(mark), qPrintable(mark));
        QTRY_VERIFY([&] {
            const QJsonObject stats = http.get(QStringLiteral("/stats")).json();
            return stats.value(QLatin1StringView("queue_depth")).toInteger() == 0
                && stats.value(QLatin1StringView("workers")).toObject().value(QLatin1StringView("busy")).toInt() == 0;
        }());
        qsizetype ran = 0;
        for (const QString& mark : std::as_const(refused))
            ran += QFile::exists(mark) ? 1 : 0;
        QVERIFY2(ran == 0,
            qPrintable(QStringLiteral("%1 of %2 refused jobs ran (%3 acknowledged)")
                           .arg(ran)
                           .arg(refused.size())
                           .arg(acknowledged.size())));
        queuelab.signal(SIGKILL);
        QVERIFY(queuelab.waitForExit());
    }

    void garbageDatabaseIsRefusedAndKept()
    {
        const QString path = m_dir.filePath(QStringLiteral("garbage.db"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        const QByteArray garbage(8192, 'x');
        file.write(garbage);
        file.close();
        QProcess queuelab;
        queuelab.start(QueueLabProcess::binary(),
            { QStringLiteral("--headless"), QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--db"),
                path });
        QVERIFY(queuelab.waitForFinished(10000));
        QCOMPARE(queuelab.exitCode(), 1);
        QVERIFY(!queuelab.readAllStandardError().isEmpty());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), garbage);
    }
};

QTEST_GUILESS_MAIN(TestDurability)
#include "tst_durability.moc"
