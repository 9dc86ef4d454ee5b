#include "httppolicy.h"

#include "httpexchange.h"
#include "httpguard/asciicase.h"

namespace {

bool isDigits(QByteArrayView text, qsizetype maxSize)
{
    if (text.isEmpty() || text.size() > maxSize)
        return false;
    for (const char c : text) {
        if (c < '0' || c > '9')
            return false;
    }
    return true;
}

bool isLoopbackIpv4(QByteArrayView host)
{
    // 127.a.b.c: exactly four parts (a fifth, as in 127.0.0.1.2, makes a host name), each of one
    // to three digits and at most 255. Read in one pass: every request's Host comes here.
    if (!host.startsWith("127."))
        return false;
    int parts = 2; // the part being read
    int digits = 0;
    int value = 0;
    for (const char c : host.sliced(4)) {
        if (c == '.') {
            if (digits == 0 || ++parts > 4)
                return false;
            digits = 0;
            value = 0;
            continue;
        }
        if (c < '0' || c > '9' || ++digits > 3)
            return false;
        value = value * 10 + (c - '0');
        if (value > 255)
            return false;
    }
    return parts == 4 && digits > 0;
}

} // namespace

HttpPolicy::HttpPolicy(const HttpConfig& config)
    : m_loopbackOnly(config.loopbackOnly)
    , m_token(config.token)
{
    for (const QString& origin : config.allowedOrigins)
        m_allowedOrigins.append(origin.toUtf8());
}

bool HttpPolicy::isLoopbackHost(QByteArrayView host)
{
    // localhost, 127.x.x.x or [::1], each with an optional port
    if (host.startsWith('[')) {
        const qsizetype close = host.indexOf(']');
        if (close < 0)
            return false;
        const QByteArrayView rest = host.sliced(close + 1);
        if (!rest.isEmpty() && !(rest.startsWith(':') && isDigits(rest.sliced(1), 5)))
            return false;
        return host.sliced(1, close - 1) == "::1";
    }
    const qsizetype colon = host.indexOf(':');
    if (colon >= 0) {
        if (!isDigits(host.sliced(colon + 1), 5))
            return false;
        host = host.first(colon);
    }
    return AsciiCase::equal(host, "localhost") || isLoopbackIpv4(host);
}

bool HttpPolicy::isOriginAllowed(QByteArrayView origin, QByteArrayView host) const
{
    if (m_allowedOrigins.contains(origin))
        return true;
    // Same origin: a page this server itself served at http://<Host>. Only once the Host has
    // been checked to be loopback; otherwise a rebound evil.com would be its own "same origin".
    return m_loopbackOnly && !host.isEmpty() && origin.size() == host.size() + 7 && origin.startsWith("http://")
        && origin.endsWith(host);
}

bool HttpPolicy::constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    // Time depends on the lengths only, not on where the first difference is.
    const qsizetype size = qMax(a.size(), b.size());
    unsigned diff = a.size() == b.size() ? 0 : 1;
    for (qsizetype i = 0; i < size; ++i) {
        const uchar x = i < a.size() ? uchar(a[i]) : 0;
        const uchar y = i < b.size() ? uchar(b[i]) : 0;
        diff |= unsigned(x ^ y);
    }
    return diff == 0;
}

std::optional<HttpPolicy::Refusal> HttpPolicy::refuseHost(QByteArrayView host) const
{
    // No Host at all is HTTP/1.0 (the guard requires it in 1.1): not a browser, nothing to rebind.
    if (!m_loopbackOnly || host.isEmpty() || isLoopbackHost(host))
        return std::nullopt;
    return Refusal { 403, QStringLiteral("host_not_allowed"),
        QStringLiteral("this server only answers requests addressed to localhost"), {} };
}

std::optional<HttpPolicy::Refusal> HttpPolicy::refuseOrigin(QByteArrayView origin, QByteArrayView host) const
{
    if (origin.isEmpty() || isOriginAllowed(origin, host))
        return std::nullopt; // not a cross-origin browser call, or an allowed one
    return Refusal { 403, QStringLiteral("origin_not_allowed"),
        QStringLiteral("requests from origin %1 are not allowed").arg(QString::fromUtf8(origin)), {} };
}

std::optional<HttpPolicy::Refusal> HttpPolicy::refuseToken(QByteArrayView authorization) const
{
    if (m_token.isEmpty())
        return std::nullopt;
    const QByteArrayView scheme("Bearer ");
    if (authorization.size() > scheme.size() && AsciiCase::equal(authorization.first(scheme.size()), scheme)
        && constantTimeEquals(authorization.sliced(scheme.size()).trimmed(), m_token))
        return std::nullopt;
    return Refusal { 401, QStringLiteral("unauthorized"),
        authorization.isEmpty() ? QStringLiteral("this server needs an \"Authorization: Bearer <token>\" header")
                                : QStringLiteral("the bearer token is wrong"),
        { { QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Bearer") } } };
}

bool HttpPolicy::admit(HttpExchange& exchange, bool preflight) const
{
    if (!exchange.isConnected()) {
        exchange.dropConnection(); // nobody to answer
        return false;
    }
    QByteArray joinedHost;
    QByteArray joinedOrigin;
    QByteArray joinedAuthorization;
    const QByteArrayView host = exchange.guardedHeader("host", &joinedHost);
    const QByteArrayView origin = exchange.guardedHeader("origin", &joinedOrigin);
    std::optional<Refusal> refusal = refuseHost(host);
    if (!refusal)
        refusal = refuseOrigin(origin, host);
    // Browsers send no credentials on a CORS preflight, so it cannot need the token.
    if (!refusal && !preflight)
        refusal = refuseToken(exchange.guardedHeader("authorization", &joinedAuthorization));
    if (refusal) {
        exchange.respondError(refusal->status, refusal->code, refusal->message, refusal->headers);
        return false;
    }
    if (!origin.isEmpty())
        exchange.setCorsOrigin(origin.toByteArray());
    return true;
}
