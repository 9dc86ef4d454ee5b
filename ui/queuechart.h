#pragma once

#include <QChartView>
#include <QTimer>

#include <deque>

class QLineSeries;
class QValueAxis;

// Queue depth and throughput over the last few minutes. Snapshots only come on change, so the
// chart samples the latest figures once a second itself; the window is bounded.
class QueueChart : public QChartView
{
    Q_OBJECT
public:
    explicit QueueChart(QWidget* parent = nullptr);

    void setLatest(double queueDepth, double jobsPerSecond);
    void addSample(qint64 msecsSinceEpoch, double queueDepth, double jobsPerSecond);
    qsizetype sampleCount() const { return qsizetype(m_samples.size()); }

    static constexpr int windowSeconds = 300;

private:
    struct Sample
    {
        qint64 time;
        double depth;
        double rate;
    };

    // GUI thread only
    std::deque<Sample> m_samples;
    double m_latestDepth = 0;
    double m_latestRate = 0;
    QTimer m_sampler;
    QLineSeries* m_depth;
    QLineSeries* m_rate;
    QValueAxis* m_timeAxis;
    QValueAxis* m_depthAxis;
    QValueAxis* m_rateAxis;
};
