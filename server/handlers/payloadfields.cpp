#include "payloadfields.h"

#include <cmath>

IntegerField integerField(
    const QJsonValue& payload, QLatin1StringView name, qint64 min, qint64 max, std::optional<qint64> fallback)
{
    const QJsonValue value = payload.toObject().value(name);
    if (value.isUndefined() || value.isNull()) {
        if (fallback)
            return { fallback, {} };
        return { std::nullopt, QStringLiteral("payload.%1 is required").arg(name) };
    }
    const double number = value.toDouble(std::nan(""));
    if (!value.isDouble() || std::floor(number) != number || number < double(min) || number > double(max))
        return { std::nullopt,
            QStringLiteral("payload.%1 must be an integer from %2 to %3").arg(name).arg(min).arg(max) };
    return { qint64(number), {} };
}
