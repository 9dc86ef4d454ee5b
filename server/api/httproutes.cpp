#include "httproutes.h"

#include "apireply.h"
#include "httpguard/httplogging.h"
#include "httppolicy.h"

#include <QHttpServer>

#include <exception>
#include <vector>

namespace {

using Method = QHttpServerRequest::Method;
using Methods = QHttpServerRequest::Methods;

const Methods servedMethods = Method::Get | Method::Head | Method::Post | Method::Put | Method::Patch | Method::Delete;

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

QString methodString(Method method)
{
    switch (method) {
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

QHttpServerRequest::Method methodOf(QByteArrayView name)
{
    static const std::pair<const char*, Method> known[]
        = { { "GET", Method::Get }, { "HEAD", Method::Head }, { "POST", Method::Post }, { "PUT", Method::Put },
              { "PATCH", Method::Patch }, { "DELETE", Method::Delete }, { "OPTIONS", Method::Options } };
    for (const auto& [text, method] : known) {
        if (name == text)
            return method;
    }
    return Method::Unknown;
}

// As QHttpServer matches "<arg>" (regexp "([^/]+)"): the argument is one whole, non-empty segment.
bool matchesPattern(QStringView pattern, QStringView path)
{
    const QList<QStringView> want = pattern.split(u'/');
    const QList<QStringView> have = path.split(u'/');
    if (want.size() != have.size())
        return false;
    for (qsizetype i = 0; i < want.size(); ++i) {
        if (want[i] == u"<arg>" ? have[i].isEmpty() : want[i] != have[i])
            return false;
    }
    return true;
}

} // namespace

struct HttpRoutes::Route
{
    Methods methods;
    QString pattern;
    QString name;
    HttpHandler handler;
    Body body;
};

struct HttpRoutes::Shared
{
    HttpPolicy policy;
    HttpMetrics* metrics;
    RequestLog* log;
    std::vector<Route> routes;
    std::function<HttpFaultDecision()> faultHook;

    HttpExchangePtr exchange(const QHttpServerRequest& request, QHttpServerResponder&& responder, const QString& arg,
        const QString& routeName) const
    {
        return std::make_shared<HttpExchange>(
            request, std::move(responder), arg, HttpExchange::Context { routeName, metrics, log });
    }

    bool admit(HttpExchange& exchange, bool preflight) const { return policy.admit(exchange, preflight); }

    void dispatch(const Route& route, const QString& arg, const QHttpServerRequest& request,
        QHttpServerResponder&& responder) const
    {
        const HttpExchangePtr ex = exchange(request, std::move(responder), arg, route.name);
        if (!admit(*ex, false))
            return;
        if (faultHook && !route.name.startsWith(QLatin1StringView("/faults"))) {
            const HttpFaultDecision fault = faultHook();
            if (fault.drop)
                return ex->dropConnection();
            ex->delayAnswer(fault.latencyMs);
        }
        try {
            route.handler(ex);
        } catch (const std::exception& error) {
            qCWarning(lcHttp) << "handler of" << route.name << "threw:" << error.what();
            ex->respondError(500, QStringLiteral("internal"), QStringLiteral("the request failed on the server"));
        } catch (...) {
            qCWarning(lcHttp) << "handler of" << route.name << "threw";
            ex->respondError(500, QStringLiteral("internal"), QStringLiteral("the request failed on the server"));
        }
        ex->handlerReturned();
        if (!ex->isAnswered() && !ex->isDeferred()) {
            qCWarning(lcHttp) << "handler of" << route.name << "returned without an answer";
            ex->respondError(500, QStringLiteral("internal"), QStringLiteral("the handler returned without an answer"));
        }
    }

    // A known path asked with a method none of its routes serves, or OPTIONS.
    void otherMethod(const QString& pattern, const QString& routeName, const QHttpServerRequest& request,
        QHttpServerResponder&& responder) const
    {
        Methods allowed;
        for (const Route& route : routes) {
            if (route.pattern == pattern)
                allowed |= route.methods;
        }
        const HttpExchangePtr ex = exchange(request, std::move(responder), QString(), routeName);
        const bool isOptions = ex->method() == Method::Options;
        const bool preflight
            = isOptions && !ex->header("origin").isEmpty() && !ex->header("access-control-request-method").isEmpty();
        if (!admit(*ex, preflight))
            return;
        if (isOptions && preflight) {
            // The Origin passed the policy, so the exchange adds Access-Control-Allow-Origin.
            ex->respond(204, {}, {},
                { { "Access-Control-Allow-Methods", allowHeader(allowed) },
                    { "Access-Control-Allow-Headers", "Content-Type, Authorization" },
                    { "Access-Control-Max-Age", QByteArray::number(Limits::corsMaxAgeSecs) } });
        } else if (isOptions) {
            ex->respond(204, {}, {}, { { "Allow", allowHeader(allowed) } });
        } else if (!servedMethods.testFlag(ex->method())) {
            ex->respondError(
                501, QStringLiteral("not_implemented"), QStringLiteral("this HTTP method is not supported"));
        } else {
            ex->respondError(405, QStringLiteral("method_not_allowed"),
                QStringLiteral("%1 is not allowed on %2").arg(methodString(ex->method()), ex->path()),
                { { "Allow", allowHeader(allowed) } });
        }
    }

    std::optional<HeadRefusal> refuseHead(const RequestHead& head) const
    {
        QByteArray joined;
        const QByteArray host = head.header("host", &joined).toByteArray();
        std::optional<HttpPolicy::Refusal> refusal = policy.refuseHost(host);
        if (!refusal)
            refusal = policy.refuseOrigin(head.header("origin", &joined), host);
        if (!refusal)
            refusal = policy.refuseToken(head.header("authorization", &joined));
        if (refusal)
            return HeadRefusal { refusal->status, refusal->code, refusal->message, refusal->headers };

        const QString path = QUrl::fromEncoded(head.target).path();
        const Method method = methodOf(head.method);
        Methods allowed;
        const Route* target = nullptr;
        for (const Route& route : routes) {
            if (!matchesPattern(route.pattern, path))
                continue;
            allowed |= route.methods;
            if (!target && route.methods.testFlag(method))
                target = &route;
        }
        if (!allowed)
            return HeadRefusal { 404, QStringLiteral("not_found"), QStringLiteral("no such resource: %1").arg(path),
                {} };
        if (!allowed.testFlag(method)) {
            return HeadRefusal { 405, QStringLiteral("method_not_allowed"),
                QStringLiteral("%1 is not allowed on %2").arg(methodString(method), path),
                { { "Allow", allowHeader(allowed) } } };
        }
        if (target->body == Body::Json) {
            if (const auto problem = ApiReply::jsonContentTypeProblem(head.header("content-type", &joined)))
                return HeadRefusal { 415, QStringLiteral("unsupported_media_type"), *problem, {} };
        }
        return std::nullopt;
    }

    // No route's path matches (or a method QHttpServer does not know).
    void missing(const QHttpServerRequest& request, QHttpServerResponder&& responder) const
    {
        const HttpExchangePtr ex = exchange(request, std::move(responder), QString(), QStringLiteral("(unmatched)"));
        const bool isOptions = ex->method() == Method::Options;
        const bool preflight
            = isOptions && !ex->header("origin").isEmpty() && !ex->header("access-control-request-method").isEmpty();
        if (!admit(*ex, preflight))
            return;
        if (isOptions && ex->path() == QLatin1String("*")) {
            ex->respond(204, {}, {}, { { "Allow", allowHeader(servedMethods) } });
        } else if (!servedMethods.testFlag(ex->method()) && !isOptions) {
            ex->respondError(
                501, QStringLiteral("not_implemented"), QStringLiteral("this HTTP method is not supported"));
        } else {
            ex->respondError(404, QStringLiteral("not_found"), QStringLiteral("no such resource: %1").arg(ex->path()));
        }
    }
};

HttpRoutes::HttpRoutes(const HttpConfig& config, HttpMetrics* metrics, RequestLog* log)
    : m_shared(std::make_shared<Shared>(Shared { HttpPolicy(config), metrics, log, {}, {} }))
{ }

HttpRoutes::~HttpRoutes() = default;

bool HttpRoutes::add(Methods methods, const QString& pattern, const QString& routeName, HttpHandler handler, Body body)
{
    if (!pattern.startsWith(QLatin1Char('/')) || pattern.count(QLatin1String("<arg>")) > 1 || !handler) {
        qCCritical(lcHttp) << "route" << pattern << "needs a handler, a leading / and at most one <arg>";
        return false;
    }
    if (methods.testFlag(Method::Get))
        methods |= Method::Head;
    m_shared->routes.push_back({ methods, pattern, routeName, std::move(handler), body });
    return true;
}

void HttpRoutes::setFaultHook(std::function<HttpFaultDecision()> hook)
{
    m_shared->faultHook = std::move(hook);
}

ContinueCheck HttpRoutes::continueCheck() const
{
    return [shared = std::shared_ptr<const Shared>(m_shared)](
               const RequestHead& head) { return shared->refuseHead(head); };
}

bool HttpRoutes::registerWith(QHttpServer& server) const
{
    // QHttpServer tries rules in the order they were registered, running each one's regular
    // expression on a fresh copy of the path, until one matches. Literal paths go first, in the
    // order they were added (the hot POST /jobs is tried first), then those with an <arg>, in
    // theirs: a literal path wins over a pattern that would match it too.
    // Captures must be copyable for 6.4.2's std::function, hence the shared table.
    const std::shared_ptr<const Shared> shared = m_shared;
    std::vector<const Route*> ordered;
    for (const bool literal : { true, false }) {
        for (const Route& route : shared->routes) {
            if (route.pattern.contains(QLatin1String("<arg>")) != literal)
                ordered.push_back(&route);
        }
    }
    bool ok = true;
    for (const Route* r : ordered) {
        const Route& route = *r;
        if (route.pattern.contains(QLatin1String("<arg>"))) {
            ok &= server.route(route.pattern, route.methods,
                [shared, r](const QString& arg, const QHttpServerRequest& request, QHttpServerResponder&& responder) {
                    shared->dispatch(*r, arg, request, std::move(responder));
                });
        } else {
            ok &= server.route(route.pattern, route.methods,
                [shared, r](const QHttpServerRequest& request, QHttpServerResponder&& responder) {
                    shared->dispatch(*r, QString(), request, std::move(responder));
                });
        }
    }
    QStringList patterns;
    for (const Route& route : shared->routes) {
        if (patterns.contains(route.pattern))
            continue;
        patterns.append(route.pattern);
        const QString pattern = route.pattern;
        const QString name = route.name;
        if (pattern.contains(QLatin1String("<arg>"))) {
            ok &= server.route(pattern, Method::AnyKnown,
                [shared, pattern, name](
                    const QString&, const QHttpServerRequest& request, QHttpServerResponder&& responder) {
                    shared->otherMethod(pattern, name, request, std::move(responder));
                });
        } else {
            ok &= server.route(pattern, Method::AnyKnown,
                [shared, pattern, name](const QHttpServerRequest& request, QHttpServerResponder&& responder) {
                    shared->otherMethod(pattern, name, request, std::move(responder));
                });
        }
    }
    server.setMissingHandler([shared](const QHttpServerRequest& request, QHttpServerResponder&& responder) {
        shared->missing(request, std::move(responder));
    });
    if (!ok)
        qCCritical(lcHttp) << "QHttpServer refused a route";
    return ok;
}
