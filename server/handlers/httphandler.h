#pragma once

#include "delivery/deliverysettings.h"
#include "jobhandler.h"

class DeliveryService;

// `http` {"url", "method", "headers", "body", "timeout_ms"}: one HTTP request per attempt, sent by
// the delivery service; a 2xx in time succeeds, anything else fails the attempt and the job's
// retries follow. The slot that starts it is free at once (see DeferredJobHandler).
class HttpHandler : public DeferredJobHandler
{
public:
    HttpHandler(std::shared_ptr<DeliveryService> service, std::shared_ptr<const DeliverySettings> settings);
    QString validatePayload(const QJsonValue& payload) const override;
    std::optional<JobError> forbiddenPayload(const QJsonValue& payload) const override;
    QJsonValue examplePayload() const override;
    void start(const Job& job, std::shared_ptr<const CancelToken> token, Finish finish) const override;

private:
    const std::shared_ptr<DeliveryService> m_service;
    const std::shared_ptr<const DeliverySettings> m_settings; // read per job: the dashboard may change them
};
