#pragma once

#include <QTimer>
#include <QToolBar>

class Engine;
class QLabel;
class QThreadPool;
class QToolButton;

// The engine's clock in the window: a switch between real and virtual time, the clock's time
// beside the real one, and the advances of a virtual clock (+1 min, +1 h, +1 day, to the next
// due job). Switches and advances run on the window's pool: what became due is queued by them.
class ClockBar : public QToolBar
{
    Q_OBJECT
public:
    ClockBar(Engine* engine, QThreadPool* pool, QWidget* parent = nullptr);

    QAction* virtualAction() const { return m_virtual; }
    QAction* advanceMinuteAction() const { return m_minute; }
    QAction* advanceHourAction() const { return m_hour; }
    QAction* advanceDayAction() const { return m_day; }
    QAction* nextDueAction() const { return m_nextDue; }
    QString timeText() const;

Q_SIGNALS:
    void message(const QString& text);

private:
    void setVirtual(bool isVirtual);
    void advance(qint64 ms); // 0: to the next due job
    void refresh();

    Engine* const m_engine;
    QThreadPool* const m_pool;
    QAction* m_virtual;
    QAction* m_minute;
    QAction* m_hour;
    QAction* m_day;
    QAction* m_nextDue;
    QLabel* m_time;
    QToolButton* m_advance; // its menu holds the four steps
    QTimer m_tick; // the real time moves on, and so does a real clock
};
