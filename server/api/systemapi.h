#pragma once

#include "api/httpexchange.h"
#include "engine.h"

class HttpMetrics;
class HttpRoutes;

// The routes about the server itself: /stats, /health, /metrics, /openapi.json.
class SystemApi
{
public:
    SystemApi(Engine* engine, const HttpMetrics* httpMetrics);
    void addRoutes(HttpRoutes& routes);

private:
    void stats(const HttpExchangePtr& exchange);
    void health(const HttpExchangePtr& exchange);
    void metrics(const HttpExchangePtr& exchange);
    void openApi(const HttpExchangePtr& exchange);

    Engine* const m_engine;
    const HttpMetrics* const m_httpMetrics;
};
