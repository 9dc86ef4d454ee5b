#pragma once

#include "faults.h"
#include "httpexchange.h"
#include "httpguard/continuecheck.h"
#include "httpguard/httpconfig.h"

#include <QHttpServerRequest>
#include <QString>

#include <functional>
#include <memory>

class HttpMetrics;
class QHttpServer;
class RequestLog;

using HttpHandler = std::function<void(const HttpExchangePtr&)>;

// The API's route table, registered with QHttpServer::route(). Every request first passes
// HttpPolicy (Host, Origin, token); handlers get an HttpExchange and answer it, at once or
// later after defer(). A handler that throws or forgets to answer gets a 500, and the server
// lives on (6.4.2 would terminate on the exception). QHttpServer answers a known path's other
// methods with 404; here they get 405 with Allow, and OPTIONS, unknown methods and unknown
// paths get their answers too, all as JSON. Use on the HTTP thread, before listening:
//
//   HttpRoutes routes(config, &metrics, &log);
//   routes.add(Method::Get, u"/jobs/<arg>"_s, u"/jobs/{id}"_s, [](const HttpExchangePtr& ex) { ... });
//   routes.registerWith(httpServer);
class HttpRoutes
{
public:
    // `metrics` and `log` may be null; else they must outlive every request's HttpExchange.
    explicit HttpRoutes(const HttpConfig& config, HttpMetrics* metrics = nullptr, RequestLog* log = nullptr);
    ~HttpRoutes();

    // `pattern` as QHttpServer takes it, with at most one "<arg>" (a path segment, given to
    // the handler as pathArg()): "/jobs", "/jobs/<arg>", "/queues/<arg>/pause". `routeName`
    // labels metrics ("/jobs/{id}"). GET routes answer HEAD too. The first route matching a
    // request's method and path handles it. False for a malformed pattern.
    // `body`: what a request body must be; the guard refuses any other before the body is sent.
    enum class Body { Json, Any };
    bool add(QHttpServerRequest::Methods methods, const QString& pattern, const QString& routeName, HttpHandler handler,
        Body body = Body::Json);
    // Registers every route with `server`, then for each path one rule for the methods it does
    // not serve, and the missing handler. False if QHttpServer refused a rule.
    bool registerWith(QHttpServer& server) const;
    // For GuardedTcpServer::setContinueCheck(): what the routes would answer a request from its
    // head alone (a policy refusal, 404, 405, 415), so that no body is asked for in vain.
    ContinueCheck continueCheck() const;
    // Asked once per routed request, except on the /faults routes (so that a fault can always be
    // switched off): what an injected HTTP fault does to it (Engine::httpFault()).
    void setFaultHook(std::function<HttpFaultDecision()> hook);

private:
    struct Route;
    struct Shared;
    std::shared_ptr<Shared> m_shared; // also held by the rules registered with QHttpServer
};
