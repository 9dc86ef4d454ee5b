#include "sink.h"

#include "job.h"

#include <QJsonArray>

QJsonObject SinkStep::toJson() const
{
    return {
        { QStringLiteral("status"), status },
        { QStringLiteral("delay_ms"), delayMs },
        { QStringLiteral("times"), times },
        { QStringLiteral("body"), QString::fromUtf8(body) },
    };
}

QLatin1StringView signatureMarkName(SignatureMark mark)
{
    switch (mark) {
    case SignatureMark::Unchecked:
        return QLatin1StringView("unchecked");
    case SignatureMark::Unsigned:
        return QLatin1StringView("unsigned");
    case SignatureMark::Verified:
        return QLatin1StringView("verified");
    case SignatureMark::Invalid:
        return QLatin1StringView("invalid");
    }
    return {};
}

QJsonObject SinkRequest::toJson() const
{
    QJsonObject headerObject;
    for (const auto& [name, value] : headers) {
        const QString key = QString::fromLatin1(name);
        const QString before = headerObject.value(key).toString();
        headerObject.insert(key,
            before.isEmpty() ? QString::fromUtf8(value) : before + QStringLiteral(", ") + QString::fromUtf8(value));
    }
    return {
        { QStringLiteral("seq"), QString::number(seq) },
        { QStringLiteral("received_at"), timestampToJson(receivedAt) },
        { QStringLiteral("method"), QString::fromLatin1(method) },
        { QStringLiteral("target"), target },
        { QStringLiteral("headers"), headerObject },
        { QStringLiteral("body"), QString::fromUtf8(body) },
        { QStringLiteral("body_bytes"), bodyBytes },
        { QStringLiteral("signature"), QString(signatureMarkName(signature)) },
        { QStringLiteral("answered_status"), answeredStatus },
        { QStringLiteral("answered_delay_ms"), answeredDelayMs },
    };
}

QJsonObject SinkInfo::toJson() const
{
    QJsonArray steps;
    for (const SinkStep& step : script)
        steps.append(step.toJson());
    return {
        { QStringLiteral("name"), name },
        { QStringLiteral("script"), QJsonObject { { QStringLiteral("steps"), steps } } },
        { QStringLiteral("received"), qint64(received) },
        { QStringLiteral("kept"), kept },
    };
}
