#pragma once

#include "faults.h"

#include <QAtomicInteger>
#include <QMutex>
#include <QRandomGenerator>

#include <functional>

// The faults switched on now, and the draws that decide whether one strikes. Thread-safe: the
// worker slots, the HTTP thread and the engine's timer ask it; its own mutex guards it, never
// held while calling out. Times are the engine's clock, so a virtual clock ends faults too.
class FaultSet
{
public:
    // One fault that struck: a copy of it, and what it asks for.
    struct Strike
    {
        QString faultId;
        FaultSpec spec;
        qint64 latencyMs = 0; // RunLatency, HttpLatency: the draw
    };
    using Scope = std::function<bool(const FaultSpec&)>;

    // Cheap and lock-free: the path of every job and request when no fault is on.
    bool isEmpty() const { return m_size.loadRelaxed() == 0; }

    Fault add(const FaultSpec& spec, qint64 now);
    bool remove(const QString& id);
    int clear();
    int size() const;
    // The faults still on at `now`, oldest first (ended ones are dropped).
    QList<Fault> list(qint64 now);
    // Drops the faults that ended by `now`; true if any did. `nextEnd`: the next end, or 0.
    bool prune(qint64 now, qint64* nextEnd);
    // The first fault of `kind` on at `now` whose scope matches and whose draw strikes; each
    // matching fault counts the chance. Counts the strike under its kind.
    std::optional<Strike> strike(FaultKind kind, const Scope& matches, qint64 now);
    // Whether a fault of `kind` is on at `now` (no draw): the store's state, a dropped worker.
    std::optional<Strike> active(FaultKind kind, const Scope& matches, qint64 now) const;
    // Failures injected outside strike() (leases expired when a fault was added).
    void count(FaultKind kind, quint64 n);
    void setAffected(const QString& id, int affected);
    FaultCounts counts() const;

private:
    struct Rule
    {
        Fault fault;
        QRandomGenerator random;
    };
    static bool isOn(const Fault& fault, qint64 now) { return fault.endsAt == 0 || now < fault.endsAt; }

    mutable QMutex m_mutex;
    QList<Rule> m_rules; // oldest first
    quint64 m_lastId = 0;
    FaultCounts m_counts {};
    QAtomicInteger<int> m_size = 0; // m_rules.size(), for isEmpty()
};
