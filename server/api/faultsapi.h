#pragma once

#include "api/httpexchange.h"
#include "engine.h"

class HttpRoutes;

// /faults routes: switch injected faults on (POST), list them (GET), and off (DELETE one, or
// all). The /faults routes themselves are never slowed or dropped by an HTTP fault.
class FaultsApi
{
public:
    explicit FaultsApi(Engine* engine);
    void addRoutes(HttpRoutes& routes);

private:
    void list(const HttpExchangePtr& exchange);
    void get(const HttpExchangePtr& exchange);
    void create(const HttpExchangePtr& exchange);
    void remove(const HttpExchangePtr& exchange);
    void clear(const HttpExchangePtr& exchange);

    Engine* const m_engine;
};

QJsonObject faultToJson(const Fault& fault);
