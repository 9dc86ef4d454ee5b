#include "jobspec.h"

#include <QJsonDocument>
#include <QTest>

// Submission validation: one row per accepted or rejected field, asserting the field named.
class TestJobSpec : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void validation_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("errorField"); // empty: accepted

        QTest::newRow("minimal") << QByteArray(R"({"type":"echo"})") << QString();
        QTest::newRow("all fields") << QByteArray(R"({"type":"echo","payload":{"a":[1]},"queue":"mail.v2_x-y",
            "priority":-5,"delay_ms":10,"timeout_ms":0,"max_attempts":3,"idempotency_key":"k"})")
                                    << QString();
        QTest::newRow("nulls mean defaults")
            << QByteArray(R"({"type":"echo","queue":null,"timeout_ms":null})") << QString();
        QTest::newRow("missing type") << QByteArray(R"({"payload":1})") << QStringLiteral("type");
        QTest::newRow("type not a string") << QByteArray(R"({"type":5})") << QStringLiteral("type");
        QTest::newRow("empty type") << QByteArray(R"({"type":""})") << QStringLiteral("type");
        QTest::newRow("unknown field") << QByteArray(R"({"type":"echo","dealy_ms":5})") << QStringLiteral("dealy_ms");
        QTest::newRow("queue with space") << QByteArray(R"({"type":"echo","queue":"a b"})") << QStringLiteral("queue");
        QTest::newRow("queue too long") << (QByteArray(R"({"type":"echo","queue":")") + QByteArray(65, 'q') + "\"}")
                                        << QStringLiteral("queue");
        QTest::newRow("queue 64 chars") << (QByteArray(R"({"type":"echo","queue":")") + QByteArray(64, 'q') + "\"}")
                                        << QString();
        QTest::newRow("fractional priority")
            << QByteArray(R"({"type":"echo","priority":1.5})") << QStringLiteral("priority");
        QTest::newRow("negative delay") << QByteArray(R"({"type":"echo","delay_ms":-1})") << QStringLiteral("delay_ms");
        QTest::newRow("huge timeout") << QByteArray(R"({"type":"echo","timeout_ms":1e300})")
                                      << QStringLiteral("timeout_ms");
        QTest::newRow("zero attempts") << QByteArray(R"({"type":"echo","max_attempts":0})")
                                       << QStringLiteral("max_attempts");
        QTest::newRow("attempts as string")
            << QByteArray(R"({"type":"echo","max_attempts":"2"})") << QStringLiteral("max_attempts");
        QTest::newRow("key too long") << (QByteArray(R"({"type":"echo","idempotency_key":")") + QByteArray(257, 'k')
            + "\"}") << QStringLiteral("idempotency_key");
    }

    void validation()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, errorField);
        const SpecResult result = parseJobSpec(QJsonDocument::fromJson(json).object());
        if (errorField.isEmpty()) {
            const auto* error = std::get_if<SpecError>(&result);
            QVERIFY2(!error, error ? qPrintable(error->field + QLatin1Char(' ') + error->message) : "");
        } else {
            QVERIFY(std::holds_alternative<SpecError>(result));
            QCOMPARE(std::get<SpecError>(result).field, errorField);
            QVERIFY(!std::get<SpecError>(result).message.isEmpty());
        }
    }

    void defaults()
    {
        const auto spec
            = std::get<JobSpec>(parseJobSpec(QJsonObject { { QStringLiteral("type"), QStringLiteral("x") } }));
        QCOMPARE(spec.queue, QStringLiteral("default"));
        QCOMPARE(spec.priority, 0);
        QCOMPARE(spec.maxAttempts, 1);
        QCOMPARE(spec.timeoutMs, -1);
        QVERIFY(spec.payload.isNull());
    }

    void batchPrefixNamesTheIndex()
    {
        const auto result = parseJobSpec(QJsonObject {}, QStringLiteral("jobs[7]."));
        QCOMPARE(std::get<SpecError>(result).field, QStringLiteral("jobs[7].type"));
    }
};

QTEST_GUILESS_MAIN(TestJobSpec)
#include "tst_jobspec.moc"
