#include "throughputstats.h"

#include <algorithm>

namespace {
// Upper bounds in seconds, as Prometheus histograms want them.
constexpr std::array<double, 14> bounds
    = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60 };

void addToBuckets(std::array<quint64, 15>& buckets, qint64 ms)
{
    const double secs = double(ms) / 1000.0;
    const auto it = std::lower_bound(bounds.begin(), bounds.end(), secs);
    ++buckets[std::size_t(it - bounds.begin())];
}

double percentile(QList<qint64> samples, double p)
{
    if (samples.isEmpty())
        return 0.0;
    const auto index = qsizetype(p * double(samples.size() - 1) + 0.5);
    std::nth_element(samples.begin(), samples.begin() + index, samples.end());
    return double(samples[index]);
}
} // namespace

ThroughputStats::ThroughputStats()
{
    m_waitSamples.reserve(reservoirSize);
    m_runSamples.reserve(reservoirSize);
}

void ThroughputStats::record(qint64 finishedAtMs, qint64 waitMs, qint64 runMs)
{
    const qint64 second = finishedAtMs / 1000;
    const std::size_t slot = std::size_t(second % (minuteSecs + 1));
    if (m_secondStart[slot] != second) {
        m_secondStart[slot] = second;
        m_secondCount[slot] = 0;
    }
    ++m_secondCount[slot];

    waitMs = std::max<qint64>(0, waitMs);
    runMs = std::max<qint64>(0, runMs);
    if (m_waitSamples.size() < reservoirSize) {
        m_waitSamples.append(waitMs);
        m_runSamples.append(runMs);
    } else {
        m_waitSamples[m_nextSample] = waitMs;
        m_runSamples[m_nextSample] = runMs;
    }
    m_nextSample = (m_nextSample + 1) % reservoirSize;

    addToBuckets(m_waitBuckets, waitMs);
    addToBuckets(m_runBuckets, runMs);
    m_waitSum += double(waitMs) / 1000.0;
    m_runSum += double(runMs) / 1000.0;
    ++m_count;
}

Throughput ThroughputStats::current(qint64 nowMs) const
{
    // Whole seconds only: the current, partial second would make the rate jitter.
    const qint64 now = nowMs / 1000;
    quint64 recent = 0;
    quint64 lastMinute = 0;
    for (std::size_t i = 0; i < m_secondStart.size(); ++i) {
        if (m_secondStart[i] >= now || m_secondStart[i] < now - minuteSecs)
            continue;
        lastMinute += m_secondCount[i];
        if (m_secondStart[i] >= now - windowSecs)
            recent += m_secondCount[i];
    }
    Throughput result;
    result.jobsPerSecond = double(recent) / windowSecs;
    result.finishedLastMinute = qint64(lastMinute);
    result.percentileJobs = int(m_waitSamples.size());
    result.waitP50Ms = percentile(m_waitSamples, 0.50);
    result.waitP95Ms = percentile(m_waitSamples, 0.95);
    result.waitP99Ms = percentile(m_waitSamples, 0.99);
    result.runP50Ms = percentile(m_runSamples, 0.50);
    result.runP95Ms = percentile(m_runSamples, 0.95);
    result.runP99Ms = percentile(m_runSamples, 0.99);
    return result;
}

Engine::Histogram ThroughputStats::histogram(const std::array<quint64, bucketCount + 1>& buckets, double sum) const
{
    Engine::Histogram result;
    quint64 cumulative = 0;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        cumulative += buckets[i];
        result.bounds.append(bounds[i]);
        result.cumulative.append(cumulative);
    }
    result.sum = sum;
    result.count = m_count;
    return result;
}
