#pragma once

#include "jobhandler.h"

// `fail` {"message": "...", "after_ms": N}: fails on purpose, to test retries and error paths.
class FailHandler : public JobHandler
{
public:
    QString validatePayload(const QJsonValue& payload) const override;
    QJsonValue examplePayload() const override;
    JobOutcome run(const JobContext& context) const override;
};
