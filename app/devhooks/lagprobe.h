#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <vector>

class QJsonObject;

// Measures how late the GUI thread's event loop is: a 16 ms timer records by how much each tick
// missed its due time. The benchmarks read p50/p99 from the report written at exit.
class LagProbe : public QObject
{
    Q_OBJECT
public:
    explicit LagProbe(QObject* parent = nullptr);

    void start();
    void stop();

    double p50() const { return percentile(0.50); }
    double p99() const { return percentile(0.99); }
    double max() const;
    qsizetype sampleCount() const { return qsizetype(m_samplesMs.size()); }

    // {"p50_ms":..,"p99_ms":..,"max_ms":..,"samples":N}
    QJsonObject report() const;
    bool writeReport(const QString& path) const;

    // With QUEUELAB_LAG_REPORT=/path.json set: a started probe, owned by the application, that
    // writes its report to that path when the application is about to quit. nullptr otherwise.
    static LagProbe* installFromEnvironment();

    static constexpr int intervalMs = 16;

private:
    void tick();
    double percentile(double fraction) const;

    // GUI thread only
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_dueNs = 0;
    std::vector<float> m_samplesMs;
};
