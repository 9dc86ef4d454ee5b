#include "apireply.h"

#include "httpguard/asciicase.h"
#include "wire/bytewriter.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace ApiReply {

int httpStatus(const EngineError& error)
{
    switch (error.kind) {
    case EngineError::Kind::Invalid:
        return 400;
    case EngineError::Kind::Forbidden:
        return 403;
    case EngineError::Kind::NotFound:
        return 404;
    case EngineError::Kind::Conflict:
        return 409;
    case EngineError::Kind::Unavailable:
    case EngineError::Kind::QueueFull:
    case EngineError::Kind::Storage:
        return 503;
    }
    Q_UNREACHABLE();
}

void error(const HttpExchangePtr& exchange, const EngineError& error)
{
    switch (error.kind) {
    case EngineError::Kind::Invalid:
        invalid(exchange, error.field, error.message);
        return;
    case EngineError::Kind::Unavailable:
        exchange->respondError(503, error.code, error.message,
            { { "Retry-After", error.retryAfterSecs > 0 ? QByteArray::number(error.retryAfterSecs) : "5" } });
        return;
    case EngineError::Kind::QueueFull:
    case EngineError::Kind::Storage:
        exchange->respondError(503, error.code, error.message, { { "Retry-After", "1" } });
        return;
    case EngineError::Kind::Forbidden:
    case EngineError::Kind::NotFound:
    case EngineError::Kind::Conflict:
        exchange->respondError(httpStatus(error), error.code, error.message);
        return;
    }
    Q_UNREACHABLE();
}

void invalid(const HttpExchangePtr& exchange, const QString& field, const QString& message)
{
    exchange->respondError(
        400, QStringLiteral("invalid_field"), field.isEmpty() ? message : field + QLatin1Char(' ') + message);
}

std::optional<QString> jsonContentTypeProblem(QByteArrayView contentType)
{
    QByteArrayView rest = contentType;
    const qsizetype semicolon = rest.indexOf(';');
    const QByteArrayView mediaType = rest.first(semicolon < 0 ? rest.size() : semicolon);
    if (!AsciiCase::equal(mediaType.trimmed(), "application/json"))
        return QStringLiteral("send the body as JSON with Content-Type: application/json");
    // JSON is UTF-8 (RFC 8259 8.1): a body declared in another charset would be read wrongly.
    while (semicolon >= 0 && !rest.isEmpty()) {
        rest = rest.sliced(rest.indexOf(';') + 1);
        const qsizetype next = rest.indexOf(';');
        const QByteArrayView parameter = (next < 0 ? rest : rest.first(next)).trimmed();
        const qsizetype equals = parameter.indexOf('=');
        if (equals > 0 && AsciiCase::equal(parameter.first(equals).trimmed(), "charset")) {
            QByteArrayView charset = parameter.sliced(equals + 1).trimmed();
            if (charset.size() >= 2 && charset.front() == '"' && charset.back() == '"')
                charset = charset.sliced(1, charset.size() - 2);
            if (!AsciiCase::equal(charset, "utf-8"))
                return QStringLiteral("send the JSON body in UTF-8 (charset=utf-8 or none)");
        }
        if (next < 0)
            break;
    }
    return std::nullopt;
}

bool hasJsonContentType(const HttpExchangePtr& exchange)
{
    QByteArray joined;
    if (const std::optional<QString> problem
        = jsonContentTypeProblem(exchange->guardedHeader("content-type", &joined))) {
        exchange->respondError(415, QStringLiteral("unsupported_media_type"), *problem);
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

std::optional<qint64> digitsValue(QStringView text, qint64 max)
{
    // Digits only: toLongLong() would take a sign, blanks and (for ids) leading zeros.
    if (text.isEmpty() || text.size() > 18)
        return std::nullopt;
    qint64 value = 0;
    for (const QChar c : text) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
        value = value * 10 + (c.unicode() - u'0');
    }
    return value <= max ? std::optional<qint64>(value) : std::nullopt;
}

std::optional<JobId> jobId(const HttpExchangePtr& exchange)
{
    const QString& arg = exchange->pathArg();
    const std::optional<qint64> id
        = arg.startsWith(u'0') ? std::nullopt : digitsValue(arg, Q_INT64_C(999999999999999999));
    if (!id || *id <= 0) {
        exchange->respondError(
            404, QStringLiteral("not_found"), QStringLiteral("no job with id \"%1\"").arg(exchange->pathArg()));
        return std::nullopt;
    }
    return *id;
}

std::optional<qint64> queryInteger(
    const HttpExchangePtr& exchange, const QString& name, qint64 fallback, qint64 min, qint64 max)
{
    if (!exchange->query().hasQueryItem(name))
        return fallback;
    const std::optional<qint64> value = digitsValue(exchange->query().queryItemValue(name), max);
    if (!value || *value < min) {
        invalid(exchange, name, QStringLiteral("must be an integer from %1 to %2").arg(min).arg(max));
        return std::nullopt;
    }
    return *value;
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
