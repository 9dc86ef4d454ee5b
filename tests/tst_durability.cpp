#include "queuelabprocess.h"
#include "testhttp.h"

#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSet>
#include <QTemporaryDir>

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
        // The job cut off by the drain deadline is queued again, without losing an attempt.
        const QJsonObject requeued = again.get(QStringLiteral("/jobs/") + running).json();
        QVERIFY(requeued.value(QLatin1StringView("status")).toString() != QStringLiteral("failed"));
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
