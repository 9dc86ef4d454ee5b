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
