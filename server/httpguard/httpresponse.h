#pragma once

#include "httpheaders.h"

#include <QByteArray>

// An answer the guard gives itself, to a request QHttpServer never sees (refused framing, a
// timeout, the connection limit), serialized in one piece; and the header rules every answer
// follows, QHttpServer's included.
struct HttpResponse
{
    int status = 200;
    QByteArray contentType;
    QByteArray body;
    HttpHeaders headers; // extra ones; framing headers here are ignored (we own the framing)
    bool headOnly = false; // HEAD: the GET's headers and Content-Length, no body bytes
    bool close = false; // adds "Connection: close"
    bool keepAlive10 = false; // adds "Connection: keep-alive": HTTP/1.0 clients assume close otherwise

    QByteArray serialize() const;
    void appendTo(QByteArray& out) const; // serialize() onto the end of `out`: no copy of its own

    static QByteArray reasonPhrase(int status);
    // Framing headers are the guard's to write: a handler's would contradict them.
    static bool isFramingHeader(const QByteArray& name);
    // A CR or LF in a header would let a handler inject headers or a whole response.
    static bool isSafeHeader(const QByteArray& name, const QByteArray& value);
    // "content-type" -> "Content-Type", keeping one spelling per header on the wire
    static QByteArray canonicalName(const QByteArray& name);
};
