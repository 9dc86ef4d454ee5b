#include "wire/jobjson.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

// The fast writer must say exactly what Job::toJson() says, for every kind of value.
class TestJobJson : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void matchesToJson_data()
    {
        QTest::addColumn<Job>("job");
        Job plain;
        plain.id = 1;
        plain.type = QStringLiteral("echo");
        plain.queue = QStringLiteral("default");
        plain.createdAt = 1764075241169; // 2025-11-25T12:54:01.169Z
        QTest::newRow("fresh") << plain;

        Job full = plain;
        full.id = 9007199254740991;
        full.status = JobStatus::Failed;
        full.priority = -17;
        full.attempts = 3;
        full.maxAttempts = 3;
        // (no raw string literal here: moc 6.4 mis-lexes one containing \" and skips the class)
        full.payload
            = QJsonDocument::fromJson("{\"a\":[1,2.5,\"x\\\"y\",null,true],\"b\":{\"c\":\"\u00e9\\n\\u0001\"}}")
                  .object();
        full.result = QStringLiteral("tab\there \\ quote\" ✓");
        full.error = JobError { QStringLiteral("job_failed"), QStringLiteral("line1\nline2") };
        full.progress = 0.3333333333333333;
        full.runAt = 951782400000; // 2000-02-29 (leap day)
        full.startedAt = 4102444799999; // 2099-12-31T23:59:59.999Z
        full.finishedAt = 86400000;
        full.timeoutMs = 0;
        full.idempotencyKey = QStringLiteral("key/1");
        full.history = { JobAttempt { 1, 5, 6, JobError { QStringLiteral("timeout"), QStringLiteral("slow") } },
            JobAttempt { 2, 7, 8, std::nullopt } };
        QTest::newRow("every field") << full;

        Job numbers = plain;
        numbers.payload = 1e300;
        numbers.result = -0.000125;
        QTest::newRow("numbers") << numbers;

        Job array = plain;
        array.payload = QJsonArray { 1, QStringLiteral("two") };
        array.result = true;
        QTest::newRow("array payload") << array;

        Job nested = plain;
        nested.payload = QJsonObject {
            { QStringLiteral("empty"), QJsonObject() }, { QStringLiteral("none"), QJsonArray() },
            { QStringLiteral("deep"),
                QJsonArray { QJsonObject { { QStringLiteral("k\u00fc\"y"), QJsonArray { QJsonArray { 0.5, -3 } } } } } }
        };
        nested.result = QJsonArray { QJsonObject(), QJsonValue(QJsonValue::Null), QStringLiteral("\t") };
        QTest::newRow("nested payload") << nested;

        Job unicode = plain;
        unicode.type = QStringLiteral("t\u00fcp\u2713");
        unicode.payload = QJsonObject { { QStringLiteral("\U0001F600 key"),
            QStringLiteral("a\u2713b\U0001F600c\u001f\u007f\u00e9\u00e9 end") } };
        QTest::newRow("unicode and controls") << unicode;

        Job big = plain; // far past the 384 bytes reserved for a job: the writer grows
        big.payload = QJsonArray { QString(5000, QLatin1Char('x')), QString(3000, QChar(0x00e9)) };
        big.result = QString(2000, QLatin1Char('"'));
        QTest::newRow("big") << big;

        Job waitingForItsEnd = plain; // a callback_url: its job is null until the job finishes
        waitingForItsEnd.callbackUrl = QStringLiteral("http://127.0.0.1:8080/sink/done?a=\"b\"");
        QTest::newRow("callback, not yet queued") << waitingForItsEnd;
        Job calledBack = waitingForItsEnd;
        calledBack.status = JobStatus::Succeeded;
        calledBack.callbackJobId = 9007199254740991;
        QTest::newRow("callback queued") << calledBack;
        Job callback = plain;
        callback.type = QStringLiteral("http");
        callback.callbackFor = 41;
        QTest::newRow("callback job") << callback;
    }

    void matchesToJson()
    {
        QFETCH(Job, job);
        QJsonParseError error;
        const QJsonDocument written = QJsonDocument::fromJson(JobJson::job(job), &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(written.object(), job.toJson());
    }

    void timestampsAreRfc3339()
    {
        QByteArray out;
        JobJson::appendTimestamp(out, 1764075241169);
        QCOMPARE(out, QByteArray("\"2025-11-25T12:54:01.169Z\""));
        out.clear();
        JobJson::appendTimestamp(out, 0);
        QCOMPARE(out, QByteArray("null"));
    }

    void appendsAfterWhatIsThere()
    {
        QByteArray out("x:");
        JobJson::appendString(out, u"a\"\u00e9\U0001F600\n");
        QCOMPARE(out, QByteArray("x:\"a\\\"\xc3\xa9\xf0\x9f\x98\x80\\n\""));
        JobJson::appendValue(out, QJsonArray { 1, 2.5, true });
        QCOMPARE(out, QByteArray("x:\"a\\\"\xc3\xa9\xf0\x9f\x98\x80\\n\"[1,2.5,true]"));
    }

    void listWithCursor()
    {
        Job job;
        job.id = 5;
        const QJsonObject list
            = QJsonDocument::fromJson(JobJson::jobList({ job, job }, std::optional<JobId>(4))).object();
        QCOMPARE(list.value(QLatin1StringView("jobs")).toArray().size(), 2);
        QCOMPARE(list.value(QLatin1StringView("next_cursor")).toString(), QStringLiteral("4"));
        const QJsonObject last = QJsonDocument::fromJson(JobJson::jobList({}, std::optional<JobId>())).object();
        QVERIFY(last.value(QLatin1StringView("next_cursor")).isNull());
    }
};

QTEST_GUILESS_MAIN(TestJobJson)
#include "tst_jobjson.moc"
