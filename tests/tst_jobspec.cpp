#include "jobspec.h"
#include "wire/jobspecscanner.h"

#include <QJsonArray>
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
        // What would not be stored as sent is refused, wherever it is.
        QTest::newRow("lone high surrogate")
            << QByteArray(R"({"type":"echo","payload":{"s":"a\ud800b"}})") << QStringLiteral("payload.s");
        QTest::newRow("lone low surrogate")
            << QByteArray(R"({"type":"echo","payload":["ok","\udc00"]})") << QStringLiteral("payload[1]");
        QTest::newRow("surrogate pair") << QByteArray(R"({"type":"echo","payload":{"s":"\ud83d\ude00"}})") << QString();
        QTest::newRow("lone surrogate in a key")
            << QByteArray(R"({"type":"echo","payload":{"a":{"\udbff":1}}})") << QStringLiteral("payload.a");
        QTest::newRow("lone surrogate in idempotency_key")
            << QByteArray(R"({"type":"echo","idempotency_key":"k\ud800"})") << QStringLiteral("idempotency_key");
        QTest::newRow("integer beyond 2^53 kept")
            << QByteArray(R"({"type":"echo","payload":{"n":9007199254740993}})") << QString();
        QTest::newRow("largest int64") << QByteArray(R"({"type":"echo","payload":[-9223372036854775807]})")
                                       << QString();
        QTest::newRow("integer beyond 2^64") << QByteArray(R"({"type":"echo","payload":{"n":[18446744073709551617]}})")
                                             << QStringLiteral("payload.n[0]");
        QTest::newRow("fraction") << QByteArray(R"({"type":"echo","payload":{"x":0.1}})") << QString();
        // Where a callback_url may go is the engine's to say (403); its form is checked here.
        QTest::newRow("callback url") << QByteArray(
            "{\"type\":\"echo\",\"callback_url\":\"http://127.0.0.1:8080/sink/a\"}")
                                      << QString();
        QTest::newRow("https callback to any host")
            << QByteArray("{\"type\":\"echo\",\"callback_url\":\"https://hooks.example.test/x?y=1\"}") << QString();
        QTest::newRow("callback url null") << QByteArray(R"({"type":"echo","callback_url":null})") << QString();
        QTest::newRow("callback not http") << QByteArray("{\"type\":\"echo\",\"callback_url\":\"ftp://127.0.0.1/x\"}")
                                           << QStringLiteral("callback_url");
        QTest::newRow("callback relative")
            << QByteArray(R"({"type":"echo","callback_url":"/sink/a"})") << QStringLiteral("callback_url");
        QTest::newRow("callback with user info")
            << QByteArray("{\"type\":\"echo\",\"callback_url\":\"http://me:pw@127.0.0.1/\"}")
            << QStringLiteral("callback_url");
        QTest::newRow("callback not a string")
            << QByteArray(R"({"type":"echo","callback_url":1})") << QStringLiteral("callback_url");
        QTest::newRow("callback empty") << QByteArray(R"({"type":"echo","callback_url":""})")
                                        << QStringLiteral("callback_url");
        QTest::newRow("callback too long")
            << (QByteArray("{\"type\":\"echo\",\"callback_url\":\"http://127.0.0.1/") + QByteArray(2048, 'a') + "\"}")
            << QStringLiteral("callback_url");
    }

    void validation()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, errorField);
        const SpecResult result = parseJobSpec(QJsonDocument::fromJson(json).object());
        // POST /jobs reads these without the JSON parser where it can: it must answer alike
        if (const std::optional<SpecResult> scanned = scanJobSpec(json))
            QVERIFY(*scanned == result);
        if (errorField.isEmpty()) {
            const auto* error = std::get_if<SpecError>(&result);
            QVERIFY2(!error, error ? qPrintable(error->field + QLatin1Char(' ') + error->message) : "");
        } else {
            QVERIFY(std::holds_alternative<SpecError>(result));
            QCOMPARE(std::get<SpecError>(result).field, errorField);
            QVERIFY(!std::get<SpecError>(result).message.isEmpty());
        }
    }

    // The shapes clients send are read without building a JSON tree; every other body is left
    // to the parser, which words the error. Either way the answer is the parser's.
    void scanner_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<bool>("scanned");

        QTest::newRow("minimal") << QByteArray(R"({"type":"echo"})") << true;
        QTest::newRow("benchmark body") << QByteArray(R"({"type":"echo","payload":{"n":1}})") << true;
        QTest::newRow("all fields, spaced")
            << QByteArray(" {\"type\" : \"echo\",\n\t\"payload\":[1,{\"a\":\"}\\\"]\"}],"
                          "\"queue\":\"q\",\"priority\":-5,\"delay_ms\":0,\"timeout_ms\":10,"
                          "\"max_attempts\":3,\"idempotency_key\":\"k 1\"}\r\n")
            << true;
        QTest::newRow("nulls") << QByteArray(R"({"type":"echo","payload":null,"queue":null,"priority":null})") << true;
        QTest::newRow("empty object") << QByteArray("{}") << true;
        QTest::newRow("callback url") << QByteArray("{\"type\":\"echo\",\"callback_url\":\"http://127.0.0.1:1/a?b=c\"}")
                                      << true;
        QTest::newRow("out of range") << QByteArray(R"({"type":"echo","max_attempts":0})") << true;
        QTest::newRow("wrong type") << QByteArray(R"({"type":5})") << true;
        QTest::newRow("15 digits") << QByteArray(R"({"type":"e","delay_ms":999999999999999})") << true;

        QTest::newRow("16 digits") << QByteArray(R"({"type":"e","delay_ms":1000000000000000})") << false;
        QTest::newRow("fraction") << QByteArray(R"({"type":"echo","priority":1.0})") << false;
        QTest::newRow("exponent") << QByteArray(R"({"type":"echo","priority":1e2})") << false;
        QTest::newRow("leading zero") << QByteArray(R"({"type":"echo","priority":01})") << false;
        QTest::newRow("escape") << QByteArray(R"({"type":"ec\u0068o"})") << false;
        QTest::newRow("non-ASCII") << QByteArray("{\"type\":\"\xc3\xa9\"}") << false;
        QTest::newRow("control character") << QByteArray("{\"type\":\"a\tb\"}") << false;
        QTest::newRow("boolean") << QByteArray(R"({"type":true})") << false;
        QTest::newRow("scalar payload") << QByteArray(R"({"type":"echo","payload":5})") << false;
        QTest::newRow("unknown field") << QByteArray(R"({"type":"echo","dealy_ms":5})") << false;
        QTest::newRow("repeated field") << QByteArray(R"({"type":"a","type":"b"})") << false;
        QTest::newRow("malformed payload") << QByteArray(R"({"type":"echo","payload":{"n":}})") << false;
        QTest::newRow("mismatched payload") << QByteArray(R"({"type":"echo","payload":{"n":1]})") << false;
        QTest::newRow("cut short after a brace in a string")
            << QByteArray("{\"type\":\"echo\",\"payload\":{\"n\":\"}\"}") << false;
        QTest::newRow("deep payload") << (QByteArray(R"({"type":"e","payload":)") + QByteArray(65, '[')
            + QByteArray(65, ']') + '}')
                                      << false;
        QTest::newRow("trailing comma") << QByteArray(R"({"type":"echo",})") << false;
        QTest::newRow("garbage after") << QByteArray(R"({"type":"echo"}x)") << false;
        QTest::newRow("byte order mark") << QByteArray("\xef\xbb\xbf{\"type\":\"echo\"}") << false;
        QTest::newRow("array body") << QByteArray(R"([{"type":"echo"}])") << false;
        QTest::newRow("empty body") << QByteArray() << false;
        QTest::newRow("cut short") << QByteArray(R"({"type":"echo")") << false;
    }

    void scanner()
    {
        QFETCH(QByteArray, json);
        QFETCH(bool, scanned);
        const std::optional<SpecResult> result = scanJobSpec(json);
        QCOMPARE(result.has_value(), scanned);
        if (result) {
            const QJsonDocument document = QJsonDocument::fromJson(json);
            QVERIFY(document.isObject());
            QVERIFY(*result == parseJobSpec(document.object()));
        }
    }

    void scannedPayloadIsTheParsedOne()
    {
        const QByteArray json = "{\"type\":\"echo\",\"payload\":{\"b\":[true,null,\"x\\\"y\",-1.5e3],\"a\":{}}}";
        const auto spec = std::get<JobSpec>(*scanJobSpec(json));
        QCOMPARE(spec.payload, QJsonDocument::fromJson(json).object().value(QLatin1StringView("payload")));
        QCOMPARE(
            spec.payload.toObject().value(QLatin1StringView("b")).toArray().at(2).toString(), QStringLiteral("x\"y"));
    }

    void integersBeyond2To53AreKeptExactly()
    {
        const QByteArray json = R"({"type":"echo","payload":{"n":9007199254740993,"m":-9223372036854775807}})";
        for (const JobSpec& spec : { std::get<JobSpec>(*scanJobSpec(json)),
                 std::get<JobSpec>(parseJobSpec(QJsonDocument::fromJson(json).object())) }) {
            QCOMPARE(spec.payload[QLatin1StringView("n")].toInteger(), 9007199254740993LL);
            QCOMPARE(spec.payload[QLatin1StringView("m")].toInteger(), -9223372036854775807LL);
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
