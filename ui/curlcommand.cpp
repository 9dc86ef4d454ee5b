#include "curlcommand.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace {

// POSIX shell single quotes: nothing inside is special except the quote itself.
QString shellQuote(const QString& text)
{
    QString quoted = text;
    quoted.replace(QLatin1Char('\''), QLatin1String("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

} // namespace

QString curlCommand(const QUrl& serverUrl, const Job& job, bool withToken)
{
    QJsonObject body {
        { QStringLiteral("type"), job.type },
        { QStringLiteral("payload"), job.payload },
        { QStringLiteral("queue"), job.queue },
        { QStringLiteral("priority"), job.priority },
        { QStringLiteral("max_attempts"), job.maxAttempts },
    };
    if (job.timeoutMs >= 0)
        body.insert(QStringLiteral("timeout_ms"), job.timeoutMs);

    QUrl url = serverUrl;
    url.setPath(QStringLiteral("/jobs"));
    QString command
        = QStringLiteral("curl -X POST ") + url.toString() + QStringLiteral(" -H 'Content-Type: application/json'");
    if (withToken)
        command += QStringLiteral(" -H 'Authorization: Bearer …'");
    command
        += QStringLiteral(" -d ") + shellQuote(QString::fromUtf8(QJsonDocument(body).toJson(QJsonDocument::Compact)));
    return command;
}

QString deliveryCurlCommand(const QJsonObject& delivery)
{
    const QJsonObject request = delivery.value(QLatin1StringView("request")).toObject();
    if (request.isEmpty())
        return {};
    QString command = QStringLiteral("curl -X ") + shellQuote(request.value(QLatin1StringView("method")).toString())
        + u' ' + shellQuote(request.value(QLatin1StringView("url")).toString());
    const QJsonObject headers = request.value(QLatin1StringView("headers")).toObject();
    for (auto it = headers.begin(); it != headers.end(); ++it)
        command += QStringLiteral(" -H ") + shellQuote(it.key() + QStringLiteral(": ") + it.value().toString());
    const QString body = request.value(QLatin1StringView("body")).toString();
    if (!body.isEmpty() || request.value(QLatin1StringView("body_bytes")).toInteger() > 0)
        command += QStringLiteral(" --data-binary ") + shellQuote(body);
    return command;
}
