#include "jobsemanticstest.h"

// Idempotency keys, alone and in batches, and batches that are all or none, through real HTTP against a real server on
// 127.0.0.1, port 0.
class TestIdempotency : public JobSemanticsTest
{
    Q_OBJECT

private Q_SLOTS:
    void idempotencyKeys()
    {
        const QJsonObject keyed
            = jobSpec(QStringLiteral("echo"), {}, { { QStringLiteral("idempotency_key"), QStringLiteral("order-1") } });
        const HttpResult first = m_http.postJson(QStringLiteral("/jobs"), keyed);
        const HttpResult second = m_http.postJson(QStringLiteral("/jobs"), keyed);
        QCOMPARE(first.status, 202);
        QCOMPARE(second.status, 202);
        const QString id = str(first.json(), "id");
        QCOMPARE(str(second.json(), "id"), id);
        QCOMPARE(second.header("Location"), QByteArray("/jobs/") + id.toUtf8());
        QCOMPARE(str(finished(id), "status"), QStringLiteral("succeeded"));
        QCOMPARE(str(submitted(keyed), "id"), id); // also once the job is finished

        const QString other = submittedId(
            jobSpec(QStringLiteral("echo"), {}, { { QStringLiteral("idempotency_key"), QStringLiteral("order-2") } }));
        QVERIFY(other != id);

        // In a batch: a known key answers the existing job; a key twice in the batch is one job.
        const QJsonObject fresh
            = jobSpec(QStringLiteral("echo"), {}, { { QStringLiteral("idempotency_key"), QStringLiteral("order-3") } });
        const HttpResult batch = m_http.postJson(QStringLiteral("/jobs/batch"),
            { { QStringLiteral("jobs"), QJsonArray { keyed, fresh, fresh, jobSpec(QStringLiteral("echo")) } } });
        QCOMPARE(batch.status, 202);
        const QJsonArray jobs = batch.json().value(QLatin1StringView("jobs")).toArray();
        QCOMPARE(jobs.size(), 4);
        QCOMPARE(str(jobs[0].toObject(), "id"), id);
        QCOMPARE(str(jobs[1].toObject(), "id"), str(jobs[2].toObject(), "id"));
        QVERIFY(str(jobs[1].toObject(), "id") != str(jobs[3].toObject(), "id"));
        QCOMPARE(stats().value(QLatin1StringView("submitted_total")).toInt(), 4); // order-1, order-2, order-3, plain
        QCOMPARE(m_http.get(QStringLiteral("/jobs")).json().value(QLatin1StringView("jobs")).toArray().size(), 4);
    }

    void idempotencyKeysInALargeBatch()
    {
        // 10,000 jobs, the last 1,000 repeating the keys of the first 1,000: 9,000 jobs. Matching
        // keys within a batch was quadratic once and held the engine's lock for seconds.
        m_http.post(QStringLiteral("/queues/default/pause"), {});
        QJsonArray jobs;
        for (int i = 0; i < 10000; ++i)
            jobs.append(jobSpec(QStringLiteral("echo"), {},
                { { QStringLiteral("idempotency_key"), QStringLiteral("order-%1").arg(i % 9000) } }));
        const HttpResult accepted
            = m_http.postJson(QStringLiteral("/jobs/batch"), { { QStringLiteral("jobs"), jobs } });
        QCOMPARE(accepted.status, 202);
        const QJsonArray created = accepted.json().value(QLatin1StringView("jobs")).toArray();
        QCOMPARE(created.size(), 10000);
        QCOMPARE(str(created[9789].toObject(), "id"), str(created[789].toObject(), "id"));
        QCOMPARE(str(created[9789].toObject(), "idempotency_key"), QStringLiteral("order-789"));
        QVERIFY(str(created[8789].toObject(), "id") != str(created[789].toObject(), "id"));
        QCOMPARE(count(QStringLiteral("queued")), 9000);

        // Against a fifth of the batch, in the same run, so that the check holds on a loaded
        // machine and under sanitizers: linear matching takes about 5 times as long for 5 times
        // the jobs, quadratic matching 25 times.
        QJsonArray fifth;
        for (int i = 0; i < 2000; ++i)
            fifth.append(jobSpec(QStringLiteral("echo"), {},
                { { QStringLiteral("idempotency_key"), QStringLiteral("fifth-%1").arg(i % 1800) } }));
        const HttpResult small = m_http.postJson(QStringLiteral("/jobs/batch"), { { QStringLiteral("jobs"), fifth } });
        QCOMPARE(small.status, 202);
        QVERIFY2(accepted.elapsedMs < 12 * small.elapsedMs + 500,
            qPrintable(QStringLiteral("10,000 jobs took %1 ms, 2,000 took %2 ms")
                           .arg(accepted.elapsedMs)
                           .arg(small.elapsedMs)));
    }

    void batchIsAllOrNone_data()
    {
        QTest::addColumn<QJsonObject>("invalid");
        QTest::addColumn<QString>("field");
        QTest::newRow("field") << jobSpec(
            QStringLiteral("echo"), {}, { { QStringLiteral("priority"), QStringLiteral("high") } })
                               << QStringLiteral("jobs[7345].priority");
        QTest::newRow("type") << jobSpec(QStringLiteral("nope")) << QStringLiteral("jobs[7345].type");
        QTest::newRow("payload") << jobSpec(QStringLiteral("sleep"), QJsonObject {})
                                 << QStringLiteral("jobs[7345].payload");
    }

    void batchIsAllOrNone()
    {
        QFETCH(QJsonObject, invalid);
        QFETCH(QString, field);
        QJsonArray jobs;
        for (int i = 0; i < 10000; ++i)
            jobs.append(jobSpec(QStringLiteral("echo"), QJsonObject { { QStringLiteral("i"), i } }));
        QJsonArray broken = jobs;
        broken[7345] = invalid;
        const HttpResult refused
            = m_http.postJson(QStringLiteral("/jobs/batch"), { { QStringLiteral("jobs"), broken } });
        QCOMPARE(refused.status, 400);
        QCOMPARE(refused.errorCode(), QStringLiteral("invalid_field"));
        QVERIFY2(refused.errorMessage().startsWith(field + QLatin1Char(' ')), qPrintable(refused.errorMessage()));
        QCOMPARE(stats().value(QLatin1StringView("submitted_total")).toInt(), 0);
        QCOMPARE(m_http.get(QStringLiteral("/jobs")).json().value(QLatin1StringView("jobs")).toArray().size(), 0);
        QCOMPARE(m_http.get(QStringLiteral("/jobs/1")).status, 404);

        const HttpResult accepted
            = m_http.postJson(QStringLiteral("/jobs/batch"), { { QStringLiteral("jobs"), jobs } });
        QCOMPARE(accepted.status, 202);
        const QJsonArray created = accepted.json().value(QLatin1StringView("jobs")).toArray();
        QCOMPARE(created.size(), 10000);
        QCOMPARE(obj(created[7345].toObject(), "payload").value(QLatin1StringView("i")).toInt(), 7345);
        QCOMPARE(stats().value(QLatin1StringView("submitted_total")).toInt(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(count(QStringLiteral("succeeded")), 10000, 30000);

        jobs.append(jobSpec(QStringLiteral("echo")));
        const HttpResult tooMany = m_http.postJson(QStringLiteral("/jobs/batch"), { { QStringLiteral("jobs"), jobs } });
        QCOMPARE(tooMany.status, 400);
        QVERIFY2(tooMany.errorMessage().startsWith(QStringLiteral("jobs must be an array of 1 to 10000")),
            qPrintable(tooMany.errorMessage()));
        QCOMPARE(stats().value(QLatin1StringView("submitted_total")).toInt(), 10000);
    }
};

QTEST_GUILESS_MAIN(TestIdempotency)
#include "tst_idempotency.moc"
