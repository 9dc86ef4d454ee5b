#pragma once

#include "httpheaders.h"

#include <QByteArray>
#include <QtGlobal>

// One complete, validated request head, as RequestFramer parsed it. GuardedSocket keeps it per
// unanswered request, so that the answer is framed for it (HEAD, keep-alive).
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
    HttpHeaders headers; // every field, Host and Origin included
};
