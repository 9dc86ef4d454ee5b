#include "engine/conditionwait.h"
#include "engine/spinningmutex.h"

#include <QTest>

#include <thread>

// waitOn() across two threads. Under ThreadSanitizer (the tsan preset halts on the first report)
// a plain QWaitCondition::wait() here reads as a double lock and a race on `value`.
class TestConditionWait : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void wakesWithTheMutexHeld()
    {
        SpinningMutex mutex;
        QWaitCondition changed;
        int value = 0;
        bool ready = false;
        std::thread waiter([&] {
            QMutexLocker lock(&mutex);
            while (!ready)
                waitOn(changed, mutex);
            ++value;
        });
        {
            QMutexLocker lock(&mutex);
            ++value;
            ready = true;
            changed.wakeAll();
        }
        waiter.join();
        QCOMPARE(value, 2);
    }

    void timesOut()
    {
        QMutex mutex;
        QWaitCondition never;
        QMutexLocker lock(&mutex);
        QVERIFY(!waitOn(never, mutex, QDeadlineTimer(10)));
    }
};

QTEST_GUILESS_MAIN(TestConditionWait)
#include "tst_conditionwait.moc"
