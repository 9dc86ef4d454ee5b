#include "jobspec.h"

#include "defaultlimits.h"
#include "wire/jobspecfields.h"
#include "wire/jsonfidelity.h"

#include <QUrl>

#include <cmath>

namespace {

// The slot for a field name; null for a name that is not a job field. One pass over the
// object: looking each field up, and every key up in a set of known names, was most of the
// cost of parsing a submission.
SpecField* slot(SpecFields& fields, QStringView name)
{
    for (const auto& [known, member] : specFieldNames) {
        if (name == QLatin1StringView(known))
            return &(fields.*member);
    }
    return nullptr;
}

SpecField fieldOf(const QJsonValue& value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return { SpecField::Kind::Null, {}, 0 };
    case QJsonValue::String:
        return { SpecField::Kind::String, value.toString(), 0 };
    case QJsonValue::Double: {
        // JSON has only doubles: 1.5, 1e300 and NaN are not integers
        const double number = value.toDouble();
        constexpr double limit = 9223372036854775808.0; // 2^63
        if (std::isfinite(number) && std::floor(number) == number && number >= -limit && number < limit)
            return { SpecField::Kind::Integer, {}, static_cast<qint64>(number) };
        return { SpecField::Kind::Other, {}, 0 };
    }
    default:
        return { SpecField::Kind::Other, {}, 0 };
    }
}

bool integerIn(const SpecField& field, qint64 min, qint64 max)
{
    return field.kind == SpecField::Kind::Integer && field.integer >= min && field.integer <= max;
}

QString between(qint64 min, qint64 max)
{
    return QStringLiteral("must be an integer from %1 to %2").arg(min).arg(max);
}

} // namespace

bool operator==(const JobSpec& a, const JobSpec& b)
{
    return a.type == b.type && a.payload == b.payload && a.queue == b.queue && a.priority == b.priority
        && a.delayMs == b.delayMs && a.timeoutMs == b.timeoutMs && a.maxAttempts == b.maxAttempts
        && a.idempotencyKey == b.idempotencyKey && a.callbackUrl == b.callbackUrl;
}

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
    SpecFields fields;
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString key = it.key();
        if (key == QLatin1StringView("payload")) {
            fields.payload = it.value();
        } else if (SpecField* field = slot(fields, key)) {
            *field = fieldOf(it.value());
        } else {
            return SpecError { fieldPrefix + key, QStringLiteral("is not a job field") };
        }
    }
    return validateJobSpec(std::move(fields), fieldPrefix);
}

SpecResult validateJobSpec(SpecFields fields, const QString& fieldPrefix)
{
    const auto fail = [&](const QString& field, const QString& message) {
        return SpecError { fieldPrefix + field, message };
    };

    JobSpec spec;
    if (fields.type.kind == SpecField::Kind::Absent)
        return fail(QStringLiteral("type"), QStringLiteral("is required"));
    if (fields.type.kind != SpecField::Kind::String || fields.type.string.isEmpty()
        || fields.type.string.size() > Limits::maxTypeLength)
        return fail(QStringLiteral("type"),
            QStringLiteral("must be a non-empty string of at most %1 characters").arg(Limits::maxTypeLength));
    spec.type = std::move(fields.type.string);

    spec.payload = fields.payload.isUndefined() ? QJsonValue(QJsonValue::Null) : std::move(fields.payload);

    if (fields.queue.isSet()) {
        if (fields.queue.kind != SpecField::Kind::String || !isValidQueueName(fields.queue.string))
            return fail(QStringLiteral("queue"),
                QStringLiteral("must be 1 to %1 characters of A-Z a-z 0-9 . _ -").arg(Limits::maxQueueNameLength));
        spec.queue = std::move(fields.queue.string);
    }

    if (fields.priority.isSet()) {
        if (!integerIn(fields.priority, -Limits::maxPriority, Limits::maxPriority))
            return fail(QStringLiteral("priority"), between(-Limits::maxPriority, Limits::maxPriority));
        spec.priority = int(fields.priority.integer);
    }

    if (fields.delayMs.isSet()) {
        if (!integerIn(fields.delayMs, 0, Limits::maxDelayMs))
            return fail(QStringLiteral("delay_ms"), between(0, Limits::maxDelayMs));
        spec.delayMs = fields.delayMs.integer;
    }

    if (fields.timeoutMs.isSet()) {
        if (!integerIn(fields.timeoutMs, 0, Limits::maxTimeoutMs))
            return fail(QStringLiteral("timeout_ms"), between(0, Limits::maxTimeoutMs));
        spec.timeoutMs = fields.timeoutMs.integer;
    }

    if (fields.maxAttempts.isSet()) {
        if (!integerIn(fields.maxAttempts, 1, Limits::maxAttempts))
            return fail(QStringLiteral("max_attempts"), between(1, Limits::maxAttempts));
        spec.maxAttempts = int(fields.maxAttempts.integer);
    }

    if (fields.idempotencyKey.isSet()) {
        if (fields.idempotencyKey.kind != SpecField::Kind::String || fields.idempotencyKey.string.isEmpty()
            || fields.idempotencyKey.string.size() > Limits::maxIdempotencyKeyLength)
            return fail(QStringLiteral("idempotency_key"),
                QStringLiteral("must be a non-empty string of at most %1 characters")
                    .arg(Limits::maxIdempotencyKeyLength));
        if (!JsonFidelity::isExact(fields.idempotencyKey.string))
            return fail(QStringLiteral("idempotency_key"),
                QStringLiteral("contains a lone UTF-16 surrogate, which is not Unicode"));
        spec.idempotencyKey = std::move(fields.idempotencyKey.string);
    }

    if (fields.callbackUrl.isSet()) {
        // Where it may go (the target policy) is the engine's to say: a 403, not a 400.
        const QString& text = fields.callbackUrl.string;
        const QUrl url(text, QUrl::StrictMode);
        const QString scheme = url.scheme();
        if (fields.callbackUrl.kind != SpecField::Kind::String || text.size() > Limits::maxCallbackUrlLength
            || !url.isValid() || (scheme != QLatin1StringView("http") && scheme != QLatin1StringView("https"))
            || url.host().isEmpty() || !url.userInfo().isEmpty())
            return fail(QStringLiteral("callback_url"),
                QStringLiteral("must be an absolute http:// or https:// URL without user info, of at most %1 "
                               "characters")
                    .arg(Limits::maxCallbackUrlLength));
        spec.callbackUrl = std::move(fields.callbackUrl.string);
    }

    // Refused rather than stored as something else than what was sent.
    if (const auto problem = JsonFidelity::problem(spec.payload, QStringLiteral("payload")))
        return fail(problem->field, problem->message);
    return spec;
}
