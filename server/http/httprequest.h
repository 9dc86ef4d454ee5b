#pragma once

#include "requesthead.h"

#include <QByteArray>

#include <functional>

class GuardedSocket;

// One complete request, as a connection hands it to its listener's request handler.
struct HttpRequest
{
    RequestHead head;
    QByteArray body;
};

// Answers through HttpExchange (see httprouter.h), at once or later, on the HTTP thread.
using HttpRequestHandler = std::function<void(HttpRequest&& request, GuardedSocket* connection)>;
