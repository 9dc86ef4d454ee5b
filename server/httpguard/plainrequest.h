#pragma once

#include "requesthead.h"

#include <QByteArray>

// The head of a checked request as the guard hands it to QHttpServer: the request line as
// HTTP/1.1, every field but Connection, Keep-Alive, Expect and Content-Length, and one
// Content-Length for a body. The guard answers those fields itself; left out, nothing in the
// head can make QHttpServer 6.4.2 frame the body differently or take the WebSocket upgrade path.
QByteArray plainRequestHead(const RequestHead& head, qsizetype bodySize);
