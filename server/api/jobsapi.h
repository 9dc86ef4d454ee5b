#pragma once

#include "api/httpexchange.h"
#include "engine.h"

#include <QHash>
#include <QThreadPool>

class HttpRoutes;
class PostedCalls;
class QObject;

// /jobs routes: submit (single and batch), read, long-poll, list, cancel, retry, run now.
// Handlers run on the HTTP thread; answers that wait (store commit, wait_ms) are deferred and
// posted back to `context`, which lives on that thread.
class JobsApi
{
public:
    JobsApi(Engine* engine, QObject* context);
    ~JobsApi();
    JobsApi(const JobsApi&) = delete;
    JobsApi& operator=(const JobsApi&) = delete;
    void addRoutes(HttpRoutes& routes);
    // A graceful stop: every long poll still waiting gets the job as it is now.
    void answerLongPolls();

private:
    void submit(const HttpExchangePtr& exchange);
    void submitBatch(const HttpExchangePtr& exchange);
    void get(const HttpExchangePtr& exchange);
    void list(const HttpExchangePtr& exchange);
    void cancel(const HttpExchangePtr& exchange);
    void retry(const HttpExchangePtr& exchange);
    void runNow(const HttpExchangePtr& exchange); // a scheduled job, into its queue now
    // Answers 202 once the jobs are durable: at once for the in-memory store, else after the commit.
    void acceptWhenDurable(const HttpExchangePtr& exchange, const QList<JobSpec>& specs, bool batch);

    struct LongPoll
    {
        HttpExchangePtr exchange;
        JobId id = 0;
        quint64 handle = 0; // the engine's wait
    };
    void answerNow(const LongPoll& poll);

    Engine* const m_engine;
    QObject* const m_context;
    const std::shared_ptr<PostedCalls> m_durableAnswers; // commit callbacks -> HTTP thread
    QHash<const HttpExchange*, LongPoll> m_longPolls; // HTTP thread only; answered ones leave
    QThreadPool m_pageBuilders; // GET /jobs pages: read and written off the HTTP thread
};
