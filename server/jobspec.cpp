#include "jobspec.h"

#include "defaultlimits.h"

#include <cmath>

namespace {

// The fields of a job object, read in one pass over it: looking each one up, and every key up
// in a set of known names, was most of the cost of parsing a submission.
struct SpecFields
{
    static constexpr auto absent = QJsonValue::Undefined;
    QJsonValue type { absent }, payload { absent }, queue { absent }, priority { absent }, delayMs { absent },
        timeoutMs { absent }, maxAttempts { absent }, idempotencyKey { absent };

    // The slot for a field name; null for a name that is not a job field.
    QJsonValue* slot(QStringView name)
    {
        const std::pair<QLatin1StringView, QJsonValue*> slots[] = {
            { QLatin1StringView("type"), &type },
            { QLatin1StringView("payload"), &payload },
            { QLatin1StringView("queue"), &queue },
            { QLatin1StringView("priority"), &priority },
            { QLatin1StringView("delay_ms"), &delayMs },
            { QLatin1StringView("timeout_ms"), &timeoutMs },
            { QLatin1StringView("max_attempts"), &maxAttempts },
            { QLatin1StringView("idempotency_key"), &idempotencyKey },
        };
        for (const auto& [known, value] : slots) {
            if (name == known)
                return value;
        }
        return nullptr;
    }
};

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

    SpecFields fields;
    for (auto it = object.begin(); it != object.end(); ++it) {
        QJsonValue* value = fields.slot(it.key());
        if (!value)
            return fail(it.key(), QStringLiteral("is not a job field"));
        *value = it.value();
    }

    JobSpec spec;
    const QJsonValue& type = fields.type;
    if (type.isUndefined())
        return fail(QStringLiteral("type"), QStringLiteral("is required"));
    spec.type = type.toString();
    if (!type.isString() || spec.type.isEmpty() || spec.type.size() > Limits::maxTypeLength)
        return fail(QStringLiteral("type"),
            QStringLiteral("must be a non-empty string of at most %1 characters").arg(Limits::maxTypeLength));

    spec.payload = fields.payload;
    if (spec.payload.isUndefined())
        spec.payload = QJsonValue(QJsonValue::Null);

    const QJsonValue& queue = fields.queue;
    if (!queue.isUndefined() && !queue.isNull()) {
        if (!queue.isString() || !isValidQueueName(queue.toString()))
            return fail(QStringLiteral("queue"),
                QStringLiteral("must be 1 to %1 characters of A-Z a-z 0-9 . _ -").arg(Limits::maxQueueNameLength));
        spec.queue = queue.toString();
    }

    const QJsonValue& priority = fields.priority;
    if (!priority.isUndefined() && !priority.isNull()) {
        const auto value = integerIn(priority, -Limits::maxPriority, Limits::maxPriority);
        if (!value)
            return fail(QStringLiteral("priority"), between(-Limits::maxPriority, Limits::maxPriority));
        spec.priority = int(*value);
    }

    const QJsonValue& delay = fields.delayMs;
    if (!delay.isUndefined() && !delay.isNull()) {
        const auto value = integerIn(delay, 0, Limits::maxDelayMs);
        if (!value)
            return fail(QStringLiteral("delay_ms"), between(0, Limits::maxDelayMs));
        spec.delayMs = *value;
    }

    const QJsonValue& timeout = fields.timeoutMs;
    if (!timeout.isUndefined() && !timeout.isNull()) {
        const auto value = integerIn(timeout, 0, Limits::maxTimeoutMs);
        if (!value)
            return fail(QStringLiteral("timeout_ms"), between(0, Limits::maxTimeoutMs));
        spec.timeoutMs = *value;
    }

    const QJsonValue& attempts = fields.maxAttempts;
    if (!attempts.isUndefined() && !attempts.isNull()) {
        const auto value = integerIn(attempts, 1, Limits::maxAttempts);
        if (!value)
            return fail(QStringLiteral("max_attempts"), between(1, Limits::maxAttempts));
        spec.maxAttempts = int(*value);
    }

    const QJsonValue& key = fields.idempotencyKey;
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
