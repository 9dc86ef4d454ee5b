#include "faktoryleases.h"

void FaktoryLeases::put(const QString& jid, const Held& held)
{
    m_held.insert(jid, held);
}

std::optional<FaktoryLeases::Held> FaktoryLeases::take(const QString& jid)
{
    const auto it = m_held.find(jid);
    if (it == m_held.end())
        return std::nullopt;
    Held held = *it;
    m_held.erase(it);
    return held;
}
