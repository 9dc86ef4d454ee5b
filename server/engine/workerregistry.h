#pragma once

#include "workers.h"

#include <QMap>
#include <QSet>

// The external workers QueueLab knows, and the job types that may wait for them. A worker is
// gone once it has not been seen for `goneMs`; gone workers are remembered (the dashboard shows
// them, and the types they named stay accepted) up to a cap, oldest forgotten first. Not
// thread-safe: the engine's mutex guards it.
class WorkerRegistry
{
public:
    struct Entry
    {
        WorkerRegistration registration;
        qint64 registeredAt = 0;
        qint64 lastSeenAt = 0;
        WorkerDirective directive = WorkerDirective::Ok;
        bool gone = false; // marked by markGone(); seen() revives it
    };

    explicit WorkerRegistry(qint64 goneMs);

    qint64 goneMs() const { return m_goneMs; }
    Entry& add(const WorkerRegistration& registration, qint64 now);
    Entry* find(const QString& id);
    const Entry* find(const QString& id) const;
    // A sign of life: revives a gone worker. Returns the worker, null if unknown.
    Entry* seen(const QString& id, qint64 now);
    // Marks the workers not seen for goneMs as gone and returns their ids.
    QStringList markGone(qint64 now);
    qint64 nextGoneAt() const; // 0: no live worker
    bool isGone(const Entry& entry, qint64 now) const { return entry.gone || now >= entry.lastSeenAt + m_goneMs; }
    const QMap<QString, Entry>& all() const { return m_workers; }
    void setDirectiveForAll(WorkerDirective directive)
    {
        for (Entry& entry : m_workers)
            entry.directive = directive;
    }

    // Types with no built-in handler that submissions may use: declared, or named by a worker.
    void declareType(const QString& type) { m_declaredTypes.insert(type); }
    bool acceptsType(const QString& type) const
    {
        return m_declaredTypes.contains(type) || m_workerTypes.contains(type);
    }
    QStringList declaredTypes() const;

private:
    void forgetOldGone();

    const qint64 m_goneMs;
    QMap<QString, Entry> m_workers; // by id: the order the dashboard lists them in
    QSet<QString> m_declaredTypes;
    QSet<QString> m_workerTypes; // named by any worker since the start
};
