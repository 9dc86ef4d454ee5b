#include "storebatch.h"

#include <algorithm>

void StoreBatch::addInsert(const QList<Job>& jobs, JobStore::DurableCallback onDurable, bool followsUpdate)
{
    InsertCall call { m_entries.size(), jobs.size(), std::move(onDurable), followsUpdate };
    for (const Job& job : jobs) {
        // A repeated id gets its own entry; its INSERT fails and takes its call with it.
        m_positions.insert(job.id, m_entries.size());
        m_entries.append(Entry { job, true });
        if (!job.idempotencyKey.isEmpty())
            m_idempotencyKeys.insert(job.idempotencyKey, job.id);
    }
    m_inserts.append(std::move(call));
}

void StoreBatch::addUpdate(const Job& job)
{
    const auto it = m_positions.constFind(job.id);
    if (it != m_positions.cend()) {
        m_entries[*it].job = job;
    } else {
        m_positions.insert(job.id, m_entries.size());
        m_entries.append(Entry { job, false });
    }
    if (!job.idempotencyKey.isEmpty())
        m_idempotencyKeys.insert(job.idempotencyKey, job.id);
}

void StoreBatch::restoreUpdate(const Job& job)
{
    if (!m_positions.contains(job.id))
        addUpdate(job);
}

void StoreBatch::restoreInsert(const StoreBatch& failed, const InsertCall& call)
{
    const QList<Entry>& entries = failed.entries();
    QList<Job> jobs;
    QList<std::pair<JobId, qsizetype>> newer; // states of them this batch already holds
    for (qsizetype i = call.first; i < call.first + call.count; ++i) {
        jobs.append(entries.at(i).job);
        if (const auto it = m_positions.constFind(jobs.constLast().id); it != m_positions.cend())
            newer.append({ it.key(), *it });
    }
    addInsert(jobs, call.onDurable, true);
    for (const auto& [id, position] : std::as_const(newer))
        m_positions.insert(id, position); // find() keeps answering the newest
}

const Job* StoreBatch::find(JobId id) const
{
    const auto it = m_positions.constFind(id);
    return it != m_positions.cend() ? &m_entries.at(*it).job : nullptr;
}

const Job* StoreBatch::findByIdempotencyKey(const QString& key) const
{
    const auto it = m_idempotencyKeys.constFind(key);
    return it != m_idempotencyKeys.cend() ? find(*it) : nullptr;
}

QList<qsizetype> StoreBatch::updates() const
{
    QList<qsizetype> positions;
    for (qsizetype i = 0; i < m_entries.size(); ++i) {
        if (!m_entries.at(i).inserted)
            positions.append(i);
    }
    std::sort(positions.begin(), positions.end(),
        [this](qsizetype a, qsizetype b) { return m_entries.at(a).job.id < m_entries.at(b).job.id; });
    return positions;
}
