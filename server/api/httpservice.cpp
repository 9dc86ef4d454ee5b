#include "httpservice.h"

#include "http/guardedtcpserver.h"

#include <QTcpSocket>

HttpService::HttpService(Engine* engine, const HttpConfig& config, RequestLog* requestLog)
    : m_config(config)
    , m_router(&m_http, m_config, &m_metrics, requestLog)
    , m_jobs(engine, this)
    , m_queues(engine)
    , m_system(engine, &m_metrics)
{
    m_jobs.addRoutes(m_router);
    m_queues.addRoutes(m_router);
    m_system.addRoutes(m_router);
}

quint16 HttpService::listen(const QHostAddress& address, quint16 port, QString* error)
{
    auto* listener = new GuardedTcpServer(m_config);
    if (!listener->listen(address, port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3").arg(address.toString()).arg(port).arg(listener->errorString());
        delete listener;
        return 0;
    }
    m_http.bind(listener); // takes ownership
    return listener->serverPort();
}

void HttpService::close()
{
    for (QTcpServer* listener : m_http.servers()) {
        listener->close();
        for (QTcpSocket* socket : listener->findChildren<QTcpSocket*>())
            socket->disconnectFromHost();
        listener->deleteLater(); // aborts what is left of its connections
    }
}

bool HttpService::isListening() const
{
    const auto listeners = m_http.servers();
    return std::any_of(listeners.begin(), listeners.end(), [](QTcpServer* s) { return s->isListening(); });
}
