#include "jobspec.h"

#include "defaultlimits.h"

#include <QSet>

#include <cmath>

namespace {

const QSet<QString>& knownFields()
{
    static const QSet<QString> fields = { QStringLiteral("type"), QStringLiteral("payload"), QStringLiteral("queue"),
        QStringLiteral("priority"), QStringLiteral("delay_ms"), QStringLiteral("timeout_ms"),
        QStringLiteral("max_attempts"), QStringLiteral("idempotency_key") };
    return fields;
}

// An integral JSON number within [min, max]; JSON has only doubles, so 1.5 and 1e300 are refused.
std::optional<qint64> integerIn(const QJsonValue& value, qint64 min, qint64 max)
{
    if (!value.isDouble())
        return std::nullopt;
    const double number = value.toDouble();
    if (!std::isfinite(number) || std::floor(number) != number || number < double(min) || number > double(max))
        return std::nullopt;
    return static_cast<qint64>(number);
}

QString between(qint64 min, qint64 max)
{
    return QStringLiteral("must be an integer from %1 to %2").arg(min).arg(max);
}

} // namespace

bool isValidQueueName(QStringView name)
{
    if (name.isEmpty() || name.size() > Limits::maxQueueNameLength)
        return false;
    for (QChar c : name) {
        const char16_t u = c.unicode();
        const bool ok = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '.'
            || u == '_' || u == '-';
        if (!ok)
            return false;
    }
    return true;
}

SpecResult parseJobSpec(const QJsonObject& object, const QString& fieldPrefix)
{
    const auto fail = [&](const QString& field, const QString& message) {
        return SpecError { fieldPrefix + field, message };
    };

    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!knownFields().contains(it.key()))
            return fail(it.key(), QStringLiteral("is not a job field"));
    }

    JobSpec spec;
    const QJsonValue type = object.value(QLatin1StringView("type"));
    if (type.isUndefined())
        return fail(QStringLiteral("type"), QStringLiteral("is required"));
    spec.type = type.toString();
    if (!type.isString() || spec.type.isEmpty() || spec.type.size() > Limits::maxTypeLength)
        return fail(QStringLiteral("type"),
            QStringLiteral("must be a non-empty string of at most %1 characters").arg(Limits::maxTypeLength));

    spec.payload = object.value(QLatin1StringView("payload"));
    if (spec.payload.isUndefined())
        spec.payload = QJsonValue(QJsonValue::Null);

    const QJsonValue queue = object.value(QLatin1StringView("queue"));
    if (!queue.isUndefined() && !queue.isNull()) {
        if (!queue.isString() || !isValidQueueName(queue.toString()))
            return fail(QStringLiteral("queue"),
                QStringLiteral("must be 1 to %1 characters of A-Z a-z 0-9 . _ -").arg(Limits::maxQueueNameLength));
        spec.queue = queue.toString();
    }

    const QJsonValue priority = object.value(QLatin1StringView("priority"));
    if (!priority.isUndefined() && !priority.isNull()) {
        const auto value = integerIn(priority, -Limits::maxPriority, Limits::maxPriority);
        if (!value)
            return fail(QStringLiteral("priority"), between(-Limits::maxPriority, Limits::maxPriority));
        spec.priority = int(*value);
    }

    const QJsonValue delay = object.value(QLatin1StringView("delay_ms"));
    if (!delay.isUndefined() && !delay.isNull()) {
        const auto value = integerIn(delay, 0, Limits::maxDelayMs);
        if (!value)
            return fail(QStringLiteral("delay_ms"), between(0, Limits::maxDelayMs));
        spec.delayMs = *value;
    }

    const QJsonValue timeout = object.value(QLatin1StringView("timeout_ms"));
    if (!timeout.isUndefined() && !timeout.isNull()) {
        const auto value = integerIn(timeout, 0, Limits::maxTimeoutMs);
        if (!value)
            return fail(QStringLiteral("timeout_ms"), between(0, Limits::maxTimeoutMs));
        spec.timeoutMs = *value;
    }

    const QJsonValue attempts = object.value(QLatin1StringView("max_attempts"));
    if (!attempts.isUndefined() && !attempts.isNull()) {
        const auto value = integerIn(attempts, 1, Limits::maxAttempts);
        if (!value)
            return fail(QStringLiteral("max_attempts"), between(1, Limits::maxAttempts));
        spec.maxAttempts = int(*value);
    }

    const QJsonValue key = object.value(QLatin1StringView("idempotency_key"));
    if (!key.isUndefined() && !key.isNull()) {
        spec.idempotencyKey = key.toString();
        if (!key.isString() || spec.idempotencyKey.isEmpty()
            || spec.idempotencyKey.size() > Limits::maxIdempotencyKeyLength)
            return fail(QStringLiteral("idempotency_key"),
                QStringLiteral("must be a non-empty string of at most %1 characters")
                    .arg(Limits::maxIdempotencyKeyLength));
    }
    return spec;
}
