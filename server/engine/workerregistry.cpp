#include "workerregistry.h"

#include "defaultlimits.h"

#include <algorithm>
#include <limits>

WorkerRegistry::WorkerRegistry(qint64 goneMs)
    : m_goneMs(goneMs)
{ }

WorkerRegistry::Entry& WorkerRegistry::add(const WorkerRegistration& registration, qint64 now)
{
    for (const QString& type : registration.jobTypes)
        m_workerTypes.insert(type);
    auto it = m_workers.find(registration.id);
    if (it == m_workers.end()) {
        it = m_workers.insert(registration.id, Entry { registration, now, now, WorkerDirective::Ok, false });
        forgetOldGone();
        return m_workers[registration.id];
    }
    // The same worker again (a reconnect, a restarted process with a fixed id): keep what was
    // asked of it, take what it says about itself now.
    it->registration = registration;
    it->lastSeenAt = now;
    it->gone = false;
    return *it;
}

WorkerRegistry::Entry* WorkerRegistry::find(const QString& id)
{
    const auto it = m_workers.find(id);
    return it == m_workers.end() ? nullptr : &*it;
}

const WorkerRegistry::Entry* WorkerRegistry::find(const QString& id) const
{
    const auto it = m_workers.constFind(id);
    return it == m_workers.cend() ? nullptr : &*it;
}

WorkerRegistry::Entry* WorkerRegistry::seen(const QString& id, qint64 now)
{
    Entry* entry = find(id);
    if (entry) {
        entry->lastSeenAt = std::max(entry->lastSeenAt, now);
        entry->gone = false;
    }
    return entry;
}

QStringList WorkerRegistry::markGone(qint64 now)
{
    QStringList gone;
    for (auto it = m_workers.begin(); it != m_workers.end(); ++it) {
        if (!it->gone && now >= it->lastSeenAt + m_goneMs) {
            it->gone = true;
            gone.append(it.key());
        }
    }
    return gone;
}

qint64 WorkerRegistry::nextGoneAt() const
{
    qint64 next = std::numeric_limits<qint64>::max();
    for (const Entry& entry : m_workers) {
        if (!entry.gone)
            next = std::min(next, entry.lastSeenAt + m_goneMs);
    }
    return next == std::numeric_limits<qint64>::max() ? 0 : next;
}

QStringList WorkerRegistry::declaredTypes() const
{
    QStringList types(m_declaredTypes.cbegin(), m_declaredTypes.cend());
    types.sort();
    return types;
}

void WorkerRegistry::forgetOldGone()
{
    // Workers that pick a new id per process (Faktory's do) would otherwise pile up.
    qsizetype gone = std::count_if(m_workers.cbegin(), m_workers.cend(), [](const Entry& e) { return e.gone; });
    while (gone > Limits::rememberedGoneWorkers) {
        auto oldest = m_workers.end();
        for (auto it = m_workers.begin(); it != m_workers.end(); ++it) {
            if (it->gone && (oldest == m_workers.end() || it->lastSeenAt < oldest->lastSeenAt))
                oldest = it;
        }
        m_workers.erase(oldest);
        --gone;
    }
}
