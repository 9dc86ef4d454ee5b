#pragma once

#include "jobhandler.h"

// `compute` {"iterations": N}: N chained SHA-256 rounds over the payload. Real CPU load that
// still stops within milliseconds when cancelled or timed out.
class ComputeHandler : public JobHandler
{
public:
    QString validatePayload(const QJsonValue& payload) const override;
    QJsonValue examplePayload() const override;
    JobOutcome run(const JobContext& context) const override;
};
