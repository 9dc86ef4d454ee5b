#pragma once

#include "api/httpexchange.h"

class HttpRoutes;
class QObject;
class SinkStore;

// The built-in sink over HTTP: any request to /sink/{name} is kept and answered as the sink's
// script says (a delayed answer is deferred and comes back on `context`, on the HTTP thread);
// /sinks lists the sinks, shows what one received, sets its script, or deletes it.
class SinksApi
{
public:
    SinksApi(SinkStore* store, QObject* context);
    void addRoutes(HttpRoutes& routes);

private:
    void receive(const HttpExchangePtr& exchange);
    void list(const HttpExchangePtr& exchange);
    void show(const HttpExchangePtr& exchange);
    void setScript(const HttpExchangePtr& exchange);
    void remove(const HttpExchangePtr& exchange);
    bool checkName(const HttpExchangePtr& exchange); // false after answering 404

    SinkStore* const m_store;
    QObject* const m_context;
};
