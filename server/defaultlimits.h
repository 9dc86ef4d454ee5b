#pragma once

#include <QtGlobal>

// Every explicit limit and default of QueueLab in one place. Options that a user may want to
// change are command-line flags (app/options.cpp); the rest are fixed by the API contract.
namespace Limits {

// HTTP (server/httpguard/, server/api/)
inline constexpr qint64 maxBodyBytes = 1024 * 1024; // contract: 413 beyond 1 MiB
inline constexpr qint64 maxHeaderBytes = 16 * 1024; // request line + headers
inline constexpr int maxHeaderCount = 100;
inline constexpr int maxConnections = 1024;
inline constexpr int headerTimeoutSecs = 10; // a request must arrive whole within this
inline constexpr int idleTimeoutSecs = 60; // keep-alive connections idle longer are closed
inline constexpr int lingerMs = 2000; // after a rejected request, read and discard before closing
// QHttpHeaderParser (6.4.2) drops *all* headers of a request with a field line over 8 KiB; we
// refuse such lines (and more fields than it takes), so no request means more to us than to it.
inline constexpr int maxHeaderLineBytes = 8 * 1024;
inline constexpr int maxHeaderCountQt = 100; // the same parser's hard field limit
inline constexpr int httpSweepIntervalMs = 250; // one timer per listener checks all its timeouts
inline constexpr qint64 readAheadBytes = 64 * 1024; // read from the kernel ahead of the request being answered
inline constexpr int maxPipelinedRequests = 16; // a connection stops being read with this many unanswered
inline constexpr qsizetype maxUnsentAnswerBytes = 1024 * 1024; // a client that reads no answers is read no more
// Answers go out at the end of an event-loop pass, except bigger ones, and those queued before a
// bigger request is handled: big requests and answers take long enough to make others wait.
inline constexpr qsizetype maxBatchedAnswerBytes = 16 * 1024;
inline constexpr int corsMaxAgeSecs = 600;
inline constexpr int requestLogSize = 1000; // the dashboard's request log keeps the newest ones
inline constexpr int requestLogPreviewBytes = 200;
// An error answer is kept up to this size, so that its code and message are read whole.
inline constexpr int requestLogErrorBytes = 2048;

// Jobs
inline constexpr int maxQueued = 1000000;
inline constexpr int maxQueueNameLength = 64;
// Queues kept without jobs (paused, limited, or idle since their last job): idle ones beyond it
// are forgotten, and pausing or limiting another is refused until one is deleted.
inline constexpr int maxQueuesWithoutJobs = 1000;
inline constexpr int maxTypeLength = 64;
inline constexpr int maxIdempotencyKeyLength = 256;
inline constexpr int maxBatchJobs = 10000;
inline constexpr qint64 maxDelayMs = 365LL * 24 * 3600 * 1000; // a year
inline constexpr qint64 maxTimeoutMs = 24LL * 3600 * 1000; // a day
inline constexpr qint64 maxClockAdvanceMs = 365LL * 24 * 3600 * 1000; // one advance of the virtual clock: a year
inline constexpr int maxAttempts = 100;
inline constexpr int maxPriority = 1000000;
inline constexpr qint64 maxResultBytes = 1024 * 1024; // a handler's result is capped at this
inline constexpr int maxWaitMs = 60000; // GET /jobs/{id}?wait_ms=
inline constexpr int defaultListLimit = 100;
inline constexpr int maxListLimit = 1000;
inline constexpr qsizetype maxListAnswerBytes = 8 * 1024 * 1024; // a GET /jobs page stops after the job past this
inline constexpr int drainTimeoutSecs = 30;
inline constexpr int keepFinished = 100000;
inline constexpr int maxWorkers = 256;

// Retries: exponential backoff base * 2^(attempt-1), capped, with +-20% jitter
inline constexpr qint64 retryBaseMs = 500;
inline constexpr qint64 retryMaxMs = 60000;

// External workers (leases)
inline constexpr qint64 defaultReserveForMs = 30LL * 60 * 1000; // a lease's life unless the worker asks
inline constexpr qint64 minReserveForMs = 1000;
inline constexpr qint64 maxReserveForMs = 24LL * 3600 * 1000;
inline constexpr int maxLeaseBatch = 1000; // jobs in one lease answer
inline constexpr qint64 maxLeaseWaitMs = 60000; // a lease request's long poll
inline constexpr qint64 workerGoneMs = 60000; // a worker unseen this long is gone, its leases expire
inline constexpr int rememberedGoneWorkers = 100;
inline constexpr int maxWorkerIdLength = 128;
inline constexpr int maxWorkerTextLength = 1024; // hostname, a label, a progress message
inline constexpr int maxWorkerFailureBytes = 64 * 1024; // a failure's message and details together

// Injected faults (faults.h)
inline constexpr int maxFaults = 100; // on at once
inline constexpr qint64 maxFaultDurationMs = 7LL * 24 * 3600 * 1000;
inline constexpr qint64 maxFaultLatencyMs = 10LL * 60 * 1000; // run and answer latency
inline constexpr int maxFaultRetryAfterSecs = 3600;
inline constexpr int maxFaultMessageLength = 1024;

// exec job type
inline constexpr qint64 maxExecOutputBytes = 64 * 1024; // each of stdout and stderr

// Push delivery (http jobs, completion callbacks, the sink)
inline constexpr qsizetype deliveryPreviewBytes = 4096; // of each request and answer body kept per attempt
inline constexpr int deliverySweepMs = 50; // how soon a cancelled or stopped delivery is aborted
inline constexpr int deliveriesPerTarget = 6; // sent at once to one host and port; more wait their turn
inline constexpr int maxCallbackUrlLength = 2048;
inline constexpr int callbackMaxAttempts = 5; // of a completion callback, with the engine's backoff between
inline constexpr qint64 callbackTimeoutMs = 10000; // of each callback request
inline constexpr int sinkRequests = 1000; // requests kept per sink, oldest dropped
inline constexpr qint64 sinkKeptBytes = 32 * 1024 * 1024; // bodies kept by all sinks, oldest dropped
inline constexpr qint64 sinkBodyBytes = 1024 * 1024; // of one request's body
inline constexpr qint64 sinkSignatureToleranceSecs = 300; // webhook-timestamp this far off is not verified
inline constexpr qint64 maxSinkDelayMs = 10LL * 60 * 1000;
inline constexpr int maxSinks = 100;
inline constexpr int maxSinkNameLength = 64;
inline constexpr int maxSinkScriptSteps = 100;

// Dashboard: snapshots are published at most this often, and only when something changed
inline constexpr int snapshotIntervalMs = 100;

} // namespace Limits
