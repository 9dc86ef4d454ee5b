#include "faktoryjob.h"

#include "defaultlimits.h"
#include "wire/jobjson.h"
#include "wire/jobspecfields.h"

#include <QDateTime>
#include <QJsonArray>
#include <QRandomGenerator>

namespace FaktoryJob {

namespace {

    // QueueLab's field names in validateJobSpec()'s errors, as the Faktory client knows them.
    QString faktoryField(const QString& field)
    {
        static const QHash<QString, QString> names {
            { QStringLiteral("type"), QStringLiteral("jobtype") },
            { QStringLiteral("payload"), QStringLiteral("args") },
            { QStringLiteral("delay_ms"), QStringLiteral("at") },
            { QStringLiteral("timeout_ms"), QStringLiteral("reserve_for") },
            { QStringLiteral("max_attempts"), QStringLiteral("retry") },
            { QStringLiteral("idempotency_key"), QStringLiteral("jid") },
        };
        for (auto it = names.cbegin(); it != names.cend(); ++it) {
            if (field.startsWith(it.key()))
                return it.value() + field.mid(it.key().size());
        }
        return field;
    }

    SpecField stringField(const QString& value)
    {
        return SpecField { SpecField::Kind::String, value, 0 };
    }

    SpecField integerField(qint64 value)
    {
        return SpecField { SpecField::Kind::Integer, {}, value };
    }

    bool isInteger(const QJsonValue& value)
    {
        return value.isDouble() && value.toDouble() == double(qint64(value.toDouble()));
    }

} // namespace

std::variant<Pushed, Rejected> fromPush(const QJsonObject& object, qint64 nowMs)
{
    Rejected rejected;
    const auto reject = [&](const QString& message) {
        rejected.message = message;
        return rejected;
    };
    const QJsonValue jidValue = object.value(QLatin1StringView("jid"));
    if (!jidValue.isString() || jidValue.toString().isEmpty())
        return reject(QStringLiteral("jid must be a non-empty string"));
    rejected.jid = jidValue.toString();

    SpecFields fields;
    fields.idempotencyKey = stringField(rejected.jid);
    const QJsonValue type = object.value(QLatin1StringView("jobtype"));
    if (!type.isString())
        return reject(QStringLiteral("jobtype must be a string"));
    fields.type = stringField(type.toString());

    const QJsonValue args = object.value(QLatin1StringView("args"));
    if (!args.isArray())
        return reject(QStringLiteral("args must be an array"));
    const QJsonValue custom = object.value(QLatin1StringView("custom"));
    if (!custom.isUndefined() && !custom.isNull() && !custom.isObject())
        return reject(QStringLiteral("custom must be an object"));
    fields.payload = custom.isObject()
        ? QJsonValue(QJsonObject { { QStringLiteral("args"), args }, { QStringLiteral("custom"), custom } })
        : args;

    const QJsonValue queue = object.value(QLatin1StringView("queue"));
    if (!queue.isUndefined() && !queue.isNull()) {
        if (!queue.isString())
            return reject(QStringLiteral("queue must be a string"));
        fields.queue = stringField(queue.toString());
    }
    const QJsonValue priority = object.value(QLatin1StringView("priority"));
    if (!priority.isUndefined() && !priority.isNull()) {
        if (!isInteger(priority))
            return reject(QStringLiteral("priority must be an integer"));
        fields.priority = integerField(qint64(priority.toDouble()));
    }

    const QJsonValue retry = object.value(QLatin1StringView("retry"));
    qint64 retries = defaultRetry;
    if (!retry.isUndefined() && !retry.isNull()) {
        if (!isInteger(retry) || retry.toDouble() < -1 || retry.toDouble() > Limits::maxAttempts - 1)
            return reject(QStringLiteral("retry must be an integer from -1 to %1").arg(Limits::maxAttempts - 1));
        retries = std::max<qint64>(0, qint64(retry.toDouble())); // -1 (keep when dead): QueueLab keeps every job
    }
    fields.maxAttempts = integerField(retries + 1);

    const QJsonValue reserveFor = object.value(QLatin1StringView("reserve_for"));
    if (!reserveFor.isUndefined() && !reserveFor.isNull()) {
        const qint64 minSecs = Limits::minReserveForMs / 1000;
        const qint64 maxSecs = Limits::maxReserveForMs / 1000;
        if (!isInteger(reserveFor) || reserveFor.toDouble() < minSecs || reserveFor.toDouble() > maxSecs)
            return reject(
                QStringLiteral("reserve_for must be an integer from %1 to %2 (seconds)").arg(minSecs).arg(maxSecs));
        fields.timeoutMs = integerField(qint64(reserveFor.toDouble()) * 1000);
    }

    const QJsonValue at = object.value(QLatin1StringView("at"));
    if (!at.isUndefined() && !at.isNull() && at != QJsonValue(QString())) {
        const QDateTime time = at.isString() ? QDateTime::fromString(at.toString(), Qt::ISODateWithMs) : QDateTime();
        if (!time.isValid())
            return reject(QStringLiteral("at must be an RFC 3339 time, e.g. 2026-01-31T12:00:00Z"));
        fields.delayMs = integerField(std::max<qint64>(0, time.toMSecsSinceEpoch() - nowMs));
    }

    SpecResult spec = validateJobSpec(std::move(fields), {});
    if (const auto* error = std::get_if<SpecError>(&spec))
        return reject(QStringLiteral("%1 %2").arg(faktoryField(error->field), error->message));
    return Pushed { rejected.jid, std::get<JobSpec>(std::move(spec)) };
}

qint64 retryDelayMs(int retryCount)
{
    const qint64 count = std::clamp(retryCount, 0, 1000);
    const qint64 secs = count * count * count * count + 15 + QRandomGenerator::global()->bounded(30) * (count + 1);
    return std::min(secs * 1000, Limits::maxDelayMs);
}

QString jid(const Job& job)
{
    return job.idempotencyKey.isEmpty() ? QStringLiteral("queuelab-%1").arg(job.id) : job.idempotencyKey;
}

QByteArray fetchedJson(const Job& job)
{
    // Written as text, as JobJson writes a job for the HTTP API: a QJsonObject built and then
    // serialised cost a third of a FETCH.
    QByteArray out;
    out.reserve(256);
    out += "{\"jid\":";
    JobJson::appendString(out, jid(job));
    out += ",\"jobtype\":";
    JobJson::appendString(out, job.type);
    out += ",\"args\":";
    const QJsonObject wrapped = job.payload.toObject();
    if (job.payload.isArray()) {
        JobJson::appendValue(out, job.payload);
    } else if (job.payload.isObject() && wrapped.value(QLatin1StringView("args")).isArray()) {
        JobJson::appendValue(out, wrapped.value(QLatin1StringView("args")));
        if (wrapped.contains(QLatin1StringView("custom"))) {
            out += ",\"custom\":";
            JobJson::appendValue(out, wrapped.value(QLatin1StringView("custom")));
        }
    } else if (job.payload.isNull() || job.payload.isUndefined()) {
        out += "[]";
    } else {
        JobJson::appendValue(out, QJsonArray { job.payload });
    }
    out += ",\"queue\":";
    JobJson::appendString(out, job.queue);
    out += ",\"priority\":" + QByteArray::number(job.priority);
    out += ",\"retry\":" + QByteArray::number(job.maxAttempts - 1);
    out += ",\"reserve_for\":"
        + QByteArray::number(job.timeoutMs > 0 ? job.timeoutMs / 1000 : qint64(defaultReserveForSecs));
    out += ",\"created_at\":";
    JobJson::appendTimestamp(out, job.createdAt);
    if (!job.history.isEmpty() && job.history.constLast().error) {
        const JobAttempt& last = job.history.constLast();
        out += ",\"failure\":{\"retry_count\":" + QByteArray::number(job.history.size());
        out += ",\"failed_at\":";
        JobJson::appendTimestamp(out, last.finishedAt);
        out += ",\"errtype\":";
        JobJson::appendString(out, last.error->code);
        out += ",\"message\":";
        JobJson::appendString(out, last.error->message);
        out += '}';
    }
    out += '}';
    return out;
}

} // namespace FaktoryJob
