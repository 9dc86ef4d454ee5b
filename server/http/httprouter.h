#pragma once

#include "httpconfig.h"
#include "httpexchange.h"
#include "httprequest.h"

#include <QHttpServerRequest>
#include <QString>

#include <functional>
#include <memory>

class HttpMetrics;
class RequestLog;

using HttpHandler = std::function<void(const HttpExchangePtr&)>;

// The API's route table. Every request first passes HttpPolicy (Host, Origin, token);
// handlers get an HttpExchange and answer it, at once or later after defer(). A handler that
// throws or forgets to answer gets a 500, and the server lives on. Unmatched requests get CORS
// preflight answers, 405 with Allow, 501 or 404, all as JSON. Use on the HTTP thread; add
// routes before listening. Wiring:
//
//   HttpRouter router(config, &metrics, &log);
//   router.add(Method::Get, u"/jobs/<arg>"_s, u"/jobs/{id}"_s, [](const HttpExchangePtr& ex) { ... });
//   auto* listener = new GuardedTcpServer(config);
//   listener->setRequestHandler(router.requestHandler());
//   listener->listen(QHostAddress::LocalHost, port);
class HttpRouter
{
public:
    // `metrics` and `log` may be null; else they must outlive every request's HttpExchange.
    explicit HttpRouter(const HttpConfig& config, HttpMetrics* metrics = nullptr, RequestLog* log = nullptr);
    ~HttpRouter();

    // `pattern` as QHttpServer takes it, with at most one "<arg>" (a path segment, given to
    // the handler as pathArg()): "/jobs", "/jobs/<arg>", "/queues/<arg>/pause". `routeName`
    // labels metrics ("/jobs/{id}"). GET routes answer HEAD too. The first route matching a
    // request's method and path handles it. False for a malformed pattern.
    bool add(
        QHttpServerRequest::Methods methods, const QString& pattern, const QString& routeName, HttpHandler handler);
    // For GuardedTcpServer::setRequestHandler().
    HttpRequestHandler requestHandler() const;

private:
    struct Route;
    struct Shared;
    std::shared_ptr<Shared> m_shared; // also held by requestHandler()'s function
};
