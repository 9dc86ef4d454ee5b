#include "curlcommand.h"
#include "jobdetails.h"
#include "sink/sinkstore.h"
#include "sinkpanel.h"

#include <QApplication>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QTableWidget>
#include <QTest>
#include <QTreeWidget>

using namespace Qt::StringLiterals;

// The dashboard's views of push delivery, offscreen: the Sink tab, and an http job's attempts.
class TestPushViews : public QObject
{
    Q_OBJECT
private:
    static QJsonObject delivery(int status)
    {
        return {
            { u"request"_s,
                QJsonObject { { u"method"_s, u"POST"_s }, { u"url"_s, u"http://127.0.0.1:9/hook"_s },
                    { u"headers"_s,
                        QJsonObject {
                            { u"X-QueueLab-Attempt"_s, u"1"_s }, { u"Content-Type"_s, u"application/json"_s } } },
                    { u"body"_s, u"{\"it's\":1}"_s }, { u"body_bytes"_s, 10 } } },
            { u"response"_s,
                QJsonObject { { u"status"_s, status }, { u"reason"_s, u"Service Unavailable"_s },
                    { u"headers"_s, QJsonObject { { u"Retry-After"_s, u"1"_s } } }, { u"body"_s, u"busy"_s },
                    { u"body_bytes"_s, 4 } } },
            { u"time_to_first_byte_ms"_s, 3 },
            { u"total_ms"_s, 4 },
        };
    }

private Q_SLOTS:
    void sinkTabShowsWhatArrived()
    {
        SinkStore store(WebhookSignature(u"whsec_"_s + QString::fromLatin1(QByteArray("k").toBase64())));
        SinkPanel panel(&store);
        panel.poll();
        QCOMPARE(panel.sinkList()->count(), 0);

        SinkRequest request;
        request.method = "POST";
        request.target = u"/sink/demo?x=1"_s;
        request.headers = { { "Content-Type", "application/json" }, { "X-QueueLab-Job-Id", "7" } };
        request.body = "{\"order\":42}";
        QVERIFY(store.record(u"demo"_s, request));
        panel.poll();
        QCOMPARE(panel.sinkList()->count(), 1);
        QVERIFY(panel.sinkList()->currentItem()->text().startsWith(u"demo"_s));
        QCOMPARE(panel.requestTable()->rowCount(), 1);
        QCOMPARE(panel.requestTable()->item(0, 1)->text(), u"POST"_s);
        QCOMPARE(panel.requestTable()->item(0, 2)->text(), u"/sink/demo?x=1"_s);
        QCOMPARE(panel.requestTable()->item(0, 3)->text(), u"200"_s);
        QVERIFY(panel.requestTable()->item(0, 4)->text().contains(u"unsigned"_s));
        QVERIFY(panel.detail()->toPlainText().contains(u"X-QueueLab-Job-Id: 7"_s));
        QVERIFY(panel.detail()->toPlainText().contains(u"{\"order\":42}"_s));

        // A second request shows up on top, and the view follows the store, not its own copy.
        request.method = "PUT";
        QVERIFY(store.record(u"demo"_s, request));
        panel.poll();
        QCOMPARE(panel.requestTable()->rowCount(), 2);
        QCOMPARE(panel.requestTable()->item(0, 1)->text(), u"PUT"_s);
        QVERIFY(store.remove(u"demo"_s));
        panel.poll();
        QCOMPARE(panel.sinkList()->count(), 0);
        QCOMPARE(panel.requestTable()->rowCount(), 0);
    }

    void attemptsShowRequestAndAnswerSideBySide()
    {
        Job job;
        job.id = 5;
        job.type = u"http"_s;
        job.status = JobStatus::Failed;
        JobAttempt first { 1, 1000, 1004, JobError { u"http_status"_s, u"answered 503 Service Unavailable"_s } };
        first.delivery = delivery(503);
        JobAttempt echo { 2, 2000, 2001, std::nullopt }; // no delivery: the tab hides
        job.history = { first, echo };
        JobDetails details;
        details.setJob(job);
        QVERIFY(details.deliveryRequestText().isEmpty());
        details.attemptsView()->setCurrentItem(details.attemptsView()->topLevelItem(0));
        QVERIFY(details.deliveryRequestText().startsWith(u"POST http://127.0.0.1:9/hook"_s));
        QVERIFY(details.deliveryRequestText().contains(u"X-QueueLab-Attempt: 1"_s));
        QVERIFY(details.deliveryAnswerText().startsWith(u"503 Service Unavailable"_s));
        QVERIFY(details.deliveryAnswerText().contains(u"Retry-After: 1"_s));
        QVERIFY(details.deliveryAnswerText().endsWith(u"busy"_s));
        QCOMPARE(details.deliveryCurl(), deliveryCurlCommand(first.delivery));
    }

    void copyAsCurlReproducesTheDelivery()
    {
        const QString command = deliveryCurlCommand(delivery(200));
        QCOMPARE(command,
            u"curl -X 'POST' 'http://127.0.0.1:9/hook' -H 'Content-Type: application/json' -H 'X-QueueLab-Attempt: 1' "
            "--data-binary '{\"it'\\''s\":1}'"_s);
        QVERIFY(deliveryCurlCommand({}).isEmpty());
    }
};

QTEST_MAIN(TestPushViews)
#include "tst_pushviews.moc"
