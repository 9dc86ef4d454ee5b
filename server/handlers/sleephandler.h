#pragma once

#include "jobhandler.h"

// `sleep` {"ms": N}: waits N ms, reporting progress, and stops at once when cancelled or timed out.
class SleepHandler : public JobHandler
{
public:
    QString validatePayload(const QJsonValue& payload) const override;
    QJsonValue examplePayload() const override;
    JobOutcome run(const JobContext& context) const override;
};
