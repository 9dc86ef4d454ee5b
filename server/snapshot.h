#pragma once

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

// Rolling figures over the last minute of finished jobs.
struct Throughput
{
    double jobsPerSecond = 0.0;
    double waitP50Ms = 0.0;
    double waitP95Ms = 0.0;
    double runP50Ms = 0.0;
    double runP95Ms = 0.0;
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
    int workerCount = 0;
    int busyWorkers = 0;
    QList<WorkerStatus> workers;
    QList<ExternalWorkerStatus> externalWorkers; // by id, gone ones included
    Throughput throughput;
    qint64 drainDeadline = 0; // while Draining: when running jobs get cancelled (ms since the epoch)
    // Jobs that changed since the previous snapshot, newest state, at most a few thousand; when
    // more changed, `changesTruncated` tells views to reload what they show from the store.
    QList<Job> changedJobs;
    bool changesTruncated = false;
};

Q_DECLARE_METATYPE(EngineSnapshot)
