#pragma once

#include "httpconfig.h"
#include "httpexchange.h"

#include <QHttpServerRequest>
#include <QString>

#include <functional>
#include <memory>

class HttpMetrics;
class QHttpServer;
class RequestLog;

using HttpHandler = std::function<void(const HttpExchangePtr&)>;

// The API's route table on top of a QHttpServer (bound to a GuardedTcpServer). Every request
// first passes HttpPolicy (Host, Origin, token); handlers get an HttpExchange and answer it,
// at once or later after defer(). A handler that throws or forgets to answer gets a 500, and
// the server lives on. Unmatched requests get CORS preflight answers, 405 with Allow, 501 or
// 404, all as JSON. Use on the HTTP thread; add routes before listening. Wiring:
//
//   auto* listener = new GuardedTcpServer(config);
//   listener->listen(QHostAddress::LocalHost, port);
//   http.bind(listener); // takes ownership
//   HttpRouter router(&http, config, &metrics, &log);
//   router.add(Method::Get, u"/jobs/<arg>"_s, u"/jobs/{id}"_s, [](const HttpExchangePtr& ex) { ... });
class HttpRouter
{
public:
    // `metrics` and `log` may be null; else they must outlive every request's HttpExchange.
    HttpRouter(
        QHttpServer* server, const HttpConfig& config, HttpMetrics* metrics = nullptr, RequestLog* log = nullptr);
    ~HttpRouter();

    // `pattern` as QHttpServer takes it, with at most one "<arg>" (a path segment, given to
    // the handler as pathArg()): "/jobs", "/jobs/<arg>", "/queues/<arg>/pause". `routeName`
    // labels metrics ("/jobs/{id}"). GET routes answer HEAD too. False if QHttpServer refused.
    bool add(
        QHttpServerRequest::Methods methods, const QString& pattern, const QString& routeName, HttpHandler handler);

private:
    struct Route;
    struct Shared;
    QHttpServer* m_server;
    std::shared_ptr<Shared> m_shared; // also held by the handlers registered in QHttpServer
};
