#pragma once

#include "api/httpexchange.h"
#include "engine.h"

class HttpRoutes;

// The engine's clock over HTTP: GET /clock reads it; POST /clock switches it between real and
// virtual or advances a virtual one, by a duration or to the next due event.
class ClockApi
{
public:
    explicit ClockApi(Engine* engine);
    void addRoutes(HttpRoutes& routes);

private:
    void get(const HttpExchangePtr& exchange);
    void post(const HttpExchangePtr& exchange);
    void answer(const HttpExchangePtr& exchange, const EngineResult<EngineClock::State>& result);

    Engine* const m_engine;
};
