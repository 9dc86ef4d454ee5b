#pragma once

#include "job.h"
#include "jobspec.h"

#include <QJsonObject>
#include <QString>

#include <variant>

// A Faktory job ("work unit") is a QueueLab job; this is the one mapping between the two.
//
//   Faktory       QueueLab
//   jid           idempotency_key (unique; a job without one is "queuelab-<id>" to Faktory workers)
//   jobtype       type
//   args          payload (the array itself); with `custom`: {"args": [...], "custom": {...}}
//   queue         queue
//   priority      priority (higher first in both)
//   retry         max_attempts - 1 (default 25; 0 and -1: one attempt)
//   at            delay_ms until that time (the past: now)
//   reserve_for   timeout_ms: the lease's life in seconds (default 1800)
//   custom        payload.custom, see args
//
// Jobs submitted over HTTP map back the same way: an array payload is the args, an object with
// an "args" array is args and custom, any other payload is the only argument.
namespace FaktoryJob {

inline constexpr int defaultRetry = 25; // Faktory's documented default for a pushed job
inline constexpr qint64 defaultReserveForSecs = 1800;

struct Pushed
{
    QString jid;
    JobSpec spec;
};

struct Rejected
{
    QString jid; // as far as it could be read
    QString message; // names the Faktory field
};

// A job as PUSH or PUSHB sends it; `nowMs` turns `at` into a delay.
std::variant<Pushed, Rejected> fromPush(const QJsonObject& object, qint64 nowMs);

// Faktory's documented backoff for a failed job's next attempt, `retryCount` failures before
// this one: retryCount^4 + 15 + rand(30) * (retryCount + 1) seconds.
qint64 retryDelayMs(int retryCount);

// The jid a Faktory worker sees for this job.
QString jid(const Job& job);
// The job as FETCH hands it to a worker, as JSON text.
QByteArray fetchedJson(const Job& job);

} // namespace FaktoryJob
