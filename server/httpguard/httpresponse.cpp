#include "httpresponse.h"

#include "asciicase.h"
#include "httpdate.h"
#include "httplogging.h"
#include "wire/bytewriter.h"

bool HttpResponse::isFramingHeader(const QByteArray& name)
{
    return AsciiCase::equal(name, "content-length") || AsciiCase::equal(name, "transfer-encoding")
        || AsciiCase::equal(name, "connection");
}

bool HttpResponse::isSafeHeader(const QByteArray& name, const QByteArray& value)
{
    if (name.isEmpty())
        return false;
    for (const char c : name) {
        if (uchar(c) <= 0x20 || uchar(c) >= 0x7f || c == ':')
            return false;
    }
    for (const char c : value) {
        if (c == '\r' || c == '\n' || c == '\0')
            return false;
    }
    return true;
}

namespace {

bool isCanonical(const QByteArray& name)
{
    bool wordStart = true;
    for (const char c : name) {
        if (wordStart ? (c >= 'a' && c <= 'z') : (c >= 'A' && c <= 'Z'))
            return false;
        wordStart = c == '-';
    }
    return true;
}

} // namespace

QByteArray HttpResponse::reasonPhrase(int status)
{
    switch (status) {
    case 100:
        return QByteArrayLiteral("Continue");
    case 200:
        return QByteArrayLiteral("OK");
    case 201:
        return QByteArrayLiteral("Created");
    case 202:
        return QByteArrayLiteral("Accepted");
    case 204:
        return QByteArrayLiteral("No Content");
    case 304:
        return QByteArrayLiteral("Not Modified");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 403:
        return QByteArrayLiteral("Forbidden");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 409:
        return QByteArrayLiteral("Conflict");
    case 411:
        return QByteArrayLiteral("Length Required");
    case 413:
        return QByteArrayLiteral("Content Too Large");
    case 414:
        return QByteArrayLiteral("URI Too Long");
    case 415:
        return QByteArrayLiteral("Unsupported Media Type");
    case 417:
        return QByteArrayLiteral("Expectation Failed");
    case 421:
        return QByteArrayLiteral("Misdirected Request");
    case 422:
        return QByteArrayLiteral("Unprocessable Content");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    case 431:
        return QByteArrayLiteral("Request Header Fields Too Large");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 501:
        return QByteArrayLiteral("Not Implemented");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    case 505:
        return QByteArrayLiteral("HTTP Version Not Supported");
    default:
        return QByteArrayLiteral("Status");
    }
}

QByteArray HttpResponse::canonicalName(const QByteArray& name)
{
    if (AsciiCase::equal(name, "www-authenticate"))
        return QByteArrayLiteral("WWW-Authenticate");
    if (AsciiCase::equal(name, "etag"))
        return QByteArrayLiteral("ETag");
    if (name == "WWW-Authenticate" || name == "ETag" || isCanonical(name))
        return name;
    QByteArray result = name;
    bool wordStart = true;
    for (char& c : result) {
        if (wordStart && c >= 'a' && c <= 'z')
            c = char(c - 'a' + 'A');
        else if (!wordStart && c >= 'A' && c <= 'Z')
            c = char(c - 'A' + 'a');
        wordStart = c == '-';
    }
    return result;
}

QByteArray HttpResponse::serialize() const
{
    QByteArray out;
    appendTo(out);
    return out;
}

void HttpResponse::appendTo(QByteArray& out) const
{
    // No Content-Length and no body for 1xx, 204 and 304 (RFC 9110 8.6, 15.3.5, 15.4.5)
    const bool bodyless = status < 200 || status == 204 || status == 304;
    qsizetype size = 96 + contentType.size() + (headOnly || bodyless ? 0 : body.size());
    for (const auto& header : headers)
        size += header.first.size() + header.second.size() + 4;

    out.reserve(out.size() + size);
    {
        ByteWriter writer(out);
        writer.put("HTTP/1.1 ");
        writer.putDecimal(status);
        writer.put(' ');
        writer.put(reasonPhrase(status));
        writer.put("\r\n");
        if (!contentType.isEmpty() && !bodyless) {
            writer.put("Content-Type: ");
            writer.put(contentType);
            writer.put("\r\n");
        }
        if (!bodyless) {
            writer.put("Content-Length: ");
            writer.putDecimal(body.size());
            writer.put("\r\n");
        }
        writer.put("Date: ");
        writer.put(HttpDate::now());
        writer.put("\r\n");
        for (const auto& [name, value] : headers) {
            if (isFramingHeader(name) || (!contentType.isEmpty() && AsciiCase::equal(name, "content-type")))
                continue;
            if (!isSafeHeader(name, value)) {
                qCWarning(lcHttp) << "dropping a malformed response header" << name;
                continue;
            }
            writer.put(canonicalName(name));
            writer.put(": ");
            writer.put(value);
            writer.put("\r\n");
        }
        if (close)
            writer.put("Connection: close\r\n");
        else if (keepAlive10)
            writer.put("Connection: keep-alive\r\n");
        writer.put("\r\n");
        if (!headOnly && !bodyless)
            writer.put(body);
    } // the writer cuts `out` to what it wrote
}
