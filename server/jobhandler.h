#pragma once

#include "canceltoken.h"
#include "job.h"

#include <QJsonObject>
#include <QJsonValue>

#include <functional>
#include <memory>
#include <optional>

// What a handler sees of the job it runs. Lives on the worker's thread for one attempt.
class JobContext
{
public:
    JobContext(const Job& job, const CancelToken& token, std::function<void(double)> reportProgress)
        : m_job(job)
        , m_token(token)
        , m_reportProgress(std::move(reportProgress))
    { }

    const Job& job() const { return m_job; }
    const QJsonValue& payload() const { return m_job.payload; }
    const CancelToken& token() const { return m_token; }
    bool isStopped() const { return m_token.isStopped(); }
    // The engine's clock (real or virtual): what a handler that measures time reads.
    const EngineClock& clock() const { return m_token.clock(); }
    // 0..1; reports are coalesced by the engine, so handlers may call it often.
    void setProgress(double fraction) const { m_reportProgress(fraction); }

private:
    const Job& m_job;
    const CancelToken& m_token;
    std::function<void(double)> m_reportProgress;
};

// The end of one attempt: a result, or an error.
struct JobOutcome
{
    QJsonValue result;
    std::optional<JobError> error;
    qint64 retryInMs = -1; // >= 0: a failure's next attempt after this delay, not the engine's backoff
    QJsonObject delivery {}; // the attempt's HTTP request and answer (http jobs); kept in its history

    static JobOutcome success(QJsonValue result) { return { std::move(result), std::nullopt }; }
    static JobOutcome failure(const QString& code, const QString& message)
    {
        return { QJsonValue(QJsonValue::Null), JobError { code, message } };
    }
};

// One job type. Handlers run on pool threads, many at once: run() must be reentrant.
class JobHandler
{
public:
    virtual ~JobHandler() = default;
    // Checked at submission so a bad payload is a 400, not a failed job. Empty: valid.
    virtual QString validatePayload(const QJsonValue& payload) const
    {
        Q_UNUSED(payload);
        return {};
    }
    // Set when a valid payload asks for something this server does not allow (a 403 with its
    // code and message), e.g. an http job's target outside the allowed ones.
    virtual std::optional<JobError> forbiddenPayload(const QJsonValue& payload) const
    {
        Q_UNUSED(payload);
        return std::nullopt;
    }
    // Non-empty when this type exists but is switched off (a 403 tells the client why).
    virtual QString disabledReason() const { return {}; }
    // A payload that shows how to use the type (the dashboard's submit form starts from it).
    virtual QJsonValue examplePayload() const { return QJsonValue(QJsonValue::Null); }
    virtual JobOutcome run(const JobContext& context) const = 0;
};

// A job type whose attempts wait on something outside QueueLab (the network). A worker slot
// starts the attempt and is free again at once; the handler ends it later, from any thread.
class DeferredJobHandler : public JobHandler
{
public:
    using Finish = std::function<void(const JobOutcome&)>;
    // Starts one attempt. `finish` must be called exactly once; the attempt also ends when `token`
    // stops (cancel, the job's timeout, a shutdown): the handler watches it and finishes promptly.
    virtual void start(const Job& job, std::shared_ptr<const CancelToken> token, Finish finish) const = 0;
    JobOutcome run(const JobContext&) const final
    {
        return JobOutcome::failure(QStringLiteral("internal"), QStringLiteral("a deferred job runs through start()"));
    }
};
