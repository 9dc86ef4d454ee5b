#pragma once

#include "httpheaders.h"

#include <QByteArray>

// One whole HTTP/1.1 response, serialized in one piece. We frame responses
// ourselves instead of using QHttpServerResponder: 6.4.2's does about 8 small writes per
// answer, sends a body to HEAD requests and knows nothing of Connection: close.
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
    // "content-type" -> "Content-Type", keeping one spelling per header on the wire
    static QByteArray canonicalName(const QByteArray& name);
};
