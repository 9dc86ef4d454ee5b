#pragma once

#include "engine.h"

#include <QHostAddress>
#include <QObject>
#include <QUrl>

#include <memory>

class RequestLog;
class SinkReader;
class ServerPrivate;

// Everything the HTTP side needs to know; app/ fills it from the command line.
struct ServerConfig
{
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 8080;
    QByteArray token; // empty: no authentication
    QStringList allowedOrigins;
    qint64 maxBodyBytes = 0; // 0: Limits::maxBodyBytes
    int maxConnections = 0; // 0: Limits::maxConnections
    int headerTimeoutSecs = 0; // 0: Limits::headerTimeoutSecs
    int idleTimeoutSecs = 0; // 0: Limits::idleTimeoutSecs
    // The Faktory-compatible work protocol on the same address: -1 off, 0 any free port.
    int faktoryPort = -1;
    QByteArray faktoryPassword; // empty: no password handshake (refused beyond loopback)
    // Empty: Faktory's backoff for FAILed jobs (15 s and more); tests shorten it.
    std::function<qint64(int retryCount)> faktoryRetryDelayMs;
};

// QueueLab's server: the engine plus the HTTP API on its own thread. This is what app/ and
// ui/ drive; Start and Stop are the dashboard's buttons and the headless signals.
//
// Stop is the graceful shutdown of the API contract: intake stops at once (POST answers 503 with
// Retry-After, reads keep working), running jobs get the drain deadline and are then cancelled
// back into the queue, queued jobs stay, and finally the listener and its connections close.
class Server : public QObject
{
    Q_OBJECT
public:
    Server(const ServerConfig& config, Engine* engine, QObject* parent = nullptr);
    ~Server() override;

    // Starts the engine and listens. False with a message (port taken, bad address, ...).
    // Once started, start() again after a stop listens on the same address and port.
    bool start(QString* error);
    void stop(int drainDeadlineMs = -1);
    void stopNow(); // skip the drain wait: cancel running jobs now
    bool isListening() const;
    QUrl url() const; // http://ADDR:PORT with the real port
    // tcp://ADDR:PORT of the Faktory-compatible listener while it listens; empty when it is off.
    QString faktoryAddress() const;
    // Turns the Faktory listener on (port 0: any free one) or off (-1), now if the server is
    // listening, else at the next start. False with a message when it cannot listen.
    bool setFaktoryPort(int port, QString* error);
    int faktoryPort() const; // as configured: -1 off

    Engine* engine() const;
    RequestLog* requestLog() const; // thread-safe; the dashboard polls it
    const SinkReader* sinks() const; // thread-safe; the built-in sink (/sink/{name})

Q_SIGNALS:
    void listening(const QUrl& url);
    // The Faktory listener's address changed: tcp://ADDR:PORT, or empty when it stopped.
    void faktoryAddressChanged(const QString& address);
    // The listener closed and every connection is gone: the stop is complete.
    void stopped();

private:
    void closeListener();
    bool startFaktory(QString* error);

    std::unique_ptr<ServerPrivate> d;
};
