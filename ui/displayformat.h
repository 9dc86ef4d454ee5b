#pragma once

#include <QString>

// How the dashboard writes numbers and times, so every panel says "1.2 s" the same way.
namespace DisplayFormat {
QString count(qint64 value); // 12,345
QString duration(double ms); // 850 ms, 1.25 s, 3 m 05 s, 2 h 04 m
QString rate(double perSecond); // 1,234/s, 12.5/s
QString clockTime(qint64 msecsSinceEpoch); // local 14:03:07.123, or empty for 0
QString dateTime(qint64 msecsSinceEpoch); // local 2024-05-01 14:03:07.123, or empty for 0
} // namespace DisplayFormat
