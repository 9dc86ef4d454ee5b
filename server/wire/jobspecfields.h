#pragma once

#include "jobspec.h"

#include <QJsonValue>
#include <QString>

#include <utility>

// The fields of one job object as read, before validation. Two readers fill them: parseJobSpec()
// from a parsed QJsonObject, and scanJobSpec() straight from the body bytes; one validation
// turns them into a JobSpec or a SpecError, so both readers answer alike.
struct SpecField
{
    enum class Kind {
        Absent,
        Null,
        String,
        Integer, // an integral JSON number within qint64
        Other, // any other JSON value: never valid for these fields
    };
    Kind kind = Kind::Absent;
    QString string; // Kind::String
    qint64 integer = 0; // Kind::Integer

    bool isSet() const { return kind != Kind::Absent && kind != Kind::Null; } // null means the default
};

struct SpecFields
{
    SpecField type, queue, priority, delayMs, timeoutMs, maxAttempts, idempotencyKey, callbackUrl;
    QJsonValue payload { QJsonValue::Undefined };
};

// The job fields by name, the payload aside: both readers look names up here.
inline constexpr std::pair<const char*, SpecField SpecFields::*> specFieldNames[] = {
    { "type", &SpecFields::type },
    { "queue", &SpecFields::queue },
    { "priority", &SpecFields::priority },
    { "delay_ms", &SpecFields::delayMs },
    { "timeout_ms", &SpecFields::timeoutMs },
    { "max_attempts", &SpecFields::maxAttempts },
    { "idempotency_key", &SpecFields::idempotencyKey },
    { "callback_url", &SpecFields::callbackUrl },
};

SpecResult validateJobSpec(SpecFields fields, const QString& fieldPrefix);
