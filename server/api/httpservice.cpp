#include "httpservice.h"

#include "defaultlimits.h"
#include "httpguard/guardedtcpserver.h"

#include <QTimer>

HttpService::HttpService(Engine* engine, const HttpConfig& config, RequestLog* requestLog, SinkStore* sinks)
    : m_config(config)
    , m_requestLog(requestLog)
    , m_routes(m_config, &m_metrics, requestLog)
    , m_bulk(engine, this)
    , m_jobs(engine, this)
    , m_queues(engine)
    , m_system(engine, &m_metrics)
    , m_workers(engine, this)
    , m_faults(engine)
    , m_clock(engine)
    , m_sinks(sinks, this)
{
    m_bulk.addRoutes(m_routes); // first: its paths would match /jobs/{id}/retry
    m_jobs.addRoutes(m_routes);
    m_queues.addRoutes(m_routes);
    m_system.addRoutes(m_routes);
    m_workers.addRoutes(m_routes);
    m_faults.addRoutes(m_routes);
    m_routes.setFaultHook([engine] { return engine->httpFault(); });
    m_clock.addRoutes(m_routes);
    m_sinks.addRoutes(m_routes);
    m_routes.registerWith(m_http);
}

quint16 HttpService::listen(const QHostAddress& address, quint16 port, QString* error)
{
    auto* listener = new GuardedTcpServer(m_config);
    listener->setMetrics(&m_metrics); // requests refused before routing count under "(guard)"
    listener->setRequestLog(m_requestLog); // and the dashboard's request log shows them
    listener->setContinueCheck(m_routes.continueCheck());
    if (!listener->listen(address, port)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                     .arg(address.toString())
                     .arg(port)
                     .arg(listener->errorString());
        delete listener;
        return 0;
    }
    m_http.bind(listener); // takes ownership, and takes each connection's channel from it

    return listener->serverPort();
}

void HttpService::close()
{
    m_workers.answerLongPolls();
    m_jobs.answerLongPolls(); // before their connections close: an answer, not a dropped connection
    const QList<QTcpServer*> listeners = m_http.servers();
    auto open = std::make_shared<int>(int(listeners.size()));
    for (QTcpServer* server : listeners) {
        auto* listener = qobject_cast<GuardedTcpServer*>(server);
        listener->close();
        connect(listener, &QObject::destroyed, this, [this, open] {
            if (--*open == 0)
                Q_EMIT closed();
        });
        // Idle connections close now, busy ones right after their answer (with Connection: close).
        listener->closeConnections();
        if (listener->connectionCount() == 0) {
            listener->deleteLater();
            continue;
        }
        connect(listener, &GuardedTcpServer::connectionCountChanged, listener, [listener](int count) {
            if (count == 0)
                listener->deleteLater();
        });
        // A client that never reads its answer must not keep the old listener alive forever.
        QTimer::singleShot(Limits::lingerMs * 2, listener, &QObject::deleteLater);
    }
    if (listeners.isEmpty())
        Q_EMIT closed();
}

bool HttpService::isListening() const
{
    const auto listeners = m_http.servers();
    return std::any_of(listeners.begin(), listeners.end(), [](QTcpServer* s) { return s->isListening(); });
}
