#pragma once

#include "job.h"

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

// External workers: programs outside QueueLab that lease jobs, report on them and finish them.
// Protocol-neutral: the HTTP worker API and other front-ends translate to these types.

// A worker as it introduces itself. Registering again with the same id updates it.
struct WorkerRegistration
{
    QString id; // chosen by the worker
    QString hostname;
    qint64 pid = 0;
    QStringList labels;
    QStringList queues; // the queues it serves, in order; empty: "default"
    QStringList jobTypes; // types it runs; submissions of them are accepted from now on
    QString protocol; // the front-end it came through ("http"), set by that front-end; shown as is
};

// Gone: no sign of life for longer than EngineConfig::workerGoneMs; its leases have expired.
enum class WorkerState { Idle, Busy, Quiet, Gone };
QLatin1StringView workerStateName(WorkerState state);

// What the answer to a beat (and to extend and progress) asks of the worker.
enum class WorkerDirective {
    Ok,
    Quiet, // take no new jobs until a beat answers Ok again; finish the leased ones
    Terminate, // stop: finish or fail the leased jobs, then exit
};
QLatin1StringView directiveName(WorkerDirective directive);

struct LeaseRequest
{
    QString workerId;
    QStringList queues; // tried in this order; empty: the worker's registered queues
    int max = 1; // up to this many jobs in one answer (1..Limits::maxLeaseBatch)
    qint64 waitMs = 0; // when none is ready: wait up to this long for one (0..Limits::maxLeaseWaitMs)
    qint64 reserveForMs = 0; // the lease's life; 0: Limits::defaultReserveForMs, at least minReserveForMs
};

// One job in a worker's hands. The token is the worker's proof: only it can extend or finish.
struct Lease
{
    QString token;
    JobId jobId = 0;
    QString jobType;
    QString workerId;
    qint64 leasedAt = 0; // ms since the epoch
    qint64 expiresAt = 0;
    qint64 reserveForMs = 0; // what extend() adds from now when it is given no duration
    double progress = 0.0;
    QString progressMessage;
    bool cancelRequested = false; // the job was cancelled: the next beat or extend says so

    bool operator==(const Lease& other) const
    {
        return token == other.token && jobId == other.jobId && jobType == other.jobType && workerId == other.workerId
            && leasedAt == other.leasedAt && expiresAt == other.expiresAt && reserveForMs == other.reserveForMs
            && progress == other.progress && progressMessage == other.progressMessage
            && cancelRequested == other.cancelRequested;
    }
};

// What a lease answer holds per job.
struct LeaseGrant
{
    Lease lease;
    Job job;
};

// The answer to extend() and progress(): the lease as it is now, and what the worker should do.
// `cancelled`: the job was cancelled meanwhile; it has ended, the worker should stop working on it.
struct LeaseStatus
{
    Lease lease;
    bool cancelled = false;
    WorkerDirective directive = WorkerDirective::Ok;
};

// The answer to beat(): the directive, and the jobs of this worker that were cancelled and have
// now ended (the worker should stop them and not finish them).
struct BeatAnswer
{
    WorkerDirective directive = WorkerDirective::Ok;
    QList<JobId> cancelledJobs;
};

// A worker failed its job: a code (Faktory's errtype), a message and optional details (a backtrace).
struct WorkerFailure
{
    QString code;
    QString message;
    QString details;
    // >= 0: retry after this delay instead of the engine's backoff (a protocol's own policy,
    // e.g. Faktory's for jobs its clients work)
    qint64 retryInMs = -1;
};

// One external worker as the dashboard and GET /workers show it.
struct ExternalWorkerStatus
{
    WorkerRegistration registration;
    WorkerState state = WorkerState::Idle;
    WorkerDirective directive = WorkerDirective::Ok; // what was asked of it by Quiet/Stop
    qint64 registeredAt = 0; // ms since the epoch
    qint64 lastSeenAt = 0; // its last call of any kind (beat, lease, extend, ...)
    QList<Lease> leases; // by job id

    bool operator==(const ExternalWorkerStatus& other) const
    {
        return registration.id == other.registration.id && registration.hostname == other.registration.hostname
            && registration.pid == other.registration.pid && registration.labels == other.registration.labels
            && registration.queues == other.registration.queues && registration.protocol == other.registration.protocol
            && state == other.state && directive == other.directive && registeredAt == other.registeredAt
            && lastSeenAt == other.lastSeenAt && leases == other.leases;
    }
};

// Counters for /metrics.
struct WorkerCounts
{
    int idle = 0;
    int busy = 0;
    int quiet = 0;
    int gone = 0;
    int leases = 0; // held now
    quint64 leasesGranted = 0; // since start
    quint64 leaseExpiries = 0; // leases that ran out or whose worker was gone (lease_expired)
};

Q_DECLARE_METATYPE(ExternalWorkerStatus)
