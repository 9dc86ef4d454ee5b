// The window's clock controls, offscreen, against a real engine.
#include "clockbar.h"
#include "enginetesting.h"

#include <QAction>
#include <QSignalSpy>
#include <QThreadPool>

class TestClockBar : public QObject
{
    Q_OBJECT
private:
    static constexpr qint64 hour = 3600 * 1000;

private Q_SLOTS:
    void theToggleFreezesTheClockAndTheButtonsAdvanceIt()
    {
        auto engine = startedEngine();
        QThreadPool pool;
        ClockBar bar(engine.get(), &pool);
        QVERIFY(!bar.virtualAction()->isChecked());
        QVERIFY(!bar.advanceHourAction()->isEnabled()); // a real clock is not advanced
        QVERIFY(bar.timeText().startsWith(QStringLiteral("Clock ")));
        QVERIFY(bar.timeText().contains(QStringLiteral("real ")));

        bar.virtualAction()->trigger();
        QTRY_VERIFY(engine->clockState().isVirtual);
        QTRY_VERIFY(bar.advanceHourAction()->isEnabled());
        QTRY_VERIFY(bar.timeText().startsWith(QStringLiteral("Virtual ")));
        const qint64 frozen = engine->clockState().now;

        bar.advanceHourAction()->trigger();
        QTRY_COMPARE(engine->clockState().now, frozen + hour);
        bar.advanceDayAction()->trigger();
        QTRY_COMPARE(engine->clockState().now, frozen + 25 * hour);
        bar.advanceMinuteAction()->trigger();
        QTRY_COMPARE(engine->clockState().now, frozen + 25 * hour + 60000);
        QTRY_VERIFY(bar.timeText().contains(QStringLiteral("(+1 d 1 h"))); // ahead of the real time

        bar.virtualAction()->trigger();
        QTRY_VERIFY(!engine->clockState().isVirtual);
        QVERIFY(engine->clockState().now >= frozen + 25 * hour + 60000); // it goes on from there
        QTRY_VERIFY(!bar.nextDueAction()->isEnabled());
    }

    void nextDueRunsTheScheduledJobAndSaysWhenNothingIsDue()
    {
        EngineConfig config;
        config.virtualClock = true;
        auto engine = startedEngine(config);
        QThreadPool pool;
        ClockBar bar(engine.get(), &pool);
        QVERIFY(bar.virtualAction()->isChecked());
        JobSpec delayed = spec(QStringLiteral("echo"));
        delayed.delayMs = 3 * hour;
        const Job job = submitOne(*engine, delayed);
        QCOMPARE(statusOf(*engine, job.id), JobStatus::Scheduled);

        QSignalSpy messages(&bar, &ClockBar::message);
        bar.nextDueAction()->trigger();
        QTRY_COMPARE(statusOf(*engine, job.id), JobStatus::Succeeded);
        QCOMPARE(engine->job(job.id)->startedAt, job.createdAt + 3 * hour);
        bar.nextDueAction()->trigger();
        QTRY_COMPARE(messages.size(), 1);
        QVERIFY(messages.first().first().toString().startsWith(QStringLiteral("nothing is due")));
    }
};

QTEST_MAIN(TestClockBar)
#include "tst_clockbar.moc"
