#include "httprouter.h"

#include "httplogging.h"
#include "httppolicy.h"

#include <QStringList>

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
    QStringList segments; // of the pattern, "<arg>" for the argument
    QString name;
    HttpHandler handler;

    // Matches like QHttpServer's "<arg>" (regexp "([^/]+)"): the argument is one whole, non-empty segment.
    bool matches(QStringView path, QString* arg) const
    {
        if (!path.startsWith(QLatin1Char('/')))
            return false;
        path = path.sliced(1);
        for (qsizetype i = 0; i < segments.size(); ++i) {
            const qsizetype slash = path.indexOf(QLatin1Char('/'));
            const bool last = i + 1 == segments.size();
            if (last != (slash < 0))
                return false;
            const QStringView segment = last ? path : path.first(slash);
            if (segments[i] == argSegment) {
                if (segment.isEmpty())
                    return false;
                if (arg)
                    *arg = segment.toString();
            } else if (segment != segments[i]) {
                return false;
            }
            if (!last)
                path = path.sliced(slash + 1);
        }
        return true;
    }

    static inline const QString argSegment = QStringLiteral("<arg>");
};

struct HttpRouter::Shared
{
    HttpPolicy policy;
    HttpMetrics* metrics;
    RequestLog* log;
    std::vector<std::shared_ptr<const Route>> routes;

    HttpExchangePtr exchange(
        HttpRequest&& request, GuardedSocket* connection, const QString& arg, const QString& routeName) const
    {
        return std::make_shared<HttpExchange>(
            std::move(request), connection, arg, HttpExchange::Context { routeName, metrics, log });
    }

    void handle(HttpRequest&& request, GuardedSocket* connection) const
    {
        QString arg;
        for (const auto& route : routes) {
            if (route->methods.testFlag(request.method) && route->matches(request.path, &arg))
                return dispatch(*route, arg, std::move(request), connection);
        }
        missing(std::move(request), connection);
    }

    bool admit(HttpExchange& exchange, bool preflight) const
    {
        // Browsers send no credentials on a CORS preflight, so it cannot need the token.
        return policy.checkHost(exchange) && policy.checkOrigin(exchange) && (preflight || policy.checkToken(exchange));
    }

    void dispatch(const Route& route, const QString& arg, HttpRequest&& request, GuardedSocket* connection) const
    {
        const HttpExchangePtr ex = exchange(std::move(request), connection, arg, route.name);
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
            if (!route->matches(path, nullptr))
                continue;
            if (routeName->isEmpty())
                *routeName = route->name;
            methods |= route->methods;
        }
        return methods;
    }

    void missing(HttpRequest&& request, GuardedSocket* connection) const
    {
        QString routeName;
        const Methods allowed = methodsFor(request.path, &routeName);
        const HttpExchangePtr ex = exchange(
            std::move(request), connection, QString(), routeName.isEmpty() ? QStringLiteral("(unmatched)") : routeName);
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

HttpRouter::HttpRouter(const HttpConfig& config, HttpMetrics* metrics, RequestLog* log)
    : m_shared(std::make_shared<Shared>(Shared { HttpPolicy(config), metrics, log, {} }))
{ }

HttpRouter::~HttpRouter() = default;

bool HttpRouter::add(Methods methods, const QString& pattern, const QString& routeName, HttpHandler handler)
{
    if (!pattern.startsWith(QLatin1Char('/')) || pattern.count(QLatin1String("<arg>")) > 1 || !handler) {
        qCCritical(lcHttp) << "route" << pattern << "needs a handler, a leading / and at most one <arg>";
        return false;
    }
    if (methods.testFlag(Method::Get))
        methods |= Method::Head;
    const QStringList segments = pattern.sliced(1).split(QLatin1Char('/'));
    m_shared->routes.push_back(
        std::make_shared<const Route>(Route { methods, segments, routeName, std::move(handler) }));
    return true;
}

HttpRequestHandler HttpRouter::requestHandler() const
{
    // Shares the table: a request handled while the router is being destroyed still finds it.
    return [shared = std::shared_ptr<const Shared>(m_shared)](
               HttpRequest&& request, GuardedSocket* connection) { shared->handle(std::move(request), connection); };
}
