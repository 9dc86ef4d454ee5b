#include "server.h"

#include "api/httpservice.h"
#include "defaultlimits.h"
#include "engine/queuedcall.h"
#include "engine/threadjoin.h"
#include "faktory/faktoryserver.h"
#include "requestlog.h"
#include "sink/sinkstore.h"

#include <QThread>

class ServerPrivate
{
public:
    // Runs `work` on the HTTP thread and waits for it: listen and close are quick.
    template <typename Work> void onHttpThread(Work&& work)
    {
        QueuedCall::invoke(&anchor, std::forward<Work>(work), Qt::BlockingQueuedConnection);
    }

    ServerConfig config;
    Engine* engine = nullptr;
    RequestLog requestLog;
    std::unique_ptr<SinkStore> sinks;
    QThread thread;
    QObject anchor; // lives on `thread`, so work can be posted there
    HttpService* service = nullptr; // created, used and deleted on `thread`
    quint16 port = 0; // the bound port, reused by a later start
    bool listening = false; // main thread
    bool stopping = false;
    std::unique_ptr<FaktoryServer> faktory; // while the Faktory port is set
    quint16 faktoryPort = 0; // the bound port, reused by a later start
};

namespace {
HttpConfig httpConfig(const ServerConfig& config)
{
    HttpConfig http;
    http.maxBodyBytes = config.maxBodyBytes > 0 ? config.maxBodyBytes : Limits::maxBodyBytes;
    http.maxConnections = config.maxConnections > 0 ? config.maxConnections : Limits::maxConnections;
    http.headerTimeoutSecs = config.headerTimeoutSecs > 0 ? config.headerTimeoutSecs : Limits::headerTimeoutSecs;
    http.idleTimeoutSecs = config.idleTimeoutSecs > 0 ? config.idleTimeoutSecs : Limits::idleTimeoutSecs;
    http.loopbackOnly = config.address.isLoopback();
    http.allowedOrigins = config.allowedOrigins;
    http.token = config.token;
    return http;
}
} // namespace

Server::Server(const ServerConfig& config, Engine* engine, QObject* parent)
    : QObject(parent)
    , d(std::make_unique<ServerPrivate>())
{
    d->config = config;
    d->engine = engine;
    d->sinks = std::make_unique<SinkStore>(engine->deliverySettings());
    d->thread.setObjectName(QStringLiteral("queuelab-http"));
    d->anchor.moveToThread(&d->thread);
    ThreadJoin::markJoinable(d->thread);
    d->thread.start();
    engine->deferWakeupsOn(&d->thread);
    d->onHttpThread(
        [this] { d->service = new HttpService(d->engine, httpConfig(d->config), &d->requestLog, d->sinks.get()); });
    // The stop is complete once the last connection is gone, its answer delivered.
    connect(d->service, &HttpService::closed, this, &Server::stopped, Qt::QueuedConnection);

    // The listener closes only once the drain is over: reads keep working while jobs finish.
    connect(engine, &Engine::stateChanged, this, [this](EngineState state) {
        if (state == EngineState::Stopped && d->stopping)
            closeListener();
    });
}

Server::~Server()
{
    d->faktory.reset();
    d->engine->deferWakeupsOn(nullptr); // the HTTP thread ends here
    d->onHttpThread([this] {
        delete d->service;
        d->service = nullptr;
    });
    d->thread.quit();
    ThreadJoin::waitJoined(d->thread);
}

bool Server::start(QString* error)
{
    d->stopping = false;
    d->engine->start();
    if (d->listening)
        return true;
    quint16 port = 0;
    const quint16 wanted = d->port ? d->port : d->config.port;
    d->onHttpThread([&] { port = d->service->listen(d->config.address, wanted, error); });
    if (!port) {
        d->engine->stop(0);
        return false;
    }
    d->port = port;
    if (!startFaktory(error)) {
        d->onHttpThread([this] { d->service->close(); });
        d->engine->stop(0);
        return false;
    }
    d->listening = true;
    Q_EMIT listening(url());
    return true;
}

bool Server::startFaktory(QString* error)
{
    if (d->config.faktoryPort < 0)
        return true;
    // As for HTTP's token: a job queue must not be reachable from the network by accident.
    if (!d->config.address.isLoopback() && d->config.faktoryPassword.isEmpty()) {
        *error = QStringLiteral("refusing to serve Faktory clients on %1 without --faktory-password")
                     .arg(d->config.address.toString());
        return false;
    }
    if (!d->faktory) {
        FaktoryConfig config;
        config.address = d->config.address;
        config.port = d->faktoryPort ? d->faktoryPort : quint16(d->config.faktoryPort);
        config.password = d->config.faktoryPassword;
        config.maxLineBytes = d->config.maxBodyBytes > 0 ? d->config.maxBodyBytes : Limits::maxBodyBytes;
        config.maxConnections = d->config.maxConnections;
        config.retryDelayMs = d->config.faktoryRetryDelayMs;
        d->faktory = std::make_unique<FaktoryServer>(d->engine, config);
    }
    d->faktoryPort = d->faktory->listen(error);
    if (!d->faktoryPort) {
        d->faktory.reset();
        return false;
    }
    Q_EMIT faktoryAddressChanged(faktoryAddress());
    return true;
}

QString Server::faktoryAddress() const
{
    if (!d->faktory || !d->faktory->isListening())
        return {};
    return QStringLiteral("tcp://%1:%2").arg(d->config.address.toString()).arg(d->faktory->port());
}

int Server::faktoryPort() const
{
    return d->config.faktoryPort;
}

bool Server::setFaktoryPort(int port, QString* error)
{
    if (port == d->config.faktoryPort)
        return true;
    const int previous = d->config.faktoryPort;
    if (d->faktory) {
        d->faktory.reset(); // closes it and its connections
        Q_EMIT faktoryAddressChanged({});
    }
    d->config.faktoryPort = port;
    d->faktoryPort = 0;
    if (!d->listening || startFaktory(error))
        return true;
    d->config.faktoryPort = previous;
    return false;
}

void Server::stop(int drainDeadlineMs)
{
    if (!d->listening)
        return;
    d->stopping = true;
    if (d->engine->state() == EngineState::Stopped)
        closeListener();
    else
        d->engine->stop(drainDeadlineMs);
}

void Server::closeListener()
{
    d->stopping = false;
    d->listening = false;
    if (d->faktory) {
        d->faktory->close();
        Q_EMIT faktoryAddressChanged({});
    }
    d->onHttpThread([this] { d->service->close(); });
}

void Server::stopNow()
{
    stop(0);
}

bool Server::isListening() const
{
    return d->listening;
}

QUrl Server::url() const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(d->config.address.toString());
    url.setPort(d->port ? d->port : d->config.port);
    return url;
}

Engine* Server::engine() const
{
    return d->engine;
}

const SinkReader* Server::sinks() const
{
    return d->sinks.get();
}

RequestLog* Server::requestLog() const
{
    return &d->requestLog;
}
