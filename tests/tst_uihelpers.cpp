#include "curlcommand.h"
#include "displayformat.h"
#include "jsontext.h"
#include "lagprobe.h"
#include "screenshothook.h"

#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

class TestUiHelpers : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void jsonParseAcceptsAnyValue_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QJsonValue>("expected");
        QTest::newRow("object") << QStringLiteral("{\"ms\": 5}")
                                << QJsonValue(QJsonObject { { QStringLiteral("ms"), 5 } });
        QTest::newRow("array") << QStringLiteral("[1, 2]") << QJsonValue(QJsonArray { 1, 2 });
        QTest::newRow("number") << QStringLiteral(" 42 ") << QJsonValue(42);
        QTest::newRow("string") << QStringLiteral("\"hi\"") << QJsonValue(QStringLiteral("hi"));
        QTest::newRow("blank is null") << QStringLiteral("  \n") << QJsonValue(QJsonValue::Null);
    }

    void jsonParseAcceptsAnyValue()
    {
        QFETCH(QString, text);
        QFETCH(QJsonValue, expected);
        const JsonText::ParseResult result = JsonText::parse(text);
        QVERIFY2(result.isValid(), qPrintable(result.errorText()));
        QCOMPARE(result.value, expected);
    }

    void jsonParseErrorsHaveLineAndColumn_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("line");
        QTest::addColumn<int>("column");
        QTest::newRow("missing value") << QStringLiteral("{\n  \"ms\": \n}") << 3 << 1;
        QTest::newRow("unquoted key") << QStringLiteral("{ms: 5}") << 1 << 2;
        QTest::newRow("non-ascii before the error") << QStringLiteral("{\"ä\": x}") << 1 << 7;
        QTest::newRow("two values") << QStringLiteral("1, 2") << 1 << 5;
    }

    void jsonParseErrorsHaveLineAndColumn()
    {
        QFETCH(QString, text);
        QFETCH(int, line);
        QFETCH(int, column);
        const JsonText::ParseResult result = JsonText::parse(text);
        QVERIFY(!result.isValid());
        QCOMPARE(result.line, line);
        QCOMPARE(result.column, column);
        QVERIFY(result.errorText().startsWith(QStringLiteral("Line %1, column %2: ").arg(line).arg(column)));
    }

    void jsonFormatIndentsContainersAndWritesScalars()
    {
        QCOMPARE(JsonText::format(QJsonObject { { QStringLiteral("a"), 1 } }), QStringLiteral("{\n    \"a\": 1\n}"));
        QCOMPARE(JsonText::format(QJsonValue(QStringLiteral("x"))), QStringLiteral("\"x\""));
        QCOMPARE(JsonText::format(QJsonValue(QJsonValue::Null)), QStringLiteral("null"));
        QCOMPARE(JsonText::format(QJsonValue(2.5)), QStringLiteral("2.5"));
    }

    void curlCommandQuotesTheBody()
    {
        Job job;
        job.type = QStringLiteral("echo");
        job.queue = QStringLiteral("default");
        job.payload = QJsonObject { { QStringLiteral("text"), QStringLiteral("it's") } };
        job.maxAttempts = 3;
        const QUrl server(QStringLiteral("http://127.0.0.1:8080"));
        const QString command = curlCommand(server, job, false);
        QVERIFY(command.startsWith(
            QStringLiteral("curl -X POST http://127.0.0.1:8080/jobs -H 'Content-Type: application/json' -d '{")));
        QVERIFY2(command.contains(QStringLiteral("\"text\":\"it'\\''s\"")), qPrintable(command));
        QVERIFY(command.contains(QStringLiteral("\"max_attempts\":3")));
        QVERIFY(!command.contains(QStringLiteral("timeout_ms")));
        QVERIFY(!command.contains(QStringLiteral("Authorization")));

        job.timeoutMs = 500;
        const QString withToken = curlCommand(server, job, true);
        QVERIFY(withToken.contains(QStringLiteral(" -H 'Authorization: Bearer …' ")));
        QVERIFY(withToken.contains(QStringLiteral("\"timeout_ms\":500")));
    }

    void displayFormat()
    {
        QCOMPARE(DisplayFormat::duration(0), QStringLiteral("0 ms"));
        QCOMPARE(DisplayFormat::duration(0.4), QStringLiteral("<1 ms"));
        QCOMPARE(DisplayFormat::duration(850), QStringLiteral("850 ms"));
        QCOMPARE(DisplayFormat::duration(1250), QStringLiteral("1.25 s"));
        QCOMPARE(DisplayFormat::duration(42500), QStringLiteral("42.5 s"));
        QCOMPARE(DisplayFormat::duration(185000), QStringLiteral("3 m 05 s"));
        QCOMPARE(DisplayFormat::duration(7440000), QStringLiteral("2 h 04 m"));
        QCOMPARE(DisplayFormat::rate(2.5), QStringLiteral("2.50/s"));
        QCOMPARE(DisplayFormat::rate(12.34), QStringLiteral("12.3/s"));
        QCOMPARE(DisplayFormat::clockTime(0), QString());
    }

    void lagProbeMeasuresAStall()
    {
        LagProbe probe;
        probe.start();
        QTRY_VERIFY(probe.sampleCount() >= 5);
        QThread::msleep(120); // the stall to measure: the GUI thread does nothing else meanwhile
        QTRY_VERIFY(probe.max() >= 90);
        QVERIFY(probe.p50() < 50); // one stall does not move the median
        probe.stop();

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("lag.json"));
        QVERIFY(probe.writeReport(path));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject report = QJsonDocument::fromJson(file.readAll()).object();
        QCOMPARE(report.keys(),
            (QStringList { QStringLiteral("max_ms"), QStringLiteral("p50_ms"), QStringLiteral("p99_ms"),
                QStringLiteral("samples") }));
        QCOMPARE(report.value(QStringLiteral("samples")).toInteger(), qint64(probe.sampleCount()));
        QCOMPARE(report.value(QStringLiteral("max_ms")).toDouble(), probe.max());
        QVERIFY(report.value(QStringLiteral("p99_ms")).toDouble() >= report.value(QStringLiteral("p50_ms")).toDouble());
    }

    void lagProbeIsOffWithoutTheVariable()
    {
        qunsetenv("QUEUELAB_LAG_REPORT");
        QCOMPARE(LagProbe::installFromEnvironment(), nullptr);
    }

    void screenshotHookSavesThePng()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("shots/window.png"));
        QLabel window(QStringLiteral("QueueLab"));
        window.resize(320, 200);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        qputenv("QUEUELAB_SCREENSHOT", path.toUtf8());
        qputenv("QUEUELAB_SCREENSHOT_DELAY_MS", "10");
        ScreenshotHook* hook = ScreenshotHook::installFromEnvironment(&window);
        qunsetenv("QUEUELAB_SCREENSHOT");
        QVERIFY(hook);
        QSignalSpy captured(hook, &ScreenshotHook::captured);
        QTRY_COMPARE(captured.count(), 1);
        QCOMPARE(captured.first().at(1).toBool(), true);
        const QImage image(path);
        QCOMPARE(image.size(), window.size() * window.devicePixelRatio());
    }
};

QTEST_MAIN(TestUiHelpers)
#include "tst_uihelpers.moc"
