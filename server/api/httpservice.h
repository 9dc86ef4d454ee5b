#pragma once

#include "api/jobsapi.h"
#include "api/queuesapi.h"
#include "api/systemapi.h"
#include "http/httpconfig.h"
#include "http/httpmetrics.h"
#include "http/httprouter.h"

#include <QHostAddress>
#include <QHttpServer>
#include <QObject>

class RequestLog;

// Lives on the HTTP thread and owns everything there: the QHttpServer, its guarded listener,
// the route table and the API handlers. Server calls in through blocking queued calls.
// QHttpServer owns the listener; the listener's connections parse and route requests
// themselves (see guardedsocket.h for why), so QHttpServer's own parser stays idle.
class HttpService : public QObject
{
    Q_OBJECT
public:
    HttpService(Engine* engine, const HttpConfig& config, RequestLog* requestLog);

    // Listens on address:port (0: any free port). Returns the port, or 0 with `error` set.
    quint16 listen(const QHostAddress& address, quint16 port, QString* error);
    // Stops accepting and closes every connection, letting answers in progress go out first.
    // closed() follows once every connection is gone.
    void close();
    bool isListening() const;

Q_SIGNALS:
    void closed();

private:
    QHttpServer m_http;
    HttpConfig m_config;
    HttpMetrics m_metrics;
    HttpRouter m_router;
    JobsApi m_jobs;
    QueuesApi m_queues;
    SystemApi m_system;
};
