#include "httprouter.h"

#include "httplogging.h"
#include "httppolicy.h"

#include <QHttpServer>
#include <QRegularExpression>

#include <exception>
#include <vector>

namespace {

using Method = QHttpServerRequest::Method;
using Methods = QHttpServerRequest::Methods;

QByteArray allowHeader(Methods methods)
{
    static const std::pair<Method, const char*> names[] = { { Method::Get, "GET" }, { Method::Head, "HEAD" },
        { Method::Post, "POST" }, { Method::Put, "PUT" }, { Method::Patch, "PATCH" }, { Method::Delete, "DELETE" } };
    QByteArray allow;
    for (const auto& [method, name] : names) {
        if (methods.testFlag(method)) {
            allow += name;
            allow += ", ";
        }
    }
    allow += "OPTIONS"; // answered for every known path
    return allow;
}

QString methodString(const HttpExchange& exchange)
{
    switch (exchange.method()) {
    case Method::Get:
        return QStringLiteral("GET");
    case Method::Head:
        return QStringLiteral("HEAD");
    case Method::Post:
        return QStringLiteral("POST");
    case Method::Put:
        return QStringLiteral("PUT");
    case Method::Patch:
        return QStringLiteral("PATCH");
    case Method::Delete:
        return QStringLiteral("DELETE");
    case Method::Options:
        return QStringLiteral("OPTIONS");
    default:
        return QStringLiteral("this method");
    }
}

} // namespace

struct HttpRouter::Route
{
    Methods methods;
    QRegularExpression path; // the same regexp QHttpServer builds, to tell 405 from 404
    QString name;
    HttpHandler handler;
};

struct HttpRouter::Shared
{
    HttpPolicy policy;
    HttpMetrics* metrics;
    RequestLog* log;
    std::vector<std::shared_ptr<const Route>> routes;

    HttpExchangePtr exchange(
        const QHttpServerRequest& request, QTcpSocket* socket, const QString& arg, const QString& routeName) const
    {
        return std::make_shared<HttpExchange>(request, socket, arg, HttpExchange::Context { routeName, metrics, log });
    }

    bool admit(HttpExchange& exchange, bool preflight) const
    {
        // Browsers send no credentials on a CORS preflight, so it cannot need the token.
        return policy.checkHost(exchange) && policy.checkOrigin(exchange) && (preflight || policy.checkToken(exchange));
    }

    void dispatch(const Route& route, const QString& arg, const QHttpServerRequest& request, QTcpSocket* socket) const
    {
        const HttpExchangePtr ex = exchange(request, socket, arg, route.name);
        if (!admit(*ex, false))
            return;
        try {
            route.handler(ex);
        } catch (const std::exception& error) {
            qCWarning(lcHttp) << "handler of" << route.name << "threw:" << error.what();
            ex->respondError(500, QStringLiteral("internal"), QStringLiteral("the request failed on the server"));
        } catch (...) {
            qCWarning(lcHttp) << "handler of" << route.name << "threw";
            ex->respondError(500, QStringLiteral("internal"), QStringLiteral("the request failed on the server"));
        }
        if (!ex->isAnswered() && !ex->isDeferred()) {
            qCWarning(lcHttp) << "handler of" << route.name << "returned without an answer";
            ex->respondError(500, QStringLiteral("internal"), QStringLiteral("the handler returned without an answer"));
        }
    }

    // The methods of every route whose path matches, and the first one's name.
    Methods methodsFor(const QString& path, QString* routeName) const
    {
        Methods methods;
        for (const auto& route : routes) {
            if (!route->path.match(path).hasMatch())
                continue;
            if (routeName->isEmpty())
                *routeName = route->name;
            methods |= route->methods;
        }
        return methods;
    }

    void missing(const QHttpServerRequest& request, QTcpSocket* socket) const
    {
        QString routeName;
        const Methods allowed = methodsFor(request.url().path(), &routeName);
        const HttpExchangePtr ex
            = exchange(request, socket, QString(), routeName.isEmpty() ? QStringLiteral("(unmatched)") : routeName);
        const bool isOptions = ex->method() == Method::Options;
        const bool preflight
            = isOptions && !ex->header("origin").isEmpty() && !ex->header("access-control-request-method").isEmpty();
        if (!admit(*ex, preflight))
            return;

        if (isOptions && ex->path() == QLatin1String("*")) {
            ex->respond(204, {}, {},
                { { "Allow",
                    allowHeader(
                        Method::Get | Method::Head | Method::Post | Method::Put | Method::Patch | Method::Delete) } });
        } else if (isOptions && allowed) {
            if (preflight) {
                // The Origin passed the policy, so the exchange adds Access-Control-Allow-Origin.
                ex->respond(204, {}, {},
                    { { "Access-Control-Allow-Methods", allowHeader(allowed) },
                        { "Access-Control-Allow-Headers", "Content-Type, Authorization" },
                        { "Access-Control-Max-Age", QByteArray::number(Limits::corsMaxAgeSecs) } });
            } else {
                ex->respond(204, {}, {}, { { "Allow", allowHeader(allowed) } });
            }
        } else if (ex->method() == Method::Unknown || ex->method() == Method::Connect
            || ex->method() == Method::Trace) {
            ex->respondError(
                501, QStringLiteral("not_implemented"), QStringLiteral("this HTTP method is not supported"));
        } else if (allowed) {
            ex->respondError(405, QStringLiteral("method_not_allowed"),
                QStringLiteral("%1 is not allowed on %2").arg(methodString(*ex), ex->path()),
                { { "Allow", allowHeader(allowed) } });
        } else {
            ex->respondError(404, QStringLiteral("not_found"), QStringLiteral("no such resource: %1").arg(ex->path()));
        }
    }
};

HttpRouter::HttpRouter(QHttpServer* server, const HttpConfig& config, HttpMetrics* metrics, RequestLog* log)
    : m_server(server)
    , m_shared(std::make_shared<Shared>(Shared { HttpPolicy(config), metrics, log, {} }))
{
    std::shared_ptr<const Shared> shared = m_shared;
    m_server->setMissingHandler([shared](const QHttpServerRequest& request, QHttpServerResponder&& responder) {
        shared->missing(request, responder.socket());
    });
}

HttpRouter::~HttpRouter() = default;

bool HttpRouter::add(Methods methods, const QString& pattern, const QString& routeName, HttpHandler handler)
{
    const qsizetype args = pattern.count(QLatin1String("<arg>"));
    if (args > 1 || !handler) {
        qCCritical(lcHttp) << "route" << pattern << "needs a handler and at most one <arg>";
        return false;
    }
    if (methods.testFlag(Method::Get))
        methods |= Method::Head;
    QString regexp = pattern;
    regexp.replace(QLatin1String("<arg>"), QLatin1String("([^/]+)")); // QHttpServer's QString converter
    if (!regexp.startsWith(QLatin1Char('^')))
        regexp.prepend(QLatin1Char('^'));
    if (!regexp.endsWith(QLatin1Char('$')))
        regexp.append(QLatin1Char('$'));
    auto route
        = std::make_shared<const Route>(Route { methods, QRegularExpression(regexp), routeName, std::move(handler) });

    const std::shared_ptr<const Shared> shared = m_shared;
    bool registered = false;
    if (args == 1) {
        registered = m_server->route(pattern, methods,
            [shared, route](const QString& arg, const QHttpServerRequest& request, QHttpServerResponder&& responder) {
                shared->dispatch(*route, arg, request, responder.socket());
            });
    } else {
        registered = m_server->route(
            pattern, methods, [shared, route](const QHttpServerRequest& request, QHttpServerResponder&& responder) {
                shared->dispatch(*route, QString(), request, responder.socket());
            });
    }
    if (!registered) {
        qCCritical(lcHttp) << "QHttpServer refused route" << pattern;
        return false;
    }
    m_shared->routes.push_back(std::move(route));
    return true;
}
