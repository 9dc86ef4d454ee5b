#pragma once

#include <QByteArray>
#include <QString>

#include <map>
#include <utility>

// Answered requests by route (the pattern's name, never the raw path: bounded label values)
// and status, in Prometheus text format. HTTP thread only, like everything it counts.
class HttpMetrics
{
public:
    void record(const QString& route, int status);
    quint64 count(const QString& route, int status) const;
    QByteArray prometheusText() const;

private:
    std::map<std::pair<QString, int>, quint64> m_requests; // sorted: stable exposition order
};
