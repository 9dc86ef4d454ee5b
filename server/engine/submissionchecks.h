#pragma once

#include "delivery/targetpolicy.h"
#include "engine.h"

#include <QVarLengthArray>

#include <functional>
#include <optional>

// What a submission must pass before the engine creates its jobs: known and allowed types with
// valid payloads, a store that still has its file, an engine that takes jobs, room in the queue.
// Each failed check is the error the client hears.
namespace SubmissionChecks {

struct ResolvedType
{
    QString name; // the registry's own copy (static): the jobs hold it, not the client's
    bool external = false; // no built-in handler: for external workers
};
using ResolvedTypes = QVarLengthArray<ResolvedType, 1>;

// Each spec's type, or the first spec's error naming its field ("jobs[3].type" in a batch).
// `declared`: whether a type without a built-in handler is one that external workers take.
EngineResult<ResolvedTypes> resolveTypes(const QList<JobSpec>& specs, bool batch, const HandlerRegistry& handlers,
    const std::function<bool(const QString&)>& declared);

// The first spec whose callback_url the policy refuses (target_not_allowed, as for an http job's
// url), naming its field ("jobs[3].callback_url" in a batch).
std::optional<EngineError> callbackRefused(const QList<JobSpec>& specs, bool batch, const TargetPolicy& policy);

// Set: the store lost its file (storage_lost); `problem` is JobStore::problem().
std::optional<EngineError> storageLost(const QString& problem);

// Set: the engine is draining or stopped.
std::optional<EngineError> notTakingJobs(EngineState state);

// Set: `adding` more jobs would pass the capacity (--max-queued).
std::optional<EngineError> queueFull(qint64 waiting, qint64 adding, qint64 capacity);

} // namespace SubmissionChecks
