// EngineCore's reads of jobs: one job, the newest ones by id, and the store's pages brought up
// to the engine's newest state. Shares the engine's state and mutex with enginecore.cpp.
#include "enginecore.h"

#include <algorithm>

std::optional<Job> EngineCore::job(JobId id) const
{
    {
        QMutexLocker lock(&m_mutex);
        const auto it = m_active.constFind(id);
        if (it != m_active.cend() && it->stored)
            return it->job;
    }
    return m_store->find(id);
}

CurrentJobs EngineCore::currentJobs(JobId fromId, JobId toId) const
{
    CurrentJobs result;
    QList<qsizetype> unheld; // positions in result.jobs of jobs the engine no longer holds
    {
        QMutexLocker lock(&m_mutex);
        result.changeSeq = m_changeSeq;
        toId = std::min(toId, m_lastId);
        fromId = std::max({ fromId, JobId(1), toId - Engine::maxCurrentJobs + 1 });
        result.jobs.reserve(std::max<qsizetype>(0, toId - fromId + 1));
        for (JobId id = toId; id >= fromId; --id) {
            const auto it = m_active.constFind(id);
            if (it != m_active.cend()) {
                result.jobs.append(it->job);
            } else {
                unheld.append(result.jobs.size());
                result.jobs.append(Job {});
                result.jobs.last().id = id;
            }
        }
    }
    // Finished (or never stored): every job up to m_lastId was handed to the store before the
    // lock was released.
    readUnheldFromStore(result.jobs, unheld);
    return result;
}

JobId EngineCore::lastJobId() const
{
    QMutexLocker lock(&m_mutex);
    return m_lastId;
}

JobPage EngineCore::listJobs(const JobQuery& query) const
{
    return m_store->list(query);
}

CurrentJobs EngineCore::findJobs(const JobQuery& query) const
{
    CurrentJobs result;
    {
        // Read first: every state read afterwards is at least this new.
        QMutexLocker lock(&m_mutex);
        result.changeSeq = m_changeSeq;
    }
    result.jobs = m_store->list(query).jobs;
    QList<qsizetype> unheld;
    {
        QMutexLocker lock(&m_mutex);
        for (qsizetype i = 0; i < result.jobs.size(); ++i) {
            const auto it = m_active.constFind(result.jobs[i].id);
            if (it != m_active.cend())
                result.jobs[i] = it->job;
            else
                unheld.append(i);
        }
    }
    // Finished: the list shows committed states, find() the newest.
    readUnheldFromStore(result.jobs, unheld);
    return result;
}

void EngineCore::readUnheldFromStore(QList<Job>& jobs, const QList<qsizetype>& unheld) const
{
    for (const qsizetype position : unheld) {
        if (std::optional<Job> stored = m_store->find(jobs[position].id))
            jobs[position] = std::move(*stored);
        else
            jobs[position].id = 0; // pruned meanwhile
    }
    jobs.removeIf([](const Job& job) { return job.id == 0; });
}
