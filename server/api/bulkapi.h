#pragma once

#include "api/httpexchange.h"
#include "engine.h"

#include <QThreadPool>

#include <memory>

class HttpRoutes;
class PostedCalls;
class QObject;

// POST /jobs/bulk/{retry|cancel|delete}: one action on every job that passes a filter, or with
// "dry_run" the count it would touch. The engine's work (store reads, the commit) runs off the
// HTTP thread, one action at a time; the answer is posted back to `context`'s thread.
class BulkApi
{
public:
    BulkApi(Engine* engine, QObject* context);
    ~BulkApi();
    BulkApi(const BulkApi&) = delete;
    BulkApi& operator=(const BulkApi&) = delete;
    // Before JobsApi's routes: "/jobs/bulk/retry" would otherwise be "/jobs/{id}/retry".
    void addRoutes(HttpRoutes& routes);

private:
    void act(const HttpExchangePtr& exchange);

    Engine* const m_engine;
    const std::shared_ptr<PostedCalls> m_answers; // -> HTTP thread
    QThreadPool m_runner; // one thread: bulk actions run one after the other
};
