#include "queuechart.h"

#include "jobstatusstyle.h"

#include <QChart>
#include <QDateTime>
#include <QLineSeries>
#include <QValueAxis>

#include <cmath>

namespace {

// 1, 2, 5, 10, 20, 50, ...: an axis maximum that reads well and does not jitter every second.
double niceCeiling(double value)
{
    if (value <= 5)
        return 5;
    const double magnitude = std::pow(10.0, std::floor(std::log10(value)));
    for (double step : { 1.0, 2.0, 5.0, 10.0 }) {
        if (value <= step * magnitude)
            return step * magnitude;
    }
    return 10 * magnitude;
}

QValueAxis* makeAxis(const QString& title, const QColor& color)
{
    auto* axis = new QValueAxis;
    axis->setTitleText(title);
    axis->setLabelFormat(QStringLiteral("%d"));
    axis->setLabelsColor(color);
    axis->setTitleBrush(color);
    axis->setTickCount(6);
    return axis;
}

} // namespace

QueueChart::QueueChart(QWidget* parent)
    // With the chart passed in: QChartView(parent) would make a default chart that setChart() leaks.
    : QChartView(new QChart, parent)
    , m_depth(new QLineSeries)
    , m_rate(new QLineSeries)
    , m_timeAxis(new QValueAxis)
    , m_depthAxis(makeAxis(tr("queued"), JobStatusStyle::color(JobStatus::Queued)))
    , m_rateAxis(makeAxis(tr("jobs/s"), JobStatusStyle::color(JobStatus::Succeeded)))
{
    setAccessibleName(tr("Queue depth and throughput over time"));
    QChart* chart = this->chart();
    chart->legend()->setAlignment(Qt::AlignTop);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->setBackgroundRoundness(0);

    m_depth->setName(tr("Queue depth"));
    m_depth->setPen(QPen(JobStatusStyle::color(JobStatus::Queued), 2));
    m_rate->setName(tr("Finished per second (over 5 s)"));
    m_rate->setPen(QPen(JobStatusStyle::color(JobStatus::Succeeded), 2));
    chart->addSeries(m_depth);
    chart->addSeries(m_rate);

    m_timeAxis->setRange(-60, 0);
    m_timeAxis->setLabelFormat(QStringLiteral("%d s"));
    m_timeAxis->setTickCount(7);
    chart->addAxis(m_timeAxis, Qt::AlignBottom);
    chart->addAxis(m_depthAxis, Qt::AlignLeft);
    chart->addAxis(m_rateAxis, Qt::AlignRight);
    m_depth->attachAxis(m_timeAxis);
    m_depth->attachAxis(m_depthAxis);
    m_rate->attachAxis(m_timeAxis);
    m_rate->attachAxis(m_rateAxis);
    m_depthAxis->setRange(0, 5);
    m_rateAxis->setRange(0, 5);

    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);

    m_sampler.setInterval(1000);
    connect(&m_sampler, &QTimer::timeout, this,
        [this] { addSample(QDateTime::currentMSecsSinceEpoch(), m_latestDepth, m_latestRate); });
    m_sampler.start();
}

void QueueChart::setLatest(double queueDepth, double jobsPerSecond)
{
    m_latestDepth = queueDepth;
    m_latestRate = jobsPerSecond;
}

void QueueChart::addSample(qint64 msecsSinceEpoch, double queueDepth, double jobsPerSecond)
{
    m_samples.push_back({ msecsSinceEpoch, queueDepth, jobsPerSecond });
    while (m_samples.size() > 1 && m_samples.front().time < msecsSinceEpoch - qint64(windowSeconds) * 1000)
        m_samples.pop_front();

    // x is "seconds ago", so the newest sample sits at the right edge without moving the axis.
    QList<QPointF> depth;
    QList<QPointF> rate;
    depth.reserve(m_samples.size());
    rate.reserve(m_samples.size());
    double maxDepth = 0;
    double maxRate = 0;
    for (const Sample& sample : m_samples) {
        const double x = double(sample.time - msecsSinceEpoch) / 1000.0;
        depth.append({ x, sample.depth });
        rate.append({ x, sample.rate });
        maxDepth = std::max(maxDepth, sample.depth);
        maxRate = std::max(maxRate, sample.rate);
    }
    m_depth->replace(depth);
    m_rate->replace(rate);
    // The window grows by whole minutes up to its maximum, so a fresh chart is not mostly empty.
    const qint64 age = (msecsSinceEpoch - m_samples.front().time) / 1000;
    const int span = int(std::min<qint64>(windowSeconds, (age / 60 + 1) * 60));
    const int step = span <= 60 ? 10 : span <= 180 ? 30 : 60;
    m_timeAxis->setRange(-span, 0);
    m_timeAxis->setTickCount(span / step + 1);
    m_depthAxis->setRange(0, niceCeiling(maxDepth));
    m_rateAxis->setRange(0, niceCeiling(maxRate));
}
