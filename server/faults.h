#pragma once

#include <QList>
#include <QString>

#include <array>
#include <optional>

// Failures injected on purpose, to see how clients, workers and retries cope. A fault is a rule
// the engine holds in memory only (a restart starts without any): what to break, where (a queue
// and/or a job type, or everything), how often (a share of the chances it gets) and for how long
// (by the engine's clock; it turns itself off then). Every failure it causes is marked with its
// id (JobError::fault) and counted per kind.
enum class FaultKind {
    FailAttempts, // a share of attempts fails with a chosen error, before or after the job runs
    RunLatency, // attempts start late: a fixed delay, or uniform between two bounds
    RefuseSubmissions, // a share of submissions answers 503 with Retry-After
    HttpLatency, // answers go out late
    HttpDrop, // a share of requests has its connection closed without an answer
    StoreUnavailable, // the store takes no writes: submissions answer 503 storage_unavailable
    ExpireLeases, // the leases in scope expire now (once, when the fault is added)
    EmptyLeases, // a share of lease requests comes back empty
    DropWorker, // a worker is gone: its leases expire and its calls are refused
};
inline constexpr int faultKindCount = 9;

// The API's names: "fail_attempts", "run_latency", ... Empty optional for an unknown name.
QString faultKindName(FaultKind kind);
std::optional<FaultKind> faultKindFromName(const QString& name);

struct FaultSpec
{
    FaultKind kind = FaultKind::FailAttempts;
    QString queue; // empty: every queue
    QString jobType; // empty: every type
    QString worker; // DropWorker: the worker's id
    double share = 1.0; // 0..1 of the chances (attempts, submissions, requests) it takes
    qint64 durationMs = 0; // 0: until removed
    // FailAttempts
    QString errorCode = QStringLiteral("injected");
    QString errorMessage;
    bool afterRun = false; // false: the attempt fails before the job runs
    // RunLatency, HttpLatency: uniform in [minMs, maxMs] (equal: fixed)
    qint64 minMs = 0;
    qint64 maxMs = 0;
    int retryAfterSecs = 1; // RefuseSubmissions
    // Draws from a generator seeded with this, so a run can be repeated; nullopt: random.
    std::optional<quint32> seed;
};

struct Fault
{
    QString id; // "1", "2", ... in the order they were added, never reused until a restart
    FaultSpec spec;
    qint64 createdAt = 0; // engine clock, ms since the epoch
    qint64 endsAt = 0; // 0: until removed
    qint64 remainingMs = 0; // until endsAt, by the engine's clock when it was listed
    quint64 chances = 0; // times it was asked (an attempt, a submission, a request)
    quint64 injected = 0; // times it struck
    int affected = 0; // ExpireLeases, DropWorker: leases expired when it was added
};

// Failures injected since the start, per kind (indexed by FaultKind), for /metrics.
using FaultCounts = std::array<quint64, faultKindCount>;

// What the HTTP layer does to one request.
struct HttpFaultDecision
{
    bool drop = false; // close the connection without answering
    qint64 latencyMs = 0; // delay the answer by this much
};
