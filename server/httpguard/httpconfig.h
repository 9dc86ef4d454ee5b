#pragma once

#include "defaultlimits.h"

#include <QByteArray>
#include <QStringList>

// Limits and policy of the hardened HTTP layer. Set once before listening; immutable after.
struct HttpConfig
{
    // Framing limits, enforced on the byte stream before QHttpServer parses it
    qint64 maxBodyBytes = Limits::maxBodyBytes;
    qint64 maxHeaderBytes = Limits::maxHeaderBytes;
    int maxHeaderCount = Limits::maxHeaderCount; // clamped to Limits::maxHeaderCountQt
    int maxConnections = Limits::maxConnections;
    int headerTimeoutSecs = Limits::headerTimeoutSecs;
    int idleTimeoutSecs = Limits::idleTimeoutSecs;
    int lingerMs = Limits::lingerMs;

    // Policy, checked by HttpRouter before any handler runs
    bool loopbackOnly = true; // Host must name the loopback interface: DNS-rebinding defence
    QStringList allowedOrigins; // exact origins ("http://localhost:3000") browsers may call from
    QByteArray token; // empty: no authentication; else "Authorization: Bearer <token>"
};
