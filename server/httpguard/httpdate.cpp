#include "httpdate.h"

#include <cstdio>
#include <ctime>

namespace HttpDate {

QByteArray now()
{
    thread_local std::time_t formattedAt = -1;
    thread_local QByteArray formatted;
    const std::time_t seconds = std::time(nullptr);
    if (seconds == formattedAt)
        return formatted;
    // By hand: strftime and QDateTime would follow the locale's names of days and months.
    static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char months[12][4]
        = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    std::tm utc {};
    gmtime_r(&seconds, &utc);
    char text[32];
    const int size = std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[utc.tm_wday],
        utc.tm_mday, months[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
    formatted = QByteArray(text, size);
    formattedAt = seconds;
    return formatted;
}

} // namespace HttpDate
