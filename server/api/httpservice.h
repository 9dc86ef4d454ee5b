#pragma once

#include "api/bulkapi.h"
#include "api/clockapi.h"
#include "api/faultsapi.h"
#include "api/httproutes.h"
#include "api/jobsapi.h"
#include "api/queuesapi.h"
#include "api/sinksapi.h"
#include "api/systemapi.h"
#include "api/workersapi.h"
#include "httpguard/httpconfig.h"
#include "httpguard/httpmetrics.h"

#include <QHostAddress>
#include <QHttpServer>
#include <QObject>

class RequestLog;
class SinkStore;

// Lives on the HTTP thread and owns everything there: the QHttpServer with its routes, its
// guarded listener, and the API handlers. Server calls in through blocking queued calls.
// QHttpServer parses, routes and answers every request; the listener's guard checks each one
// before QHttpServer reads it (see guardedsocket.h for why).
class HttpService : public QObject
{
    Q_OBJECT
public:
    HttpService(Engine* engine, const HttpConfig& config, RequestLog* requestLog, SinkStore* sinks);

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
    RequestLog* const m_requestLog;
    HttpMetrics m_metrics;
    HttpRoutes m_routes;
    BulkApi m_bulk;
    JobsApi m_jobs;
    QueuesApi m_queues;
    SystemApi m_system;
    WorkersApi m_workers;
    FaultsApi m_faults;
    ClockApi m_clock;
    SinksApi m_sinks;
};
