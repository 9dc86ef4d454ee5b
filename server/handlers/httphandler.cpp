#include "httphandler.h"

#include "delivery/deliveryrequest.h"
#include "delivery/deliveryservice.h"

#include <QJsonObject>

HttpHandler::HttpHandler(std::shared_ptr<DeliveryService> service, std::shared_ptr<const DeliverySettings> settings)
    : m_service(std::move(service))
    , m_settings(std::move(settings))
{ }

QString HttpHandler::validatePayload(const QJsonValue& payload) const
{
    return HttpPayload::parse(payload).problem;
}

std::optional<JobError> HttpHandler::forbiddenPayload(const QJsonValue& payload) const
{
    const QString refusal = m_settings->policy().refusal(HttpPayload::parse(payload).request.url);
    if (refusal.isEmpty())
        return std::nullopt;
    return JobError { QStringLiteral("target_not_allowed"), refusal };
}

QJsonValue HttpHandler::examplePayload() const
{
    return HttpPayload::example();
}

void HttpHandler::start(const Job& job, std::shared_ptr<const CancelToken> token, Finish finish) const
{
    HttpPayload::Parsed parsed = HttpPayload::parse(job.payload);
    // Checked again: a job stored under other flags may run after a restart.
    const QString refusal = parsed.problem.isEmpty() ? m_settings->policy().refusal(parsed.request.url) : QString();
    if (!parsed.problem.isEmpty() || !refusal.isEmpty()) {
        finish(parsed.problem.isEmpty() ? JobOutcome::failure(QStringLiteral("target_not_allowed"), refusal)
                                        : JobOutcome::failure(QStringLiteral("invalid_payload"), parsed.problem));
        return;
    }
    DeliveryRequest& request = parsed.request;
    request.jobId = job.id;
    request.attempt = job.attempts;
    request.queue = job.queue;
    request.messageId = "msg_queuelab_job_" + QByteArray::number(job.id);
    if (job.callbackFor) // a completion callback: which job's final state the body holds
        request.headers.append({ "X-QueueLab-Callback-For", QByteArray::number(job.callbackFor) });
    m_service->deliver(std::move(request), std::move(token), [finish](const DeliveryResult& result) {
        JobOutcome outcome;
        outcome.error = result.error;
        outcome.delivery = result.record;
        const QJsonObject response = result.record.value(QLatin1StringView("response")).toObject();
        outcome.result = response.isEmpty() ? QJsonValue(QJsonValue::Null)
                                            : QJsonValue(QJsonObject {
                                                { QStringLiteral("status"), result.status },
                                                { QStringLiteral("body"), response.value(QLatin1StringView("body")) },
                                            });
        finish(outcome);
    });
}
