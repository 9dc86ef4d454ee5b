#pragma once

#include "job.h"

#include <QHash>
#include <QString>

#include <optional>

// The leases handed out over FETCH, by jid: ACK and FAIL name only the jid, and a Faktory
// worker's connection pool may send them on another connection than the FETCH's. Used on the
// Faktory thread only.
class FaktoryLeases
{
public:
    struct Held
    {
        JobId jobId = 0;
        QString token;
        QString workerId;
        int attempt = 0; // the job's attempt this lease is (1: the first)
    };

    void put(const QString& jid, const Held& held);
    std::optional<Held> take(const QString& jid);
    qsizetype size() const { return m_held.size(); }

private:
    // A lease that expired stays until its jid is fetched again or answered: bounded by the jobs
    // whose worker vanished, which the next fetch of the job replaces.
    QHash<QString, Held> m_held;
};
