#pragma once

#include <QByteArray>
#include <QtGlobal>

// What the guard learned from one complete request head; kept per unanswered request so the
// answer can be framed for it (HEAD, keep-alive) and checked against it (Origin).
struct RequestHead
{
    QByteArray method;
    QByteArray target;
    int versionMinor = 1; // HTTP/1.x
    bool keepAlive = true; // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with keep-alive
    bool isHead = false;
    QByteArray host; // empty when absent (allowed for HTTP/1.0 only)
    QByteArray origin; // empty when absent
    qint64 contentLength = 0;
    bool expectContinue = false; // cleared once "100 Continue" has been sent
};
