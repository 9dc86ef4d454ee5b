#pragma once

#include "engine.h"

#include <QList>

#include <array>

// Rolling figures of finished jobs: jobs per second over the last few seconds, jobs finished in
// the last minute, wait and run time percentiles over the most recent jobs, and cumulative
// histograms for /metrics.
// Not thread-safe: the engine's mutex guards it. Times come from the caller (testable).
class ThroughputStats
{
public:
    ThroughputStats();

    void record(qint64 finishedAtMs, qint64 waitMs, qint64 runMs);
    Throughput current(qint64 nowMs) const;
    Engine::Histogram waitHistogram() const { return histogram(m_waitBuckets, m_waitSum); }
    Engine::Histogram runHistogram() const { return histogram(m_runBuckets, m_runSum); }

private:
    static constexpr int windowSecs = 5; // jobs/s averages over this many whole seconds
    static constexpr int minuteSecs = 60;
    static constexpr int reservoirSize = 2048; // percentiles over the newest this many jobs
    static constexpr int bucketCount = 14;

    Engine::Histogram histogram(const std::array<quint64, bucketCount + 1>& buckets, double sum) const;

    std::array<qint64, minuteSecs + 1> m_secondStart {}; // one slot per second, the current one too
    std::array<quint64, minuteSecs + 1> m_secondCount {};
    QList<qint64> m_waitSamples;
    QList<qint64> m_runSamples;
    int m_nextSample = 0;
    std::array<quint64, bucketCount + 1> m_waitBuckets {}; // last one is +Inf
    std::array<quint64, bucketCount + 1> m_runBuckets {};
    double m_waitSum = 0;
    double m_runSum = 0;
    quint64 m_count = 0;
};
