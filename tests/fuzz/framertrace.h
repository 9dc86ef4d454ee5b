#pragma once

// Runs RequestFramer over a stream cut into chunks and records what it decided, for the unit
// test and the fuzzer: both check that any split agrees with one-shot feeding, and that every
// request let through is framed identically by QHttpServer 6.4.2 (qt642model.h).

#include "http/requestframer.h"
#include "qt642model.h"

#include <QByteArrayList>
#include <QList>

namespace FramerTrace {

struct Trace
{
    QByteArrayList events; // "H:GET /x 1.1 ka cl=3", "R", "E:400"
    QList<qint64> positions; // stream position after each H and R event
    QList<qint64> lengths; // Content-Length of each head
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
            } else {
                trace.events += "R";
            }
            trace.positions += framer.position();
        }
    }
    return trace;
}

// Empty when QHttpServer 6.4.2 frames each complete request exactly as the framer did.
inline QByteArray disagreementWithQt(QByteArrayView input, const Trace& trace)
{
    qsizetype start = 0;
    int head = -1;
    for (int i = 0; i < trace.events.size(); ++i) {
        if (trace.events[i].startsWith("H:")) {
            ++head;
            continue;
        }
        if (trace.events[i] != "R")
            continue;
        const Qt642Model::Frame frame = Qt642Model::frame(input, start);
        const qsizetype end = qsizetype(trace.positions.at(i));
        const QByteArray where = " (request at " + QByteArray::number(start) + ")";
        if (frame.result != Qt642Model::Frame::Complete)
            return "Qt does not see a complete request" + where;
        if (!frame.headersParsed)
            return "Qt's header parser fails: it would ignore every header" + where;
        if (frame.chunked || frame.websocket)
            return "Qt would take the chunked or WebSocket path" + where;
        if (qMax<qint64>(frame.contentLength, 0) != trace.lengths.at(head))
            return "Content-Length differs: Qt " + QByteArray::number(frame.contentLength) + where;
        if (frame.end != end)
            return "the request ends at " + QByteArray::number(frame.end) + " for Qt" + where;
        start = end;
    }
    return {};
}

} // namespace FramerTrace
