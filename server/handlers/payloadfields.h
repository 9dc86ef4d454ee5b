#pragma once

#include <QJsonObject>
#include <QString>

#include <optional>

// Reading a handler's payload fields: an optional integer within bounds, or a message saying
// what is wrong with it (shared by the built-in handlers' validatePayload()).
struct IntegerField
{
    std::optional<qint64> value;
    QString problem;
};

IntegerField integerField(
    const QJsonValue& payload, QLatin1StringView name, qint64 min, qint64 max, std::optional<qint64> fallback);
