#include "curlcommand.h"
#include "deliverysettingsdialog.h"
#include "enginetesting.h"
#include "jobdetails.h"
#include "sink/sinkstore.h"
#include "sinkpanel.h"
#include "submitpanel.h"

#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTest>
#include <QThreadPool>
#include <QTreeWidget>

#include <algorithm>

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
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
    } // the submit form's QSettings go to a throwaway place

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

    void timelineShowsTheCallbackAndLinksToItsJob()
    {
        Job job;
        job.id = 41;
        job.type = u"echo"_s;
        job.status = JobStatus::Running;
        job.callbackUrl = u"http://127.0.0.1:8080/sink/done"_s;
        JobDetails details;
        details.setJob(job);
        QCOMPARE(details.timelineValue(u"Callback to"_s), job.callbackUrl);
        QCOMPARE(details.timelineValue(u"Callback job"_s), u"queued once the job finishes"_s);

        job.status = JobStatus::Succeeded;
        job.callbackJobId = 42;
        details.setJob(job);
        QVERIFY2(details.timelineValue(u"Callback job"_s).contains(u"job 42"_s),
            qPrintable(details.timelineValue(u"Callback job"_s)));
        QSignalSpy opened(&details, &JobDetails::jobLinkActivated);
        QLabel* link = nullptr;
        for (QLabel* label : details.findChildren<QLabel*>()) {
            if (label->text().contains(u"job:42"_s))
                link = label;
        }
        QVERIFY(link);
        Q_EMIT link->linkActivated(u"job:42"_s); // what a click on the link emits
        QCOMPARE(opened.size(), 1);
        QCOMPARE(opened.at(0).at(0).value<JobId>(), JobId(42));

        // The callback job names the job it reports on; a markup-like queue name stays text.
        Job callback;
        callback.id = 42;
        callback.type = u"http"_s;
        callback.queue = u"<b>callbacks</b>"_s;
        callback.callbackFor = 41;
        details.setJob(callback);
        QVERIFY(details.timelineValue(u"Callback for"_s).contains(u"job 41"_s));
        QCOMPARE(details.timelineValue(u"Queue"_s), u"<b>callbacks</b>"_s);
        QVERIFY(details.timelineValue(u"Callback job"_s).isEmpty());
    }

    void submitFormSetsTheCallbackUrl()
    {
        auto engine = startedEngine();
        QThreadPool pool;
        SubmitPanel panel(engine.get(), &pool);
        panel.typeBox()->setCurrentText(u"echo"_s);
        panel.queueEdit()->setText(u"default"_s);
        panel.callbackEdit()->setText(u"ftp://127.0.0.1/x"_s);
        QVERIFY2(panel.validationError().startsWith(u"callback_url"_s), qPrintable(panel.validationError()));
        QVERIFY(!panel.submitButton()->isEnabled());
        panel.callbackEdit()->setText(u"http://127.0.0.1:9/sink/done"_s);
        QVERIFY2(panel.validationError().isEmpty(), qPrintable(panel.validationError()));
        QCOMPARE(panel.specObject().value("callback_url"_L1).toString(), u"http://127.0.0.1:9/sink/done"_s);
        QVERIFY(std::holds_alternative<QueueInfo>(engine->setQueuePaused(u"default"_s, true)));
        panel.submit();
        QTRY_VERIFY(panel.resultLabel()->text().startsWith(u"Submitted job"_s));
        QCOMPARE(engine->job(engine->lastJobId())->callbackUrl, u"http://127.0.0.1:9/sink/done"_s);
        panel.callbackEdit()->clear();
        QVERIFY(!panel.specObject().contains("callback_url"_L1));
    }

    void deliverySettingsTakeEffectInTheEngine()
    {
        auto engine = startedEngine();
        QVERIFY(std::holds_alternative<QueueInfo>(engine->setQueuePaused(u"held"_s, true)));
        JobSpec far = spec(u"echo"_s);
        far.queue = u"held"_s;
        far.callbackUrl = u"http://192.0.2.10:8080/hook"_s;
        QVERIFY(std::holds_alternative<EngineError>(engine->submit({ far })));

        DeliverySettingsDialog dialog(engine.get());
        QVERIFY(dialog.targetsEdit()->toPlainText().isEmpty());
        QVERIFY(dialog.secretEdit()->text().isEmpty());
        dialog.targetsEdit()->setPlainText(u"192.0.2.10:8080\nhooks.example.test"_s);
        dialog.secretEdit()->setText(u"not a secret"_s);
        QVERIFY(!dialog.apply());
        QVERIFY(dialog.errorLabel()->isVisibleTo(&dialog));
        QVERIFY(dialog.errorLabel()->text().contains(u"whsec_"_s));
        QVERIFY(engine->allowedHttpTargets().isEmpty()); // nothing applied
        QVERIFY(engine->webhookSecret().isEmpty());

        // Generate makes a secret the engine takes.
        const auto buttons = dialog.findChildren<QPushButton*>();
        const auto generate = std::find_if(buttons.cbegin(), buttons.cend(),
            [](const QPushButton* button) { return button->text().remove(u'&') == u"Generate"_s; });
        QVERIFY(generate != buttons.cend());
        (*generate)->click();
        QVERIFY(dialog.secretEdit()->text().startsWith(u"whsec_"_s));
        QVERIFY(dialog.apply());
        QVERIFY(!dialog.errorLabel()->isVisibleTo(&dialog));
        QCOMPARE(engine->allowedHttpTargets(), (QStringList { u"192.0.2.10:8080"_s, u"hooks.example.test"_s }));
        QCOMPARE(engine->webhookSecret(), dialog.secretEdit()->text());
        QVERIFY(std::holds_alternative<QList<Job>>(engine->submit({ far })));

        // Reopened, the dialog shows what the engine holds; a bad target is refused whole.
        DeliverySettingsDialog again(engine.get());
        QCOMPARE(again.targetsEdit()->toPlainText(), u"192.0.2.10:8080\nhooks.example.test"_s);
        again.targetsEdit()->setPlainText(u"a/b"_s);
        QVERIFY(!again.apply());
        QCOMPARE(engine->allowedHttpTargets(), (QStringList { u"192.0.2.10:8080"_s, u"hooks.example.test"_s }));

        // The Sink tab opens it.
        SinkStore store(engine->deliverySettings());
        SinkPanel panel(&store, engine.get());
        panel.openDeliverySettings();
        QVERIFY(panel.findChild<DeliverySettingsDialog*>());
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
