#pragma once

#include "jobhandler.h"

// `echo`: the result is the payload. The no-op job for testing clients and measuring overhead.
class EchoHandler : public JobHandler
{
public:
    QJsonValue examplePayload() const override;
    JobOutcome run(const JobContext& context) const override;
};
