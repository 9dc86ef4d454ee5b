#pragma once

#include "faults.h"
#include "job.h"
#include "jobquery.h"
#include "workers.h"

#include <QList>
#include <QMetaType>
#include <QString>

// One worker slot as the dashboard shows it.
struct WorkerStatus
{
    int slot = 0;
    bool busy = false;
    JobId jobId = 0;
    QString jobType;
    qint64 startedAt = 0; // ms since the epoch
    double progress = 0.0;

    bool operator==(const WorkerStatus& other) const
    {
        return slot == other.slot && busy == other.busy && jobId == other.jobId && jobType == other.jobType
            && startedAt == other.startedAt && progress == other.progress;
    }
};

// Rolling figures of finished jobs.
struct Throughput
{
    double jobsPerSecond = 0.0; // over the last 5 whole seconds
    qint64 finishedLastMinute = 0; // over the last 60 whole seconds
    // Percentiles of wait (created or due, to started) and run time over the newest
    // `percentileJobs` finished jobs (at most 2,048).
    int percentileJobs = 0;
    double waitP50Ms = 0.0;
    double waitP95Ms = 0.0;
    double waitP99Ms = 0.0;
    double runP50Ms = 0.0;
    double runP95Ms = 0.0;
    double runP99Ms = 0.0;
};

// A job's newest state and the number of the change that made it (see EngineSnapshot).
struct JobChange
{
    quint64 seq = 0;
    Job job;
};

enum class EngineState { Stopped, Running, Draining };
QLatin1StringView stateName(EngineState state);

// What the engine publishes to the dashboard a few times a second, coalesced, only on change.
struct EngineSnapshot
{
    EngineState state = EngineState::Stopped;
    qint64 takenAt = 0; // ms since the epoch
    StatusCounts counts {}; // jobs in each status, including stored history
    qint64 queueDepth = 0; // queued jobs (ready to run, waiting for a worker)
    qint64 runnable = 0; // of those, not held by a paused queue or a queue's concurrency limit
    bool processingPaused = false; // all processing is paused (Engine::setProcessingPaused())
    int workerCount = 0;
    int busyWorkers = 0;
    QList<WorkerStatus> workers;
    QList<ExternalWorkerStatus> externalWorkers; // by id, gone ones included
    Throughput throughput;
    qint64 drainDeadline = 0; // while Draining: when running jobs get cancelled (ms since the epoch)
    QList<Fault> faults; // injected faults on now, oldest first
    // The engine numbers every change of every job, one sequence for all. This snapshot covers
    // the changes after `previousChangeSeq` up to `changeSeq`: a receiver whose last snapshot
    // had another `changeSeq` missed some and must reconcile what it shows.
    quint64 previousChangeSeq = 0;
    quint64 changeSeq = 0;
    // Jobs that changed in that span, newest state, newest id first, at most a few thousand; when
    // more changed, `changesTruncated` says that some are missing: views reconcile what they
    // show with Engine::currentJobs().
    QList<JobChange> changedJobs;
    bool changesTruncated = false;
};

Q_DECLARE_METATYPE(EngineSnapshot)
