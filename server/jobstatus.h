#pragma once

#include <QLatin1StringView>
#include <QMetaType>

#include <optional>

// The lifecycle of a job. statusName() gives the API strings, used by JSON, SQL and the UI alike.
enum class JobStatus { Scheduled, Queued, Running, Succeeded, Failed, Cancelled };

inline constexpr int jobStatusCount = 6;

QLatin1StringView statusName(JobStatus status);
std::optional<JobStatus> jobStatusFromString(QStringView name);

// Finished jobs never change again unless retried.
inline bool isFinished(JobStatus status)
{
    return status == JobStatus::Succeeded || status == JobStatus::Failed || status == JobStatus::Cancelled;
}

Q_DECLARE_METATYPE(JobStatus)
