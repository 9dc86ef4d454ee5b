#include "sinksapi.h"

#include "api/apireply.h"
#include "api/httproutes.h"
#include "defaultlimits.h"
#include "sink/sinkstore.h"

#include <QJsonArray>
#include <QTimer>

namespace {

QByteArray methodName(QHttpServerRequest::Method method)
{
    using Method = QHttpServerRequest::Method;
    switch (method) {
    case Method::Get:
        return "GET";
    case Method::Put:
        return "PUT";
    case Method::Delete:
        return "DELETE";
    case Method::Post:
        return "POST";
    case Method::Head:
        return "HEAD";
    case Method::Options:
        return "OPTIONS";
    case Method::Patch:
        return "PATCH";
    case Method::Connect:
        return "CONNECT";
    case Method::Trace:
        return "TRACE";
    default:
        return "UNKNOWN";
    }
}

void tooManySinks(const HttpExchangePtr& exchange)
{
    exchange->respondError(409, QStringLiteral("too_many_sinks"),
        QStringLiteral("%1 sinks exist already: delete one (DELETE /sinks/{name}) first").arg(Limits::maxSinks));
}

} // namespace

SinksApi::SinksApi(SinkStore* store, QObject* context)
    : m_store(store)
    , m_context(context)
{ }

void SinksApi::addRoutes(HttpRoutes& routes)
{
    using Method = QHttpServerRequest::Method;
    routes.add(
        Method::AnyKnown, QStringLiteral("/sink/<arg>"), QStringLiteral("/sink/{name}"),
        [this](auto& e) { receive(e); }, HttpRoutes::Body::Any);
    routes.add(Method::Get, QStringLiteral("/sinks"), QStringLiteral("/sinks"), [this](auto& e) { list(e); });
    routes.add(
        Method::Get, QStringLiteral("/sinks/<arg>"), QStringLiteral("/sinks/{name}"), [this](auto& e) { show(e); });
    routes.add(Method::Delete, QStringLiteral("/sinks/<arg>"), QStringLiteral("/sinks/{name}"),
        [this](auto& e) { remove(e); });
    routes.add(Method::Put, QStringLiteral("/sinks/<arg>/script"), QStringLiteral("/sinks/{name}/script"),
        [this](auto& e) { setScript(e); });
}

bool SinksApi::checkName(const HttpExchangePtr& exchange)
{
    if (SinkStore::isValidName(exchange->pathArg()))
        return true;
    exchange->respondError(404, QStringLiteral("not_found"),
        QStringLiteral("a sink's name is 1 to %1 letters, digits, '-', '_' or '.'").arg(Limits::maxSinkNameLength));
    return false;
}

void SinksApi::receive(const HttpExchangePtr& exchange)
{
    if (!checkName(exchange))
        return;
    SinkRequest request;
    request.method = methodName(exchange->method());
    const QByteArray query = exchange->rawQuery();
    request.target = exchange->path() + (query.isEmpty() ? QString() : u'?' + QString::fromLatin1(query));
    request.headers = exchange->headers();
    request.body = exchange->body();
    const std::optional<SinkStep> answer = m_store->record(exchange->pathArg(), std::move(request));
    if (!answer)
        return tooManySinks(exchange);
    const QByteArray body = answer->body.isEmpty() ? QByteArrayLiteral("{\"received\":true}") : answer->body;
    const QByteArray type = answer->body.isEmpty() ? QByteArrayLiteral("application/json")
                                                   : QByteArrayLiteral("text/plain; charset=utf-8");
    if (answer->delayMs <= 0)
        return exchange->respond(answer->status, type, body);
    exchange->defer();
    QTimer::singleShot(answer->delayMs, m_context,
        [exchange, status = answer->status, type, body] { exchange->respond(status, type, body); });
}

void SinksApi::list(const HttpExchangePtr& exchange)
{
    QJsonArray sinks;
    for (const SinkInfo& info : m_store->sinks())
        sinks.append(info.toJson());
    exchange->respondJson(ApiReply::ok,
        QJsonObject { { QStringLiteral("sinks"), sinks },
            { QStringLiteral("verifies_signatures"), m_store->verifiesSignatures() } });
}

void SinksApi::show(const HttpExchangePtr& exchange)
{
    if (!checkName(exchange))
        return;
    const auto limit = ApiReply::queryInteger(exchange, QStringLiteral("limit"), 100, 1, Limits::sinkRequests);
    if (!limit)
        return;
    const std::optional<SinkInfo> info = m_store->info(exchange->pathArg());
    if (!info)
        return exchange->respondError(404, QStringLiteral("not_found"),
            QStringLiteral("no sink \"%1\" has received anything").arg(exchange->pathArg()));
    QJsonArray requests;
    for (const SinkRequest& request : m_store->requests(exchange->pathArg())) {
        if (requests.size() >= *limit)
            break;
        requests.append(request.toJson());
    }
    QJsonObject object = info->toJson();
    object.insert(QStringLiteral("requests"), requests);
    exchange->respondJson(ApiReply::ok, object);
}

void SinksApi::setScript(const HttpExchangePtr& exchange)
{
    if (!checkName(exchange))
        return;
    const auto body = ApiReply::jsonBody(exchange);
    if (!body)
        return;
    QString problem;
    const auto script = SinkStore::parseScript(*body, &problem);
    if (!script)
        return ApiReply::invalid(exchange, QStringLiteral("steps"), problem);
    if (!m_store->setScript(exchange->pathArg(), *script))
        return tooManySinks(exchange);
    exchange->respondJson(ApiReply::ok, m_store->info(exchange->pathArg())->toJson());
}

void SinksApi::remove(const HttpExchangePtr& exchange)
{
    if (!checkName(exchange))
        return;
    const std::optional<SinkInfo> info = m_store->info(exchange->pathArg());
    if (!info || !m_store->remove(exchange->pathArg()))
        return exchange->respondError(
            404, QStringLiteral("not_found"), QStringLiteral("no sink \"%1\"").arg(exchange->pathArg()));
    exchange->respondJson(ApiReply::ok, info->toJson());
}
