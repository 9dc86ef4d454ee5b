#include "queuelabprocess.h"
#include "testhttp.h"

#include <QJsonArray>

// The real binary, headless: command line, the listening line, the API, graceful shutdown.
class TestCli : public QObject
{
    Q_OBJECT
private:
    static int run(const QStringList& args, QByteArray* output = nullptr)
    {
        QProcess process;
        process.start(QueueLabProcess::binary(), args);
        if (!process.waitForFinished(15000))
            return -1;
        if (output)
            *output = process.readAllStandardOutput() + process.readAllStandardError();
        return process.exitCode();
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY2(!QueueLabProcess::binary().isEmpty(), "QUEUELAB_BINARY is set by ctest"); }

    void commandLine_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("output");
        QTest::newRow("help") << QStringList { QStringLiteral("--help") } << 0 << "--drain-timeout";
        QTest::newRow("version") << QStringList { QStringLiteral("--version") } << 0 << "queuelab 0.1.0";
        QTest::newRow("unknown flag") << QStringList { QStringLiteral("--headless"), QStringLiteral("--nope") } << 2
                                      << "Unknown option";
        QTest::newRow("bad port") << QStringList { QStringLiteral("--headless"), QStringLiteral("--port"),
            QStringLiteral("70000") }
                                  << 2 << "--port must be";
        QTest::newRow("bad sync") << QStringList { QStringLiteral("--headless"), QStringLiteral("--sync"),
            QStringLiteral("maybe") }
                                  << 2 << "--sync must be normal or full";
        QTest::newRow("public bind without token")
            << QStringList { QStringLiteral("--headless"), QStringLiteral("--bind"), QStringLiteral("0.0.0.0") } << 2
            << "without --token";
        QTest::newRow("public Faktory without password") << QStringList { QStringLiteral("--headless"),
            QStringLiteral("--bind"), QStringLiteral("0.0.0.0"), QStringLiteral("--token"), QStringLiteral("T"),
            QStringLiteral("--faktory-port"), QStringLiteral("0") }
                                                         << 2 << "without --faktory-password";
        QTest::newRow("bad Faktory port")
            << QStringList { QStringLiteral("--headless"), QStringLiteral("--faktory-port"), QStringLiteral("-1") } << 2
            << "--faktory-port must be";
        QTest::newRow("help lists Faktory") << QStringList { QStringLiteral("--help") } << 0 << "--faktory-port";
    }

    void commandLine()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, output);
        QByteArray printed;
        QCOMPARE(run(args, &printed), exitCode);
        QVERIFY2(QString::fromUtf8(printed).contains(output), printed.constData());
    }

    void portTakenIsAClearError()
    {
        QueueLabProcess first;
        QVERIFY(first.start({ QStringLiteral("--in-memory") }));
        QByteArray printed;
        QCOMPARE(run({ QStringLiteral("--headless"), QStringLiteral("--in-memory"), QStringLiteral("--port"),
                         QString::number(first.url().port()) },
                     &printed),
            1);
        QVERIFY2(printed.contains("cannot listen"), printed.constData());
    }

    void submitPollAndGracefulSigterm()
    {
        QueueLabProcess queuelab;
        QVERIFY(queuelab.start({ QStringLiteral("--in-memory"), QStringLiteral("--workers"), QStringLiteral("2") }));
        QCOMPARE(queuelab.url().host(), QStringLiteral("127.0.0.1"));
        TestHttp http(queuelab.url());

        const HttpResult echo = http.post(QStringLiteral("/jobs"), R"({"type":"echo","payload":"hi"})");
        QCOMPARE(echo.status, 202);
        const QString echoId = echo.json().value(QLatin1StringView("id")).toString();
        QTRY_COMPARE(http.get(QStringLiteral("/jobs/") + echoId).json().value(QLatin1StringView("status")).toString(),
            QStringLiteral("succeeded"));

        // A job that runs while SIGTERM arrives: it finishes within the drain, new ones are refused.
        const HttpResult slow = http.post(QStringLiteral("/jobs"), R"({"type":"sleep","payload":{"ms":800}})");
        const QString slowId = slow.json().value(QLatin1StringView("id")).toString();
        QTRY_COMPARE(http.get(QStringLiteral("/jobs/") + slowId).json().value(QLatin1StringView("status")).toString(),
            QStringLiteral("running"));
        queuelab.signal(SIGTERM);
        QTRY_COMPARE(http.post(QStringLiteral("/jobs"), R"({"type":"echo"})").status, 503);
        const HttpResult during = http.get(QStringLiteral("/jobs/%1?wait_ms=5000").arg(slowId));
        QCOMPARE(during.json().value(QLatin1StringView("status")).toString(), QStringLiteral("succeeded"));
        QVERIFY(queuelab.waitForExit(10000));
        QCOMPARE(queuelab.exitStatus(), QProcess::NormalExit);
        QVERIFY2(queuelab.exitCode() == 0, queuelab.errorTail().constData());
    }

    void secondSigintSkipsTheDrain()
    {
        QueueLabProcess queuelab;
        QVERIFY(
            queuelab.start({ QStringLiteral("--in-memory"), QStringLiteral("--drain-timeout"), QStringLiteral("60") }));
        TestHttp http(queuelab.url());
        const HttpResult slow = http.post(QStringLiteral("/jobs"), R"({"type":"sleep","payload":{"ms":60000}})");
        const QString id = slow.json().value(QLatin1StringView("id")).toString();
        QTRY_COMPARE(http.get(QStringLiteral("/jobs/") + id).json().value(QLatin1StringView("status")).toString(),
            QStringLiteral("running"));
        QElapsedTimer timer;
        timer.start();
        queuelab.signal(SIGINT);
        QTRY_COMPARE(http.get(QStringLiteral("/health")).status, 503);
        queuelab.signal(SIGINT);
        QVERIFY(queuelab.waitForExit(10000));
        QVERIFY2(queuelab.exitCode() == 0, queuelab.errorTail().constData());
        QVERIFY2(timer.elapsed() < 5000, "the second SIGINT must not wait for the 60 s drain");
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
