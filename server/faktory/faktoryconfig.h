#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QtGlobal>

#include <functional>

// The Faktory-compatible listener's settings; app/ fills them from --faktory-port and
// --faktory-password, the window from its setting.
struct FaktoryConfig
{
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 0; // 0: any free port
    QByteArray password; // empty: no password handshake
    qint64 maxLineBytes = 0; // one command line (a PUSHB holds a whole batch); 0: Limits::maxBodyBytes
    int maxConnections = 0; // 0: Limits::maxConnections
    // The delay before a FAILed job's next attempt, by how often it failed before. Empty:
    // Faktory's documented backoff (FaktoryJob::retryDelayMs); tests shorten it.
    std::function<qint64(int retryCount)> retryDelayMs;
};
