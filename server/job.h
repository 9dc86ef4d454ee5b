#pragma once

#include "jobstatus.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QMetaType>
#include <QString>

#include <optional>

using JobId = qint64;

// Why a job (or one attempt of it) failed: a machine-readable code and a message for people.
struct JobError
{
    JobError() = default;
    JobError(QString code, QString message, QString details = {})
        : code(std::move(code))
        , message(std::move(message))
        , details(std::move(details))
    { }

    QString code;
    QString message;
    QString details; // e.g. an external worker's backtrace; empty for most errors
    QString fault; // the id of the fault (faults.h) that injected this failure; empty: a real one

    QJsonObject toJson() const;
    static std::optional<JobError> fromJson(const QJsonValue& value);
    bool operator==(const JobError& other) const
    {
        return code == other.code && message == other.message && details == other.details && fault == other.fault;
    }
};

// One finished attempt, kept in the job's history so retries stay explainable.
struct JobAttempt
{
    JobAttempt() = default;
    JobAttempt(int number, qint64 startedAt, qint64 finishedAt, std::optional<JobError> error, QString worker = {})
        : number(number)
        , startedAt(startedAt)
        , finishedAt(finishedAt)
        , error(std::move(error))
        , worker(std::move(worker))
    { }

    int number = 0;
    qint64 startedAt = 0; // ms since the epoch
    qint64 finishedAt = 0;
    std::optional<JobError> error;
    QString worker; // the external worker that ran it; empty: a built-in worker slot
    QJsonObject delivery; // http jobs and callbacks: the request sent and the answer; empty otherwise

    QJsonObject toJson() const;
    static JobAttempt fromJson(const QJsonObject& object);
    bool operator==(const JobAttempt& other) const;
};

// A job as clients see it. A plain value: copied across threads, never shared mutably.
// Times are milliseconds since the epoch in UTC; 0 means "not yet".
struct Job
{
    JobId id = 0;
    QString type;
    QString queue;
    JobStatus status = JobStatus::Queued;
    int priority = 0;
    int attempts = 0;
    int maxAttempts = 1;
    QJsonValue payload;
    QJsonValue result;
    std::optional<JobError> error;
    double progress = 0.0;
    qint64 createdAt = 0;
    qint64 runAt = 0; // when a scheduled job becomes due (delay or retry backoff)
    qint64 startedAt = 0;
    qint64 finishedAt = 0;
    qint64 timeoutMs = -1; // -1: no timeout
    QString idempotencyKey;
    QString worker; // while an external worker holds it: that worker's id
    QList<JobAttempt> history;
    // Completion callbacks: the URL that gets the job's final JSON once it finishes, and the
    // http job that delivers it once queued (0: not yet). A callback job names the job it
    // reports on in `callbackFor` and has no callback of its own.
    QString callbackUrl;
    JobId callbackJobId = 0;
    JobId callbackFor = 0;

    QJsonObject toJson() const;
    bool operator==(const Job& other) const;
};

// RFC 3339 UTC with milliseconds, or null for 0.
QJsonValue timestampToJson(qint64 msecsSinceEpoch);
QString formatTimestamp(qint64 msecsSinceEpoch);

Q_DECLARE_METATYPE(Job)
