#pragma once

#include "jobstore.h"

#include <QString>

#include <memory>

// The stores QueueLab ships, for whoever wires an engine (app/): their classes stay in store/.

// --in-memory: every job in memory, nothing survives the process. `keepFinished`: finished jobs
// kept before the oldest are dropped.
std::unique_ptr<JobStore> makeMemoryJobStore(int keepFinished);

// What an SQLite commit survives (--sync).
enum class StoreSync {
    Normal, // a crash of the process
    Full, // a power loss: an fsync per commit
};

// One SQLite file at `path`, whose directory exists. `keepFinished`: finished jobs kept before the
// oldest are pruned; negative keeps all.
std::unique_ptr<JobStore> makeSqliteJobStore(const QString& path, StoreSync sync, int keepFinished);
