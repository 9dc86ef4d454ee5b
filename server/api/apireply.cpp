#include "apireply.h"

#include "bytewriter.h"
#include "httpguard/asciicase.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace ApiReply {

void error(const HttpExchangePtr& exchange, const EngineError& error)
{
    switch (error.kind) {
    case EngineError::Kind::Invalid:
        invalid(exchange, error.field, error.message);
        return;
    case EngineError::Kind::Forbidden:
        exchange->respondError(403, error.code, error.message);
        return;
    case EngineError::Kind::NotFound:
        exchange->respondError(404, error.code, error.message);
        return;
    case EngineError::Kind::Conflict:
        exchange->respondError(409, error.code, error.message);
        return;
    case EngineError::Kind::Unavailable:
        exchange->respondError(503, error.code, error.message, { { "Retry-After", "5" } });
        return;
    case EngineError::Kind::QueueFull:
        exchange->respondError(503, error.code, error.message, { { "Retry-After", "1" } });
        return;
    case EngineError::Kind::Storage:
        exchange->respondError(503, error.code, error.message, { { "Retry-After", "1" } });
        return;
    }
    Q_UNREACHABLE();
}

void invalid(const HttpExchangePtr& exchange, const QString& field, const QString& message)
{
    exchange->respondError(
        400, QStringLiteral("invalid_field"), field.isEmpty() ? message : field + QLatin1Char(' ') + message);
}

bool hasJsonContentType(const HttpExchangePtr& exchange)
{
    const QByteArray contentType = exchange->header("content-type");
    const qsizetype semicolon = contentType.indexOf(';');
    const QByteArrayView mediaType = contentType.first(semicolon < 0 ? contentType.size() : semicolon);
    if (!AsciiCase::equal(mediaType.trimmed(), "application/json")) {
        exchange->respondError(415, QStringLiteral("unsupported_media_type"),
            QStringLiteral("send the body as JSON with Content-Type: application/json"));
        return false;
    }
    return true;
}

std::optional<QJsonObject> jsonBody(const HttpExchangePtr& exchange)
{
    if (!hasJsonContentType(exchange))
        return std::nullopt;
    return jsonObject(exchange);
}

std::optional<QJsonObject> jsonObject(const HttpExchangePtr& exchange)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(exchange->body(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        exchange->respondError(400, QStringLiteral("malformed_json"),
            QStringLiteral("the body is not valid JSON: %1 at offset %2")
                .arg(parseError.errorString())
                .arg(parseError.offset));
        return std::nullopt;
    }
    if (!document.isObject()) {
        exchange->respondError(400, QStringLiteral("malformed_json"), QStringLiteral("the body must be a JSON object"));
        return std::nullopt;
    }
    return document.object();
}

std::optional<JobId> jobId(const HttpExchangePtr& exchange)
{
    bool ok = false;
    const JobId id = exchange->pathArg().toLongLong(&ok);
    if (!ok || id <= 0) {
        exchange->respondError(
            404, QStringLiteral("not_found"), QStringLiteral("no job with id \"%1\"").arg(exchange->pathArg()));
        return std::nullopt;
    }
    return id;
}

std::optional<qint64> queryInteger(
    const HttpExchangePtr& exchange, const QString& name, qint64 fallback, qint64 min, qint64 max)
{
    if (!exchange->query().hasQueryItem(name))
        return fallback;
    bool ok = false;
    const qint64 value = exchange->query().queryItemValue(name).toLongLong(&ok);
    if (!ok || value < min || value > max) {
        invalid(exchange, name, QStringLiteral("must be an integer from %1 to %2").arg(min).arg(max));
        return std::nullopt;
    }
    return value;
}

QByteArray jobLocation(JobId id)
{
    QByteArray location;
    location.reserve(26); // "/jobs/" and up to 20 characters: one allocation
    {
        ByteWriter writer(location);
        writer.put("/jobs/");
        writer.putDecimal(id);
    }
    return location;
}

} // namespace ApiReply
