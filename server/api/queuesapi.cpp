#include "queuesapi.h"

#include "api/apireply.h"
#include "api/httproutes.h"
#include "defaultlimits.h"

#include <QJsonArray>

#include <cmath>

QJsonObject queueToJson(const QueueInfo& queue)
{
    return {
        { QStringLiteral("name"), queue.name },
        { QStringLiteral("depth"), queue.depth },
        { QStringLiteral("scheduled"), queue.scheduled },
        { QStringLiteral("running"), queue.running },
        { QStringLiteral("paused"), queue.paused },
        { QStringLiteral("concurrency"), queue.concurrency > 0 ? QJsonValue(queue.concurrency) : QJsonValue() },
        { QStringLiteral("processed"), queue.processed },
        { QStringLiteral("failed"), queue.failed },
        { QStringLiteral("finished_last_minute"), queue.finishedLastMinute },
        { QStringLiteral("oldest_queued_ms"),
            queue.oldestQueuedMs >= 0 ? QJsonValue(queue.oldestQueuedMs) : QJsonValue() },
    };
}

QueuesApi::QueuesApi(Engine* engine)
    : m_engine(engine)
{ }

void QueuesApi::addRoutes(HttpRoutes& routes)
{
    using Method = QHttpServerRequest::Method;
    routes.add(Method::Get, QStringLiteral("/queues"), QStringLiteral("/queues"), [this](auto& e) { list(e); });
    routes.add(Method::Post, QStringLiteral("/queues/<arg>/pause"), QStringLiteral("/queues/{name}/pause"),
        [this](auto& e) { setPaused(e, true); });
    routes.add(Method::Post, QStringLiteral("/queues/<arg>/resume"), QStringLiteral("/queues/{name}/resume"),
        [this](auto& e) { setPaused(e, false); });
    routes.add(Method::Post, QStringLiteral("/queues/<arg>/concurrency"), QStringLiteral("/queues/{name}/concurrency"),
        [this](auto& e) { setConcurrency(e); });
    routes.add(Method::Delete, QStringLiteral("/queues/<arg>"), QStringLiteral("/queues/{name}"),
        [this](auto& e) { answer(e, m_engine->deleteQueue(e->pathArg())); });
    routes.add(Method::Get, QStringLiteral("/processing"), QStringLiteral("/processing"),
        [this](auto& e) { answerProcessing(e); });
    routes.add(Method::Post, QStringLiteral("/processing/pause"), QStringLiteral("/processing/pause"), [this](auto& e) {
        m_engine->setProcessingPaused(true);
        answerProcessing(e);
    });
    routes.add(
        Method::Post, QStringLiteral("/processing/resume"), QStringLiteral("/processing/resume"), [this](auto& e) {
            m_engine->setProcessingPaused(false);
            answerProcessing(e);
        });
}

void QueuesApi::answerProcessing(const HttpExchangePtr& exchange)
{
    exchange->respondJson(ApiReply::ok, QJsonObject { { QStringLiteral("paused"), m_engine->isProcessingPaused() } });
}

void QueuesApi::list(const HttpExchangePtr& exchange)
{
    QJsonArray queues;
    for (const QueueInfo& queue : m_engine->queues())
        queues.append(queueToJson(queue));
    exchange->respondJson(ApiReply::ok, QJsonObject { { QStringLiteral("queues"), queues } });
}

void QueuesApi::setPaused(const HttpExchangePtr& exchange, bool paused)
{
    answer(exchange, m_engine->setQueuePaused(exchange->pathArg(), paused));
}

void QueuesApi::setConcurrency(const HttpExchangePtr& exchange)
{
    const auto body = ApiReply::jsonBody(exchange);
    if (!body)
        return;
    const QJsonValue limit = body->value(QLatin1StringView("concurrency"));
    const double number = limit.toDouble(-1);
    if (!limit.isNull()
        && (!limit.isDouble() || std::floor(number) != number || number < 0 || number > Limits::maxWorkers))
        return ApiReply::invalid(exchange, QStringLiteral("concurrency"),
            QStringLiteral("must be null (no limit) or an integer from 0 to %1").arg(Limits::maxWorkers));
    answer(exchange, m_engine->setQueueConcurrency(exchange->pathArg(), limit.isNull() ? 0 : int(number)));
}

void QueuesApi::answer(const HttpExchangePtr& exchange, const EngineResult<QueueInfo>& result)
{
    if (const auto* error = std::get_if<EngineError>(&result))
        return ApiReply::error(exchange, *error);
    exchange->respondJson(ApiReply::ok, queueToJson(std::get<QueueInfo>(result)));
}
