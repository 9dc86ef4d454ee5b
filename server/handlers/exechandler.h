#pragma once

#include "jobhandler.h"

// `exec` {"program", "args", "stdin", "timeout_ms"}: runs a program directly (never through a
// shell) and captures its exit code and output, each stream capped. Off unless --allow-exec:
// it runs anything the API is sent, so it must be a deliberate choice.
class ExecHandler : public JobHandler
{
public:
    explicit ExecHandler(bool allowed)
        : m_allowed(allowed)
    { }
    QString disabledReason() const override;
    QString validatePayload(const QJsonValue& payload) const override;
    QJsonValue examplePayload() const override;
    JobOutcome run(const JobContext& context) const override;

private:
    const bool m_allowed;
};
