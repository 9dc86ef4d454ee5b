#include "job.h"

#include <QDateTime>
#include <QJsonArray>

QString formatTimestamp(qint64 msecsSinceEpoch)
{
    return QDateTime::fromMSecsSinceEpoch(msecsSinceEpoch, Qt::UTC).toString(Qt::ISODateWithMs);
}

QJsonValue timestampToJson(qint64 msecsSinceEpoch)
{
    return msecsSinceEpoch > 0 ? QJsonValue(formatTimestamp(msecsSinceEpoch)) : QJsonValue(QJsonValue::Null);
}

QJsonObject JobError::toJson() const
{
    QJsonObject object { { QStringLiteral("code"), code }, { QStringLiteral("message"), message } };
    if (!details.isEmpty())
        object.insert(QStringLiteral("details"), details);
    if (!fault.isEmpty())
        object.insert(QStringLiteral("fault"), fault);
    return object;
}

std::optional<JobError> JobError::fromJson(const QJsonValue& value)
{
    if (!value.isObject())
        return std::nullopt;
    const QJsonObject object = value.toObject();
    JobError error { object.value(QLatin1StringView("code")).toString(),
        object.value(QLatin1StringView("message")).toString(), object.value(QLatin1StringView("details")).toString() };
    error.fault = object.value(QLatin1StringView("fault")).toString();
    return error;
}

QJsonObject JobAttempt::toJson() const
{
    QJsonObject object {
        { QStringLiteral("attempt"), number },
        { QStringLiteral("started_at"), timestampToJson(startedAt) },
        { QStringLiteral("finished_at"), timestampToJson(finishedAt) },
        { QStringLiteral("error"), error ? QJsonValue(error->toJson()) : QJsonValue(QJsonValue::Null) },
        { QStringLiteral("worker"), worker.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(worker) },
    };
    if (!delivery.isEmpty())
        object.insert(QStringLiteral("delivery"), delivery);
    return object;
}

JobAttempt JobAttempt::fromJson(const QJsonObject& object)
{
    const auto time = [&](QLatin1StringView key) {
        const QString text = object.value(key).toString();
        return text.isEmpty() ? 0 : QDateTime::fromString(text, Qt::ISODateWithMs).toMSecsSinceEpoch();
    };
    JobAttempt attempt;
    attempt.number = object.value(QLatin1StringView("attempt")).toInt();
    attempt.startedAt = time(QLatin1StringView("started_at"));
    attempt.finishedAt = time(QLatin1StringView("finished_at"));
    attempt.error = JobError::fromJson(object.value(QLatin1StringView("error")));
    attempt.worker = object.value(QLatin1StringView("worker")).toString();
    attempt.delivery = object.value(QLatin1StringView("delivery")).toObject();
    return attempt;
}

bool JobAttempt::operator==(const JobAttempt& other) const
{
    return number == other.number && startedAt == other.startedAt && finishedAt == other.finishedAt
        && error == other.error && worker == other.worker && delivery == other.delivery;
}

QJsonObject Job::toJson() const
{
    QJsonArray attemptsJson;
    for (const JobAttempt& attempt : history)
        attemptsJson.append(attempt.toJson());

    QJsonObject object {
        { QStringLiteral("id"), QString::number(id) },
        { QStringLiteral("type"), type },
        { QStringLiteral("queue"), queue },
        { QStringLiteral("status"), QString(statusName(status)) },
        { QStringLiteral("priority"), priority },
        { QStringLiteral("attempts"), attempts },
        { QStringLiteral("max_attempts"), maxAttempts },
        { QStringLiteral("payload"), payload },
        { QStringLiteral("result"), result },
        { QStringLiteral("error"), error ? QJsonValue(error->toJson()) : QJsonValue(QJsonValue::Null) },
        { QStringLiteral("progress"), progress },
        { QStringLiteral("created_at"), timestampToJson(createdAt) },
        { QStringLiteral("run_at"), timestampToJson(runAt) },
        { QStringLiteral("started_at"), timestampToJson(startedAt) },
        { QStringLiteral("finished_at"), timestampToJson(finishedAt) },
        { QStringLiteral("timeout_ms"), timeoutMs >= 0 ? QJsonValue(timeoutMs) : QJsonValue(QJsonValue::Null) },
        { QStringLiteral("idempotency_key"),
            idempotencyKey.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(idempotencyKey) },
        { QStringLiteral("worker"), worker.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(worker) },
        { QStringLiteral("history"), attemptsJson },
    };
    // Only on jobs that have them, as JobJson writes them.
    if (!callbackUrl.isEmpty()) {
        object.insert(QStringLiteral("callback"),
            QJsonObject {
                { QStringLiteral("url"), callbackUrl },
                { QStringLiteral("job_id"),
                    callbackJobId ? QJsonValue(QString::number(callbackJobId)) : QJsonValue(QJsonValue::Null) },
            });
    }
    if (callbackFor)
        object.insert(QStringLiteral("callback_for"), QString::number(callbackFor));
    return object;
}

bool Job::operator==(const Job& other) const
{
    return id == other.id && type == other.type && queue == other.queue && status == other.status
        && priority == other.priority && attempts == other.attempts && maxAttempts == other.maxAttempts
        && payload == other.payload && result == other.result && error == other.error && progress == other.progress
        && createdAt == other.createdAt && runAt == other.runAt && startedAt == other.startedAt
        && finishedAt == other.finishedAt && timeoutMs == other.timeoutMs && idempotencyKey == other.idempotencyKey
        && worker == other.worker && history == other.history && callbackUrl == other.callbackUrl
        && callbackJobId == other.callbackJobId && callbackFor == other.callbackFor;
}
