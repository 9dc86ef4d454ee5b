#include "systemapi.h"

#include "api/apireply.h"
#include "api/httproutes.h"
#include "api/metricsformat.h"
#include "httpguard/httpjson.h"
#include "httpguard/httpmetrics.h"

#include <QFile>

namespace {

QJsonObject percentiles(double p50, double p95, double p99)
{
    return { { QStringLiteral("p50"), p50 }, { QStringLiteral("p95"), p95 }, { QStringLiteral("p99"), p99 } };
}

// Compiled in from resources/openapi.json; read once.
const QByteArray& openApiDocument()
{
    static const QByteArray document = [] {
        QFile file(QStringLiteral(":/queuelab/openapi.json"));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }();
    return document;
}

} // namespace

SystemApi::SystemApi(Engine* engine, const HttpMetrics* httpMetrics)
    : m_engine(engine)
    , m_httpMetrics(httpMetrics)
{ }

void SystemApi::addRoutes(HttpRoutes& routes)
{
    using Method = QHttpServerRequest::Method;
    routes.add(Method::Get, QStringLiteral("/stats"), QStringLiteral("/stats"), [this](auto& e) { stats(e); });
    routes.add(Method::Get, QStringLiteral("/health"), QStringLiteral("/health"), [this](auto& e) { health(e); });
    routes.add(Method::Get, QStringLiteral("/metrics"), QStringLiteral("/metrics"), [this](auto& e) { metrics(e); });
    routes.add(
        Method::Get, QStringLiteral("/openapi.json"), QStringLiteral("/openapi.json"), [this](auto& e) { openApi(e); });
}

void SystemApi::stats(const HttpExchangePtr& exchange)
{
    const EngineStats stats = m_engine->stats();
    QJsonObject counts;
    for (int i = 0; i < jobStatusCount; ++i)
        counts.insert(QString(statusName(static_cast<JobStatus>(i))), stats.counts[std::size_t(i)]);
    exchange->respondJson(ApiReply::ok,
        QJsonObject {
            { QStringLiteral("state"), QString(stateName(stats.state)) },
            { QStringLiteral("counts"), counts },
            { QStringLiteral("queue_depth"), stats.queueDepth },
            { QStringLiteral("runnable"), stats.runnable },
            { QStringLiteral("processing_paused"), stats.processingPaused },
            { QStringLiteral("workers"),
                QJsonObject {
                    { QStringLiteral("total"), stats.workerCount }, { QStringLiteral("busy"), stats.busyWorkers } } },
            { QStringLiteral("jobs_per_second"), stats.throughput.jobsPerSecond },
            { QStringLiteral("finished_last_minute"), stats.throughput.finishedLastMinute },
            { QStringLiteral("percentile_jobs"), stats.throughput.percentileJobs },
            { QStringLiteral("wait_ms"),
                percentiles(stats.throughput.waitP50Ms, stats.throughput.waitP95Ms, stats.throughput.waitP99Ms) },
            { QStringLiteral("run_ms"),
                percentiles(stats.throughput.runP50Ms, stats.throughput.runP95Ms, stats.throughput.runP99Ms) },
            { QStringLiteral("submitted_total"), qint64(stats.submittedTotal) },
            { QStringLiteral("finished_total"), qint64(stats.finishedTotal) },
        });
}

void SystemApi::health(const HttpExchangePtr& exchange)
{
    const EngineState state = m_engine->state();
    if (const QString lost = m_engine->storageProblem(); !lost.isEmpty())
        return exchange->respondJson(503,
            QJsonObject {
                { QStringLiteral("status"), QStringLiteral("storage_lost") }, { QStringLiteral("reason"), lost } },
            { { "Retry-After", "5" } });
    if (state == EngineState::Running)
        return exchange->respondJson(ApiReply::ok, QJsonObject { { QStringLiteral("status"), QStringLiteral("ok") } });
    exchange->respondJson(
        503, QJsonObject { { QStringLiteral("status"), QString(stateName(state)) } }, { { "Retry-After", "5" } });
}

void SystemApi::metrics(const HttpExchangePtr& exchange)
{
    QByteArray text = engineMetricsText(*m_engine);
    if (m_httpMetrics)
        text += m_httpMetrics->prometheusText();
    exchange->respond(ApiReply::ok, "text/plain; version=0.0.4; charset=utf-8", text);
}

void SystemApi::openApi(const HttpExchangePtr& exchange)
{
    exchange->respond(ApiReply::ok, jsonContentType, openApiDocument());
}
