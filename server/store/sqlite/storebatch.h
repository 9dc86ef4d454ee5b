#pragma once

#include "jobstore.h"

#include <QHash>
#include <QList>

// Writes on their way to the database: the newest state of every job touched, and the insert()
// calls waiting to hear that their jobs are durable. The store fills one batch while the writer
// commits the previous one (group commit); updates to the same job within a batch coalesce.
class StoreBatch
{
public:
    struct Entry
    {
        Job job; // newest state
        bool inserted = false; // new in this batch: INSERT, else UPDATE
    };
    struct InsertCall
    {
        qsizetype first = 0; // its jobs are entries [first, first + count), stored all or none
        qsizetype count = 0;
        JobStore::DurableCallback onDurable;
        // Written with an update (JobStore::updateAndInsert): a failed commit puts it back with
        // the update instead of refusing it, so the updated job never names a job that is gone.
        bool followsUpdate = false;
    };

    // JobStore::removeFinished(): run after the batch's updates, in its transaction.
    struct Removal
    {
        JobQuery filter;
        JobStore::RemovalCallback done;
    };

    bool isEmpty() const
    {
        return m_entries.isEmpty() && m_barriers.isEmpty() && !m_declaredTypes && m_removals.isEmpty() && !m_settings;
    }
    void addInsert(const QList<Job>& jobs, JobStore::DurableCallback onDurable, bool followsUpdate = false);
    void addUpdate(const Job& job);
    // Told the batch's outcome after its commit, like an insert call (JobStore::whenDurable).
    void addBarrier(JobStore::DurableCallback onDurable) { m_barriers.append(std::move(onDurable)); }
    const QList<JobStore::DurableCallback>& barriers() const { return m_barriers; }
    void addRemoval(Removal removal) { m_removals.append(std::move(removal)); }
    const QList<Removal>& removals() const { return m_removals; }
    // The declared job types to write, if they changed (the newest set wins).
    void setDeclaredTypes(const QStringList& types) { m_declaredTypes = types; }
    const std::optional<QStringList>& declaredTypes() const { return m_declaredTypes; }
    // The settings to write (JobStore::setSettings), if they changed: the newest wins.
    void setSettings(const QByteArray& json) { m_settings = json; }
    const std::optional<QByteArray>& settings() const { return m_settings; }
    // Puts back an update of a failed batch unless this batch already holds a newer state.
    void restoreUpdate(const Job& job);
    // Puts back an insert call of a failed batch that followed an update; its jobs are new, so
    // any later update of them in this batch still applies after the INSERT.
    void restoreInsert(const StoreBatch& failed, const InsertCall& call);

    const Job* find(JobId id) const;
    const Job* findByIdempotencyKey(const QString& key) const;

    const QList<Entry>& entries() const { return m_entries; }
    const QList<InsertCall>& inserts() const { return m_inserts; }
    // Positions of the updated (not inserted) jobs, by ascending id for B-tree locality.
    QList<qsizetype> updates() const;

private:
    QList<Entry> m_entries; // contiguous per insert call, in arrival order
    QHash<JobId, qsizetype> m_positions; // id -> its newest entry
    QHash<QString, JobId> m_idempotencyKeys;
    QList<InsertCall> m_inserts;
    QList<JobStore::DurableCallback> m_barriers;
    QList<Removal> m_removals;
    std::optional<QStringList> m_declaredTypes;
    std::optional<QByteArray> m_settings;
};
