#pragma once

#include "requesthead.h"

#include <QByteArray>
#include <QHttpServerRequest>
#include <QString>

#include <functional>

class GuardedSocket;

// One complete request, as a connection hands it to its listener's request handler.
struct HttpRequest
{
    HttpRequest(RequestHead head, QByteArray body);

    RequestHead head;
    QByteArray body;
    QHttpServerRequest::Method method; // head.method's
    QString path; // head.target's path, percent-decoded, without the query: what routes match
};

// Answers through HttpExchange (see httprouter.h), at once or later, on the HTTP thread.
using HttpRequestHandler = std::function<void(HttpRequest&& request, GuardedSocket* connection)>;
