#pragma once

#include "api/httpexchange.h"
#include "engine.h"

class HttpRoutes;

// /queues routes: list the named queues, pause and resume them, limit their concurrency; and
// /processing: pause and resume all processing at once.
class QueuesApi
{
public:
    explicit QueuesApi(Engine* engine);
    void addRoutes(HttpRoutes& routes);

private:
    void list(const HttpExchangePtr& exchange);
    void setPaused(const HttpExchangePtr& exchange, bool paused);
    void setConcurrency(const HttpExchangePtr& exchange);
    void answer(const HttpExchangePtr& exchange, const EngineResult<QueueInfo>& result);
    void answerProcessing(const HttpExchangePtr& exchange);

    Engine* const m_engine;
};

QJsonObject queueToJson(const QueueInfo& queue);
