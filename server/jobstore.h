#pragma once

#include "jobquery.h"

#include <QHash>
#include <QJsonObject>
#include <QString>

#include <functional>
#include <optional>

// Where jobs live beyond the engine's working set: history for GET /jobs and the dashboard, and
// durability across restarts. Every method may be called from any thread.
class JobStore
{
public:
    // Called once the jobs of an insert() survive a process crash (error empty) or failed to
    // be stored (error set; none of them was). Runs on whatever thread the store likes.
    using DurableCallback = std::function<void(const QString& error)>;

    virtual ~JobStore() = default;

    // Opens (or creates) the store; false with a message a user can act on.
    virtual bool open(QString* error) = 0;
    // Jobs that were not finished when the store was last closed, oldest first.
    virtual QList<Job> loadUnfinished() = 0;
    virtual JobId maxId() const = 0;
    virtual StatusCounts countByStatus() const = 0;
    // The same per queue, as the store held them when open() returned: the engine reads them
    // once, at open, and follows every change itself from then on.
    virtual QHash<QString, StatusCounts> countByQueueAtOpen() const = 0;
    // Finished jobs dropped for retention (keepFinished) since the last call, per queue and
    // status: the one change the engine does not make itself. Any thread.
    virtual QHash<QString, StatusCounts> takePruned() = 0;

    // New jobs, all stored or none.
    virtual void insert(const QList<Job>& jobs, DurableCallback onDurable) = 0;
    // A job changed (status, progress, result). Writes may be coalesced; reads see the newest.
    virtual void update(const Job& job) = 0;
    // A job changed, and new jobs follow from it (a finished job and its completion callback):
    // written as one, so that a crash keeps both or neither. `onDurable` is the insert's, as
    // for insert(), but a failed commit does not refuse the jobs: they are retried with the
    // update and later writes, and refused only if the store closes first.
    virtual void updateAndInsert(const Job& job, const QList<Job>& jobs, DurableCallback onDurable)
    {
        update(job);
        insert(jobs, std::move(onDurable));
    }
    // Calls `onDurable` once every insert() and update() made before this call survives a crash
    // (error empty), or with the error if their commit failed (updates are retried with later
    // writes, so the state is not lost, but not durable yet either). Any thread, like insert().
    virtual void whenDurable(DurableCallback onDurable) = 0;

    // Job types the user declared for external workers (Engine::declareJobType), kept across
    // restarts. The set is written with the next commit.
    virtual QStringList declaredJobTypes() const = 0;
    virtual void setDeclaredJobTypes(const QStringList& types) = 0;

    // Settings the user made that outlive a restart (queue pauses and limits, the worker count):
    // one JSON object the engine reads at open and writes whole when one changes; the store
    // writes it with the next commit and keeps it as it is.
    virtual QJsonObject settings() const = 0;
    virtual void setSettings(const QJsonObject& settings) = 0;

    virtual std::optional<Job> find(JobId id) const = 0;
    virtual std::optional<Job> findByIdempotencyKey(const QString& key) const = 0;
    virtual JobPage list(const JobQuery& query) const = 0;
    // How many jobs pass the query's filters (its limit and cursor aside), as list() sees them.
    virtual qint64 count(const JobQuery& query) const = 0;

    // Deletes the finished jobs that pass `filter`, whose status must be a finished one, and
    // tells `done` how many went once that survives a crash (or the error, and none went). Jobs
    // updated before the call are deleted only if their newest state still passes the filter.
    using RemovalCallback = std::function<void(qint64 removed, const QString& error)>;
    virtual void removeFinished(const JobQuery& filter, RemovalCallback done) = 0;

    // Why the store cannot keep what it is given any more (its file was deleted, replaced or
    // truncated under it), for good; empty while it can. Cheap: called for each submission.
    virtual QString problem() const { return {}; }

    // While `reason` is set the store takes no writes, as if its disk were gone (the "store
    // unavailable" fault): inserts and whenDurable() fail with the reason, updates are kept and
    // written once it is cleared. Empty: writes go through again. Any thread.
    virtual void setUnavailable(const QString& reason) = 0;

    // Writes what is pending and releases the store. Nothing is accepted afterwards.
    virtual void close() = 0;
};
