#include "defaultlimits.h"
#include "deliveryrequest.h"
#include "handlers/payloadfields.h"
#include "wire/jobjson.h"

#include <QJsonArray>
#include <QJsonObject>

namespace {

// RFC 9110 token characters: a method or a header name.
bool isToken(const QString& text)
{
    if (text.isEmpty() || text.size() > 64)
        return false;
    static const QLatin1StringView extra("!#$%&'*+-.^_`|~");
    return std::all_of(text.cbegin(), text.cend(), [](QChar c) {
        return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || extra.contains(c);
    });
}

bool isHeaderValue(const QString& text)
{
    return std::none_of(text.cbegin(), text.cend(), [](QChar c) { return c == u'\r' || c == u'\n' || c == u'\0'; });
}

// Set by QueueLab for every delivery: a job may not forge them.
bool isReserved(const QString& name)
{
    const QString lower = name.toLower();
    return lower.startsWith(QLatin1StringView("x-queuelab-")) || lower.startsWith(QLatin1StringView("webhook-"))
        || lower == QLatin1StringView("host") || lower == QLatin1StringView("content-length")
        || lower == QLatin1StringView("transfer-encoding") || lower == QLatin1StringView("connection");
}

} // namespace

namespace HttpPayload {

Parsed parse(const QJsonValue& payload)
{
    Parsed parsed;
    DeliveryRequest& request = parsed.request;
    const auto fail = [&parsed](const QString& problem) {
        parsed.problem = problem;
        return parsed;
    };
    if (!payload.isObject())
        return fail(QStringLiteral("payload must be an object with at least \"url\""));
    const QJsonObject object = payload.toObject();

    const QJsonValue url = object.value(QLatin1StringView("url"));
    if (!url.isString())
        return fail(QStringLiteral("payload.url is required: an http:// or https:// URL"));
    request.url = QUrl(url.toString(), QUrl::StrictMode);
    const QString scheme = request.url.scheme();
    if (!request.url.isValid() || (scheme != QLatin1StringView("http") && scheme != QLatin1StringView("https"))
        || request.url.host().isEmpty() || !request.url.userInfo().isEmpty())
        return fail(QStringLiteral("payload.url must be an absolute http:// or https:// URL without user info"));

    const QJsonValue method = object.value(QLatin1StringView("method"));
    if (!method.isUndefined() && !method.isNull()) {
        if (!method.isString() || !isToken(method.toString()))
            return fail(QStringLiteral("payload.method must be an HTTP method such as POST, PUT or GET"));
        request.method = method.toString().toUpper().toLatin1();
    }

    const QJsonValue headers = object.value(QLatin1StringView("headers"));
    if (!headers.isUndefined() && !headers.isNull()) {
        if (!headers.isObject())
            return fail(QStringLiteral("payload.headers must be an object of header names to string values"));
        const QJsonObject map = headers.toObject();
        if (map.size() > Limits::maxHeaderCount / 2)
            return fail(QStringLiteral("payload.headers may hold at most %1 headers").arg(Limits::maxHeaderCount / 2));
        for (auto it = map.begin(); it != map.end(); ++it) {
            if (!isToken(it.key()))
                return fail(QStringLiteral("payload.headers: \"%1\" is not a header name").arg(it.key()));
            if (isReserved(it.key()))
                return fail(QStringLiteral("payload.headers: %1 is set by QueueLab").arg(it.key()));
            if (!it.value().isString() || !isHeaderValue(it.value().toString()))
                return fail(QStringLiteral("payload.headers.%1 must be a string without line breaks").arg(it.key()));
            request.headers.append({ it.key().toLatin1(), it.value().toString().toUtf8() });
        }
    }

    const QJsonValue body = object.value(QLatin1StringView("body"));
    bool hasContentType = false;
    for (const auto& header : std::as_const(request.headers))
        hasContentType |= header.first.compare("content-type", Qt::CaseInsensitive) == 0;
    if (body.isString()) {
        request.body = body.toString().toUtf8();
        if (!hasContentType)
            request.headers.append(
                { QByteArrayLiteral("Content-Type"), QByteArrayLiteral("text/plain; charset=utf-8") });
    } else if (!body.isUndefined() && !body.isNull()) {
        JobJson::appendValue(request.body, body);
        if (!hasContentType)
            request.headers.append({ QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json") });
    }

    const IntegerField timeout
        = integerField(payload, QLatin1StringView("timeout_ms"), 1, Limits::maxTimeoutMs, defaultTimeoutMs);
    if (!timeout.problem.isEmpty())
        return fail(timeout.problem);
    request.timeoutMs = *timeout.value;
    return parsed;
}

QJsonValue example()
{
    return QJsonObject {
        { QStringLiteral("url"), QStringLiteral("http://127.0.0.1:8080/sink/demo") },
        { QStringLiteral("method"), QStringLiteral("POST") },
        { QStringLiteral("headers"), QJsonObject { { QStringLiteral("X-Example"), QStringLiteral("1") } } },
        { QStringLiteral("body"), QJsonObject { { QStringLiteral("hello"), QStringLiteral("world") } } },
        { QStringLiteral("timeout_ms"), 5000 },
    };
}

} // namespace HttpPayload
