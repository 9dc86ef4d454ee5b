#pragma once

#include "api/httpexchange.h"
#include "engine.h"

#include <QHash>

class HttpRoutes;
class QObject;
class QTimer;

// The HTTP worker API: external workers register, beat, lease jobs (long poll), extend, report
// progress, and complete or fail their leases (one by one, or many in one call); GET /workers lists them with their
// leases (never the tokens); an operator may expire a lease now. Handlers run on the HTTP thread; answers that wait (a
// lease's wait_ms, the commit of an outcome) are deferred and come back on `context`, which lives on that thread.
class WorkersApi
{
public:
    WorkersApi(Engine* engine, QObject* context);
    ~WorkersApi();
    WorkersApi(const WorkersApi&) = delete;
    WorkersApi& operator=(const WorkersApi&) = delete;
    void addRoutes(HttpRoutes& routes);
    // A graceful stop: every lease request still waiting is withdrawn and answered with no jobs.
    void answerLongPolls();

private:
    void registerWorker(const HttpExchangePtr& exchange);
    void list(const HttpExchangePtr& exchange);
    void beat(const HttpExchangePtr& exchange);
    void lease(const HttpExchangePtr& exchange);
    void extend(const HttpExchangePtr& exchange);
    void progress(const HttpExchangePtr& exchange);
    void complete(const HttpExchangePtr& exchange);
    void fail(const HttpExchangePtr& exchange);
    void finishMany(const HttpExchangePtr& exchange); // complete or fail many leases in one call
    void expire(const HttpExchangePtr& exchange);

    struct LeasePoll
    {
        HttpExchangePtr exchange;
        quint64 handle = 0; // the engine's wait
        QTimer* watch = nullptr; // notices a client that went away
    };
    void endPoll(const HttpExchange* exchange);

    Engine* const m_engine;
    QObject* const m_context;
    QHash<const HttpExchange*, LeasePoll> m_leasePolls; // HTTP thread only; answered ones leave
};
