#include "displayformat.h"

#include <QDateTime>
#include <QLocale>

namespace DisplayFormat {

QString count(qint64 value)
{
    return QLocale::system().toString(value);
}

QString duration(double ms)
{
    if (ms < 1)
        return ms <= 0 ? QStringLiteral("0 ms") : QStringLiteral("<1 ms");
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(qRound(ms));
    const double secs = ms / 1000;
    if (secs < 60)
        return QStringLiteral("%1 s").arg(secs, 0, 'f', secs < 10 ? 2 : 1);
    const qint64 whole = qint64(secs);
    if (whole < 3600)
        return QStringLiteral("%1 m %2 s").arg(whole / 60).arg(whole % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 h %2 m").arg(whole / 3600).arg(whole % 3600 / 60, 2, 10, QLatin1Char('0'));
}

QString rate(double perSecond)
{
    if (perSecond >= 100)
        return QStringLiteral("%1/s").arg(QLocale::system().toString(qRound64(perSecond)));
    return QStringLiteral("%1/s").arg(perSecond, 0, 'f', perSecond < 10 ? 2 : 1);
}

QString clockTime(qint64 msecsSinceEpoch)
{
    if (msecsSinceEpoch <= 0)
        return {};
    return QDateTime::fromMSecsSinceEpoch(msecsSinceEpoch).toString(QStringLiteral("HH:mm:ss.zzz"));
}

QString dateTime(qint64 msecsSinceEpoch)
{
    if (msecsSinceEpoch <= 0)
        return {};
    return QDateTime::fromMSecsSinceEpoch(msecsSinceEpoch).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
}

} // namespace DisplayFormat
