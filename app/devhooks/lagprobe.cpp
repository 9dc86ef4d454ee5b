#include "lagprobe.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace {
// About four hours of ticks; beyond that the probe stops recording rather than grow without bound.
constexpr std::size_t maxSamples = 1000000;
} // namespace

LagProbe::LagProbe(QObject* parent)
    : QObject(parent)
{
    // Single shot, re-armed each tick: lateness is then measured against the tick's own due time
    // and a long stall counts once instead of spilling into the following samples.
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &LagProbe::tick);
}

void LagProbe::start()
{
    m_clock.start();
    m_dueNs = qint64(intervalMs) * 1000000;
    m_timer.start(intervalMs);
}

void LagProbe::stop()
{
    m_timer.stop();
}

void LagProbe::tick()
{
    const qint64 now = m_clock.nsecsElapsed();
    if (m_samplesMs.size() < maxSamples)
        m_samplesMs.push_back(float(std::max<qint64>(0, now - m_dueNs)) / 1e6f);
    m_dueNs = now + qint64(intervalMs) * 1000000;
    m_timer.start(intervalMs);
}

double LagProbe::percentile(double fraction) const
{
    if (m_samplesMs.empty())
        return 0;
    std::vector<float> sorted = m_samplesMs;
    const auto nth = sorted.begin() + std::ptrdiff_t(fraction * double(sorted.size() - 1) + 0.5);
    std::nth_element(sorted.begin(), nth, sorted.end());
    return *nth;
}

double LagProbe::max() const
{
    return m_samplesMs.empty() ? 0 : *std::max_element(m_samplesMs.begin(), m_samplesMs.end());
}

QJsonObject LagProbe::report() const
{
    return {
        { QStringLiteral("p50_ms"), p50() },
        { QStringLiteral("p99_ms"), p99() },
        { QStringLiteral("max_ms"), max() },
        { QStringLiteral("samples"), qint64(sampleCount()) },
    };
}

bool LagProbe::writeReport(const QString& path) const
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    return file.write(QJsonDocument(report()).toJson(QJsonDocument::Compact)) >= 0 && file.flush();
}

LagProbe* LagProbe::installFromEnvironment()
{
    const QString path = qEnvironmentVariable("QUEUELAB_LAG_REPORT");
    if (path.isEmpty() || !QCoreApplication::instance())
        return nullptr;
    auto* probe = new LagProbe(QCoreApplication::instance());
    QObject::connect(QCoreApplication::instance(), &QCoreApplication::aboutToQuit, probe, [probe, path] {
        probe->stop();
        if (!probe->writeReport(path))
            qWarning("Could not write the lag report to %s", qPrintable(path));
    });
    probe->start();
    return probe;
}
