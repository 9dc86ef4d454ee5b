#include "failhandler.h"

#include "defaultlimits.h"
#include "handlers/payloadfields.h"

namespace {
IntegerField afterMs(const QJsonValue& payload)
{
    return integerField(payload, QLatin1StringView("after_ms"), 0, Limits::maxTimeoutMs, 0);
}
} // namespace

QString FailHandler::validatePayload(const QJsonValue& payload) const
{
    if (!payload.isNull() && !payload.isObject())
        return QStringLiteral("payload must be an object like {\"message\": \"...\", \"after_ms\": 0}");
    const QJsonValue message = payload.toObject().value(QLatin1StringView("message"));
    if (!message.isUndefined() && !message.isString())
        return QStringLiteral("payload.message must be a string");
    return afterMs(payload).problem;
}

QJsonValue FailHandler::examplePayload() const
{
    return QJsonObject { { QStringLiteral("message"), QStringLiteral("something went wrong") },
        { QStringLiteral("after_ms"), 500 } };
}

JobOutcome FailHandler::run(const JobContext& context) const
{
    const qint64 delay = afterMs(context.payload()).value.value_or(0);
    if (delay > 0 && !context.token().waitFor(delay))
        return JobOutcome::failure(QStringLiteral("stopped"), QStringLiteral("stopped before failing"));
    const QString message = context.payload().toObject().value(QLatin1StringView("message")).toString();
    return JobOutcome::failure(
        QStringLiteral("job_failed"), message.isEmpty() ? QStringLiteral("the job failed as asked") : message);
}
