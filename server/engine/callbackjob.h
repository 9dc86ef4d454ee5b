#pragma once

#include "job.h"

// Completion callbacks: when a job with a callback_url finishes, the engine queues an http job
// that POSTs the job's final JSON there, so that its delivery has the retries, backoff, headers,
// signature and history of any http job.
namespace CallbackJob {

// Callbacks have a queue of their own: pausing or limiting a queue of jobs does not hold back
// the news that they finished, and the callbacks can be paused, limited and watched apart.
inline constexpr QLatin1StringView queue("callbacks");

// The http job's payload: POST `finished`'s JSON (as GET /jobs/{id} answers) to its callback_url.
QJsonObject payload(const Job& finished);

} // namespace CallbackJob
