#include "clockbar.h"

#include "engine.h"

#include <QDateTime>
#include <QLabel>
#include <QLayout>
#include <QMenu>
#include <QtConcurrent/QtConcurrentRun>
#include <QToolButton>

namespace {

constexpr qint64 minuteMs = 60 * 1000;

QString shownTime(qint64 msecsSinceEpoch, const QString& format = QStringLiteral("yyyy-MM-dd HH:mm:ss"))
{
    return QDateTime::fromMSecsSinceEpoch(msecsSinceEpoch).toString(format);
}

// "+1 d 2 h 5 min", the clock's lead over the real time.
QString leadText(qint64 offsetMs)
{
    const qint64 minutes = std::abs(offsetMs) / minuteMs;
    QStringList parts;
    if (minutes >= 24 * 60)
        parts.append(QStringLiteral("%1 d").arg(minutes / (24 * 60)));
    if (minutes % (24 * 60) >= 60)
        parts.append(QStringLiteral("%1 h").arg(minutes % (24 * 60) / 60));
    if (minutes % 60 > 0 || parts.isEmpty())
        parts.append(QStringLiteral("%1 min").arg(minutes % 60));
    return (offsetMs < 0 ? QStringLiteral("-") : QStringLiteral("+")) + parts.join(QLatin1Char(' '));
}

} // namespace

ClockBar::ClockBar(Engine* engine, QThreadPool* pool, QWidget* parent)
    : QToolBar(tr("Clock"), parent)
    , m_engine(engine)
    , m_pool(pool)
    , m_virtual(new QAction(tr("Virtual clock"), this))
    , m_minute(new QAction(tr("+1 min"), this))
    , m_hour(new QAction(tr("+1 h"), this))
    , m_day(new QAction(tr("+1 day"), this))
    , m_nextDue(new QAction(tr("Next due"), this))
    , m_time(new QLabel(this))
    , m_advance(new QToolButton(this))
{
    setObjectName(QStringLiteral("clockToolBar"));
    setMovable(false);
    setFloatable(false);
    // As compact as the tab bar it sits beside: the window keeps its 1024x640 minimum.
    layout()->setContentsMargins(0, 0, 0, 0);
    setStyleSheet(QStringLiteral("QToolBar { border: none; padding: 0px; spacing: 2px; }"));

    m_virtual->setCheckable(true);
    m_virtual->setToolTip(tr("Stop QueueLab's clock where it is, and move it on by hand: delays, retries, timeouts, "
                             "leases and sleep jobs follow it. Off: it runs again from the time reached."));
    connect(m_virtual, &QAction::toggled, this, &ClockBar::setVirtual);
    addAction(m_virtual);

    m_time->setObjectName(QStringLiteral("clockTime"));
    m_time->setAccessibleName(tr("Clock time and real time"));
    m_time->setContentsMargins(8, 0, 8, 0);
    m_time->setTextInteractionFlags(Qt::TextSelectableByMouse);
    addWidget(m_time);

    const struct
    {
        QAction* action;
        qint64 ms;
        QString tip;
    } steps[] = {
        { m_minute, minuteMs, tr("Advance the virtual clock by a minute") },
        { m_hour, 60 * minuteMs, tr("Advance the virtual clock by an hour") },
        { m_day, 24 * 60 * minuteMs, tr("Advance the virtual clock by a day") },
        { m_nextDue, 0, tr("Advance the virtual clock to the next scheduled job, lease expiry or deadline") },
    };
    auto* menu = new QMenu(this);
    for (const auto& step : steps) {
        step.action->setToolTip(step.tip);
        connect(step.action, &QAction::triggered, this, [this, ms = step.ms] { advance(ms); });
        menu->addAction(step.action);
    }
    menu->setToolTipsVisible(true);
    m_advance->setText(tr("Advance"));
    m_advance->setMenu(menu);
    m_advance->setPopupMode(QToolButton::InstantPopup);
    m_advance->setAutoRaise(true);
    m_advance->setAccessibleName(tr("Advance the virtual clock"));
    m_advance->setToolTip(tr("Advance the virtual clock by a minute, an hour, a day, or to the next due job"));
    addWidget(m_advance);

    connect(m_engine, &Engine::clockChanged, this, &ClockBar::refresh);
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &ClockBar::refresh);
    m_tick.start();
    refresh();
}

QString ClockBar::timeText() const
{
    return m_time->text();
}

void ClockBar::setVirtual(bool isVirtual)
{
    if (m_engine->clockState().isVirtual == isVirtual)
        return;
    QtConcurrent::run(m_pool, [engine = m_engine, isVirtual] {
        return engine->setVirtualClock(isVirtual);
    }).then(this, [this](const EngineClock::State&) { refresh(); });
}

void ClockBar::advance(qint64 ms)
{
    QtConcurrent::run(m_pool, [engine = m_engine, ms] {
        return ms > 0 ? engine->advanceClock(ms) : engine->advanceClockToNextDue();
    }).then(this, [this](const EngineResult<EngineClock::State>& result) {
        if (const auto* error = std::get_if<EngineError>(&result))
            Q_EMIT message(error->message);
        refresh();
    });
}

void ClockBar::refresh()
{
    const EngineClock::State state = m_engine->clockState();
    {
        const QSignalBlocker blocker(m_virtual);
        m_virtual->setChecked(state.isVirtual);
    }
    for (QAction* step : { m_minute, m_hour, m_day, m_nextDue })
        step->setEnabled(state.isVirtual);
    m_advance->setEnabled(state.isVirtual);
    const QString day = QStringLiteral("MM-dd HH:mm:ss");
    QString text = state.isVirtual ? tr("Virtual %1").arg(shownTime(state.now, day))
                                   : tr("Clock %1").arg(shownTime(state.now, day));
    if (state.isVirtual || state.offsetMs / minuteMs != 0)
        text += QStringLiteral(" (%1)").arg(leadText(state.offsetMs));
    text += tr(" · real %1").arg(shownTime(state.realNow, QStringLiteral("HH:mm:ss")));
    m_time->setText(text);
    m_time->setToolTip(
        tr("QueueLab's clock: %1\nThe real time: %2").arg(shownTime(state.now), shownTime(state.realNow)));
}
