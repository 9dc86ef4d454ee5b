#pragma once

// Runs RequestFramer over a stream cut into chunks and records what it decided, for the unit
// test and the fuzzer: both check that any split agrees with one-shot feeding, and that every
// request let through reaches the real QHttpServer 6.4.2 as it was framed (qhttpserverprobe.h).

#include "httpguard/requestframer.h"
#include "qhttpserverprobe.h"

#include <QByteArrayList>
#include <QList>

namespace FramerTrace {

struct Trace
{
    QByteArrayList events; // "H:GET /x 1.1 ka cl=3", "R", "E:400"
    QList<qint64> positions; // stream position after each H and R event
    QList<qint64> lengths; // Content-Length of each head
    QList<RequestHead> heads; // each head, as the guard would hand it on
};

inline QByteArray describe(const RequestHead& head)
{
    QByteArray text = "H:" + head.method + ' ' + head.target + " 1." + QByteArray::number(head.versionMinor)
        + (head.keepAlive ? " ka" : " close") + " cl=" + QByteArray::number(head.contentLength);
    if (head.isHead)
        text += " head";
    if (head.expectContinue)
        text += " expect";
    return text;
}

// Feeds `input` in chunks whose sizes come from `nextChunk()`.
template <typename NextChunk> Trace run(QByteArrayView input, const HttpConfig& config, NextChunk nextChunk)
{
    Trace trace;
    RequestFramer framer(config);
    qsizetype offset = 0;
    while (offset < input.size()) {
        const qsizetype size = qBound(qsizetype(1), qsizetype(nextChunk()), input.size() - offset);
        QByteArrayView chunk = input.sliced(offset, size);
        offset += size;
        for (;;) {
            const RequestFramer::Event event = framer.next(chunk);
            if (event == RequestFramer::Event::NeedMore)
                break;
            if (event == RequestFramer::Event::Error) {
                trace.events += "E:" + QByteArray::number(framer.rejection().status);
                return trace;
            }
            if (event == RequestFramer::Event::Head) {
                trace.events += describe(framer.head());
                trace.lengths += framer.head().contentLength;
                trace.heads += framer.head();
            } else {
                trace.events += "R";
            }
            trace.positions += framer.position();
        }
    }
    return trace;
}

// Empty when the real QHttpServer parses every complete request as the framer framed it.
inline QByteArray disagreementWithQt(QHttpServerProbe& probe, QByteArrayView input, const Trace& trace)
{
    int head = -1;
    qint64 bodyStart = 0;
    for (int i = 0; i < trace.events.size(); ++i) {
        if (trace.events[i].startsWith("H:")) {
            ++head;
            bodyStart = trace.positions.at(i);
            continue;
        }
        if (trace.events[i] != "R")
            continue;
        const QByteArray body = input.sliced(bodyStart, trace.positions.at(i) - bodyStart).toByteArray();
        const QByteArray disagreement = probe.disagreement(trace.heads.at(head), body);
        if (!disagreement.isEmpty())
            return disagreement + " (request " + QByteArray::number(head) + ")";
    }
    return {};
}

} // namespace FramerTrace
