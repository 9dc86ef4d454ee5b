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
};

// A rejected submission: which field, and why, in words a client developer can act on.
struct SpecError
{
    QString field; // "type", "jobs[3].priority", or empty for the whole body
    QString message;
};

using SpecResult = std::variant<JobSpec, SpecError>;

// Validates one job object. `fieldPrefix` names it inside a batch ("jobs[3].").
SpecResult parseJobSpec(const QJsonObject& object, const QString& fieldPrefix = {});
bool isValidQueueName(QStringView name);
