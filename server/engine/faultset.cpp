#include "faultset.h"

#include <algorithm>

namespace {

// The names are the API's; the order is FaultKind's.
constexpr const char* kindNames[faultKindCount] = { "fail_attempts", "run_latency", "refuse_submissions",
    "http_latency", "http_drop", "store_unavailable", "expire_leases", "empty_leases", "drop_worker" };

} // namespace

QString faultKindName(FaultKind kind)
{
    return QString::fromLatin1(kindNames[int(kind)]);
}

std::optional<FaultKind> faultKindFromName(const QString& name)
{
    for (int i = 0; i < faultKindCount; ++i) {
        if (name == QLatin1StringView(kindNames[i]))
            return FaultKind(i);
    }
    return std::nullopt;
}

Fault FaultSet::add(const FaultSpec& spec, qint64 now)
{
    QMutexLocker lock(&m_mutex);
    Fault fault;
    fault.id = QString::number(++m_lastId);
    fault.spec = spec;
    fault.createdAt = now;
    fault.endsAt = spec.durationMs > 0 ? now + spec.durationMs : 0;
    const QRandomGenerator random = spec.seed ? QRandomGenerator(*spec.seed) : QRandomGenerator::securelySeeded();
    m_rules.append(Rule { fault, random });
    m_size.storeRelaxed(int(m_rules.size()));
    return fault;
}

bool FaultSet::remove(const QString& id)
{
    QMutexLocker lock(&m_mutex);
    const auto removed = m_rules.removeIf([&id](const Rule& rule) { return rule.fault.id == id; });
    m_size.storeRelaxed(int(m_rules.size()));
    return removed > 0;
}

int FaultSet::clear()
{
    QMutexLocker lock(&m_mutex);
    const int removed = int(m_rules.size());
    m_rules.clear();
    m_size.storeRelaxed(0);
    return removed;
}

int FaultSet::size() const
{
    return m_size.loadRelaxed();
}

QList<Fault> FaultSet::list(qint64 now)
{
    qint64 nextEnd = 0;
    prune(now, &nextEnd);
    QMutexLocker lock(&m_mutex);
    QList<Fault> faults;
    faults.reserve(m_rules.size());
    for (const Rule& rule : std::as_const(m_rules)) {
        faults.append(rule.fault);
        faults.last().remainingMs = rule.fault.endsAt > 0 ? std::max<qint64>(0, rule.fault.endsAt - now) : 0;
    }
    return faults;
}

bool FaultSet::prune(qint64 now, qint64* nextEnd)
{
    QMutexLocker lock(&m_mutex);
    const auto removed = m_rules.removeIf([now](const Rule& rule) { return !isOn(rule.fault, now); });
    m_size.storeRelaxed(int(m_rules.size()));
    qint64 next = 0;
    for (const Rule& rule : std::as_const(m_rules)) {
        if (rule.fault.endsAt > 0 && (next == 0 || rule.fault.endsAt < next))
            next = rule.fault.endsAt;
    }
    if (nextEnd)
        *nextEnd = next;
    return removed > 0;
}

std::optional<FaultSet::Strike> FaultSet::strike(FaultKind kind, const Scope& matches, qint64 now)
{
    QMutexLocker lock(&m_mutex);
    for (Rule& rule : m_rules) {
        Fault& fault = rule.fault;
        if (fault.spec.kind != kind || !isOn(fault, now) || (matches && !matches(fault.spec)))
            continue;
        ++fault.chances;
        // A share of 1 strikes without a draw, 0 never does; a draw otherwise, so that a seeded
        // fault strikes the same number of times over the same number of chances.
        const double share = fault.spec.share;
        if (share <= 0 || (share < 1 && rule.random.generateDouble() >= share))
            continue;
        ++fault.injected;
        ++m_counts[std::size_t(kind)];
        Strike strike { fault.id, fault.spec, 0 };
        if (fault.spec.maxMs > fault.spec.minMs)
            strike.latencyMs = rule.random.bounded(fault.spec.minMs, fault.spec.maxMs + 1);
        else
            strike.latencyMs = fault.spec.minMs;
        return strike;
    }
    return std::nullopt;
}

std::optional<FaultSet::Strike> FaultSet::active(FaultKind kind, const Scope& matches, qint64 now) const
{
    QMutexLocker lock(&m_mutex);
    for (const Rule& rule : m_rules) {
        if (rule.fault.spec.kind == kind && isOn(rule.fault, now) && (!matches || matches(rule.fault.spec)))
            return Strike { rule.fault.id, rule.fault.spec, 0 };
    }
    return std::nullopt;
}

void FaultSet::count(FaultKind kind, quint64 n)
{
    QMutexLocker lock(&m_mutex);
    m_counts[std::size_t(kind)] += n;
}

void FaultSet::setAffected(const QString& id, int affected)
{
    QMutexLocker lock(&m_mutex);
    for (Rule& rule : m_rules) {
        if (rule.fault.id == id) {
            rule.fault.affected = affected;
            rule.fault.injected += quint64(affected);
        }
    }
}

FaultCounts FaultSet::counts() const
{
    QMutexLocker lock(&m_mutex);
    return m_counts;
}
