#pragma once

#include "job.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <variant>

// A validated submission: everything the client may set on a new job.
struct JobSpec
{
    QString type;
    QJsonValue payload;
    QString queue = QStringLiteral("default");
    int priority = 0;
    qint64 delayMs = 0;
    qint64 timeoutMs = -1;
    int maxAttempts = 1;
    QString idempotencyKey;
    QString callbackUrl; // empty: no completion callback

    friend bool operator==(const JobSpec& a, const JobSpec& b);
    friend bool operator!=(const JobSpec& a, const JobSpec& b) { return !(a == b); }
};

// A rejected submission: which field, and why, in words a client developer can act on.
struct SpecError
{
    QString field; // "type", "jobs[3].priority", or empty for the whole body
    QString message;

    friend bool operator==(const SpecError& a, const SpecError& b)
    {
        return a.field == b.field && a.message == b.message;
    }
};

using SpecResult = std::variant<JobSpec, SpecError>;

// Validates one job object. `fieldPrefix` names it inside a batch ("jobs[3].").
SpecResult parseJobSpec(const QJsonObject& object, const QString& fieldPrefix = {});
bool isValidQueueName(QStringView name);
