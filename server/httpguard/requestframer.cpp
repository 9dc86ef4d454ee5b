#include "requestframer.h"

#include "asciicase.h"

#include <array>
#include <cstring>

namespace {

// RFC 9110 token: what QHttpHeaderParser accepts in a field name and what a method is made of.
// A table, as every header name of every request goes through it.
constexpr std::array<bool, 256> tokenChars = [] {
    std::array<bool, 256> table {};
    for (int c = 0; c < 256; ++c)
        table[size_t(c)] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    for (const char* c = "!#$%&'*+-.^_`|~"; *c; ++c)
        table[uchar(*c)] = true;
    return table;
}();

bool isTokenChar(uchar c)
{
    return tokenChars[c];
}

bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (const char c : text) {
        if (!isTokenChar(uchar(c)))
            return false;
    }
    return true;
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

bool containsIgnoringCase(QByteArrayView text, QByteArrayView lower)
{
    for (qsizetype i = 0; i + lower.size() <= text.size(); ++i) {
        if (AsciiCase::equal(text.sliced(i, lower.size()), lower))
            return true;
    }
    return false;
}

QByteArrayView trimmedOws(QByteArrayView text)
{
    while (!text.isEmpty() && (text.front() == ' ' || text.front() == '\t'))
        text = text.sliced(1);
    while (!text.isEmpty() && (text.back() == ' ' || text.back() == '\t'))
        text.chop(1);
    return text;
}

bool isHexDigit(char c)
{
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Host = uri-host [ ":" port ] (RFC 9110 7.2, RFC 3986 3.2.2): an [IP-literal], or a reg-name
// (which covers IPv4) of unreserved, pct-encoded and sub-delims characters; a port of digits.
bool isHostValue(QByteArrayView host)
{
    QByteArrayView port;
    if (host.startsWith('[')) {
        const qsizetype close = host.indexOf(']');
        if (close < 2)
            return false;
        for (const char c : host.sliced(1, close - 1)) {
            if (!isHexDigit(c) && c != ':' && c != '.')
                return false;
        }
        const QByteArrayView rest = host.sliced(close + 1);
        if (!rest.isEmpty() && !rest.startsWith(':'))
            return false;
        port = rest.isEmpty() ? QByteArrayView() : rest.sliced(1);
        if (!rest.isEmpty() && port.isEmpty())
            return false;
    } else {
        const qsizetype colon = host.indexOf(':');
        if (colon >= 0) {
            port = host.sliced(colon + 1);
            host = host.first(colon);
            if (port.isEmpty())
                return false;
        }
        if (host.isEmpty())
            return false;
        for (qsizetype i = 0; i < host.size(); ++i) {
            const uchar u = uchar(host[i]);
            if (u == '%') {
                if (i + 2 >= host.size() || !isHexDigit(host[i + 1]) || !isHexDigit(host[i + 2]))
                    return false;
                i += 2;
                continue;
            }
            const bool ok = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || isDigit(char(u))
                || std::strchr("-._~!$&'()*+,;=", u) != nullptr;
            if (!ok)
                return false;
        }
    }
    if (port.size() > 5)
        return false;
    for (const char c : port) {
        if (!isDigit(c))
            return false;
    }
    return true;
}

// "%2F" would become a "/" in QHttpServer's decoded path, and "%00" a NUL: neither may reach a route.
bool hasEncodedSlashOrNul(QByteArrayView target)
{
    const qsizetype query = target.indexOf('?');
    const QByteArrayView path = query < 0 ? target : target.first(query);
    for (qsizetype i = 0; i + 2 < path.size(); ++i) {
        if (path[i] != '%')
            continue;
        const QByteArrayView code = path.sliced(i + 1, 2);
        if (code == "00" || AsciiCase::equal(code, "2f"))
            return true;
    }
    return false;
}

// Common methods share static data: no allocation per request.
QByteArray methodBytes(QByteArrayView method)
{
    static const QByteArray known[]
        = { QByteArrayLiteral("GET"), QByteArrayLiteral("POST"), QByteArrayLiteral("HEAD"), QByteArrayLiteral("PUT"),
              QByteArrayLiteral("DELETE"), QByteArrayLiteral("PATCH"), QByteArrayLiteral("OPTIONS") };
    for (const QByteArray& name : known) {
        if (method == name)
            return name;
    }
    return method.toByteArray();
}

// Longer values could overflow qint64 (and QHttpServer's toULongLong would wrap around).
constexpr int maxContentLengthDigits = 18;

} // namespace

RequestFramer::RequestFramer(const HttpConfig& config)
    : m_maxHeaderBytes(config.maxHeaderBytes)
    // QHttpHeaderParser drops every header of a request with more fields than this
    , m_maxHeaderCount(qMin(config.maxHeaderCount, Limits::maxHeaderCountQt))
    , m_maxBodyBytes(config.maxBodyBytes)
{ }

bool RequestFramer::isIdle() const
{
    return m_state == State::RequestLine && m_headBytes == 0;
}

void RequestFramer::useAuthorityAsHost()
{
    const qsizetype at = m_head.fieldBytes.size();
    m_head.fieldBytes += "Host";
    m_head.fieldBytes += m_authority;
    const RequestHead::Field host { at, 4, at + 4, m_authority.size() };
    for (RequestHead::Field& field : m_head.fields) {
        if (AsciiCase::equal(m_head.name(field), "host")) {
            field = host;
            return;
        }
    }
    m_head.fields.append(host);
}

void RequestFramer::consume(QByteArrayView& input, qsizetype n)
{
    input = input.sliced(n);
    m_position += n;
}

RequestFramer::Event RequestFramer::fail(int status, const char* code, const char* message)
{
    m_state = State::Failed;
    m_rejection = { status, code, message };
    return Event::Error;
}

RequestFramer::Event RequestFramer::next(QByteArrayView& input)
{
    for (;;) {
        if (m_state == State::Failed)
            return Event::Error;
        if (m_state == State::Body) {
            if (m_bodyRemaining == 0) {
                m_state = State::RequestLine;
                m_headBytes = 0;
                m_blankBytes = 0;
                return Event::Request;
            }
            if (input.isEmpty())
                return Event::NeedMore;
            const auto n = qsizetype(qMin<qint64>(m_bodyRemaining, input.size()));
            m_bodyRemaining -= n;
            consume(input, n);
            continue;
        }
        if (input.isEmpty())
            return Event::NeedMore;

        if (isIdle()) {
            // QHttpServer skips line breaks before a request line (left over after a body); so
            // must we, to see the same boundaries. Bounded, or they would hold a connection.
            qsizetype blank = 0;
            while (blank < input.size() && (input[blank] == '\r' || input[blank] == '\n'))
                ++blank;
            if (blank > 0) {
                consume(input, blank);
                m_blankBytes += blank;
                if (m_blankBytes > m_maxHeaderBytes)
                    return fail(400, "bad_request", "too many empty lines before the request line");
                continue;
            }
        }

        // Lines end at LF, with or without CR, as in QHttpServer.
        const auto* lf = static_cast<const char*>(std::memchr(input.data(), '\n', size_t(input.size())));
        const qsizetype take = lf ? qsizetype(lf - input.data()) + 1 : input.size();
        m_headBytes += take;
        if (m_headBytes > m_maxHeaderBytes) {
            if (m_state == State::RequestLine)
                return fail(414, "uri_too_long", "the request line is too long");
            return fail(431, "header_too_large", "the request head is too large");
        }
        // Early check, so that one endless line is refused before it ends (+1: a CR may follow).
        const qsizetype lineSoFar = m_line.size() + take - (lf ? 1 : 0);
        if (m_state == State::Headers && lineSoFar > Limits::maxHeaderLineBytes + 1)
            return fail(431, "header_too_large", "a header line is too long");
        if (!lf) {
            m_line.append(input.data(), take);
            consume(input, take);
            continue;
        }

        QByteArrayView line = input.first(take - 1);
        if (!m_line.isEmpty()) {
            m_line.append(line.data(), line.size());
            line = m_line;
        }
        consume(input, take);
        const Event event = m_state == State::RequestLine ? requestLine(line) : headerLine(line);
        if (!m_line.isEmpty()) // resize() is an out-of-line call per line otherwise
            m_line.resize(0); // keeps the capacity
        if (event != Event::NeedMore)
            return event;
    }
}

RequestFramer::Event RequestFramer::requestLine(QByteArrayView line)
{
    if (line.endsWith('\r'))
        line.chop(1);
    // method SP request-target SP HTTP-version, single spaces, nothing else
    const qsizetype sp1 = line.indexOf(' ');
    const qsizetype sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
    if (sp1 <= 0 || sp2 < 0)
        return fail(400, "bad_request", "malformed request line");
    const QByteArrayView method = line.first(sp1);
    const QByteArrayView target = line.sliced(sp1 + 1, sp2 - sp1 - 1);
    const QByteArrayView version = line.sliced(sp2 + 1);
    if (!isToken(method) || target.isEmpty())
        return fail(400, "bad_request", "malformed request line");
    for (const char c : target) {
        if (uchar(c) <= 0x20 || uchar(c) >= 0x7f)
            return fail(400, "bad_request", "malformed request target");
    }
    if (version.size() != 8 || !version.startsWith("HTTP/") || !isDigit(version[5]) || version[6] != '.'
        || !isDigit(version[7]))
        return fail(400, "bad_request", "malformed HTTP version");
    if (version[5] != '1')
        return fail(505, "version_not_supported", "only HTTP/1.0 and HTTP/1.1 are supported");

    // absolute-form (RFC 9112 3.2.2): its authority stands in for the Host header, and routes
    // get the origin-form path.
    m_authority.clear();
    QByteArray origin = target.toByteArray();
    for (const QByteArrayView scheme : { QByteArrayView("http://"), QByteArrayView("https://") }) {
        if (target.size() <= scheme.size() || !AsciiCase::equal(target.first(scheme.size()), scheme))
            continue;
        const QByteArrayView rest = target.sliced(scheme.size());
        qsizetype end = 0;
        while (end < rest.size() && rest[end] != '/' && rest[end] != '?')
            ++end;
        if (!isHostValue(rest.first(end)))
            return fail(400, "bad_request", "malformed authority in the request target");
        m_authority = rest.first(end).toByteArray();
        origin = (end < rest.size() && rest[end] == '/' ? QByteArray() : QByteArray("/")) + rest.sliced(end);
    }
    if (origin.front() != '/' && !(origin == "*" && method == "OPTIONS"))
        return fail(400, "bad_request", "the request target must be a path");
    if (hasEncodedSlashOrNul(origin))
        return fail(400, "bad_request", "the path must not hold an encoded \"/\" (%2F) or NUL (%00)");

    m_head = RequestHead();
    m_head.method = methodBytes(method);
    m_head.target = std::move(origin);
    // A later HTTP/1.x is served as HTTP/1.1 (RFC 9110 2.5).
    m_head.versionMinor = version[7] == '0' ? 0 : 1;
    m_head.fieldBytes.reserve(256); // what clients usually send, in one allocation
    m_headerCount = 0;
    m_sawContentLength = m_sawTransferEncoding = m_sawHost = m_sawOrigin = false;
    m_connectionClose = m_connectionKeepAlive = m_connectionUpgrade = m_websocketUpgrade = false;
    m_state = State::Headers;
    return Event::NeedMore;
}

RequestFramer::Event RequestFramer::headerLine(QByteArrayView line)
{
    if (line.endsWith('\r'))
        line.chop(1);
    if (line.isEmpty())
        return headComplete();
    if (line.size() > Limits::maxHeaderLineBytes)
        return fail(431, "header_too_large", "a header line is too long");
    if (++m_headerCount > m_maxHeaderCount)
        return fail(431, "header_too_large", "too many header fields");
    if (line.front() == ' ' || line.front() == '\t')
        return fail(400, "bad_request", "folded header lines are not accepted");
    const qsizetype colon = line.indexOf(':');
    if (colon < 0)
        return fail(400, "bad_request", "a header line has no colon");
    const QByteArrayView name = line.first(colon);
    if (!isToken(name))
        return fail(400, "bad_request", "malformed header name");
    const QByteArrayView raw = line.sliced(colon + 1);
    for (const char c : raw) {
        if ((uchar(c) < 0x20 && c != '\t') || uchar(c) == 0x7f)
            return fail(400, "bad_request", "control character in a header value");
    }
    const QByteArrayView value = trimmedOws(raw);
    // Grown and copied into, not append()ed: in Qt 6.4 that goes through insert().
    const qsizetype at = m_head.fieldBytes.size();
    m_head.fieldBytes.resize(at + line.size());
    std::memcpy(m_head.fieldBytes.data() + at, line.data(), size_t(line.size()));
    m_head.fields.append({ at, name.size(), at + (value.data() - line.data()), value.size() });

    switch (name.size()) {
    case 4:
        if (AsciiCase::equal(name, "host")) {
            if (m_sawHost)
                return fail(400, "bad_request", "more than one Host header");
            if (!isHostValue(value))
                return fail(400, "bad_request", "malformed Host header");
            m_sawHost = true;
        }
        break;
    case 6:
        if (AsciiCase::equal(name, "origin")) {
            if (m_sawOrigin)
                return fail(400, "bad_request", "more than one Origin header");
            m_sawOrigin = true;
        } else if (AsciiCase::equal(name, "expect") && m_head.versionMinor == 1) { // HTTP/1.0: ignored
            if (!AsciiCase::equal(value, "100-continue"))
                return fail(417, "expectation_failed", "only \"Expect: 100-continue\" is supported");
            m_head.expectContinue = true;
        }
        break;
    case 7:
        if (AsciiCase::equal(name, "upgrade") && containsIgnoringCase(value, "websocket"))
            m_websocketUpgrade = true;
        break;
    case 10:
        if (AsciiCase::equal(name, "connection")) {
            // QHttpServer looks for "upgrade" anywhere in the value; so do we
            m_connectionUpgrade = m_connectionUpgrade || containsIgnoringCase(value, "upgrade");
            QByteArrayView rest = value;
            while (!rest.isEmpty()) {
                const qsizetype comma = rest.indexOf(',');
                const QByteArrayView option = trimmedOws(comma < 0 ? rest : rest.first(comma));
                rest = comma < 0 ? QByteArrayView() : rest.sliced(comma + 1);
                if (AsciiCase::equal(option, "close"))
                    m_connectionClose = true;
                else if (AsciiCase::equal(option, "keep-alive"))
                    m_connectionKeepAlive = true;
            }
        }
        break;
    case 14:
        if (AsciiCase::equal(name, "content-length")) {
            if (value.isEmpty() || value.size() > maxContentLengthDigits)
                return fail(400, "bad_request", "Content-Length must be a decimal number");
            qint64 length = 0;
            for (const char c : value) {
                if (!isDigit(c))
                    return fail(400, "bad_request", "Content-Length must be a decimal number");
                length = length * 10 + (c - '0');
            }
            if (m_sawContentLength && length != m_head.contentLength)
                return fail(400, "bad_request", "conflicting Content-Length headers");
            m_sawContentLength = true;
            m_head.contentLength = length;
        }
        break;
    case 17:
        if (AsciiCase::equal(name, "transfer-encoding"))
            m_sawTransferEncoding = true;
        break;
    default:
        break;
    }
    return Event::NeedMore;
}

RequestFramer::Event RequestFramer::headComplete()
{
    if (m_head.versionMinor == 1 && !m_sawHost)
        return fail(400, "bad_request", "an HTTP/1.1 request needs a Host header");
    if (!m_authority.isEmpty())
        useAuthorityAsHost();
    if (m_sawTransferEncoding && m_sawContentLength)
        return fail(400, "bad_request", "Content-Length and Transfer-Encoding must not come together");
    // QHttpServer 6.4.2's chunked parser has FIXMEs in its CRLF handling: rather than risk
    // framing a chunked body differently from it, we take bodies with a Content-Length only.
    if (m_sawTransferEncoding)
        return fail(
            411, "length_required", "Transfer-Encoding is not supported: send the body with a Content-Length header");
    // 6.4.2 would pass such a request to its WebSocket code, which answers it twice.
    if (m_connectionUpgrade && m_websocketUpgrade)
        return fail(501, "not_implemented", "WebSocket upgrades are not supported");
    if (m_head.contentLength > m_maxBodyBytes)
        return fail(413, "body_too_large", "the request body is over the size limit");

    m_head.keepAlive = m_head.versionMinor == 1 ? !m_connectionClose : (m_connectionKeepAlive && !m_connectionClose);
    m_head.isHead = m_head.method == "HEAD";
    m_bodyRemaining = m_head.contentLength;
    m_state = State::Body;
    return Event::Head;
}
