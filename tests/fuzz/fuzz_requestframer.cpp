// libFuzzer target for the guard's framing. Input: one byte of seed for the chunk splits, one
// byte choosing the limits, then the byte stream. Aborts (a finding) when a split disagrees
// with one-shot feeding, an invariant breaks, or the real QHttpServer 6.4.2 parses a request
// that the framer let through into anything but what the framer framed.

#include "framertrace.h"

#include <QCoreApplication>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

[[noreturn]] void fail(const char* what, const QByteArray& detail = {})
{
    std::fprintf(stderr, "fuzz_requestframer: %s %s\n", what, detail.constData());
    std::abort();
}

HttpConfig configFrom(uint8_t choice)
{
    HttpConfig config;
    if (choice & 1)
        config.maxHeaderBytes = 64 + (choice >> 4) * 16; // small, so limits are reached often
    if (choice & 2)
        config.maxBodyBytes = choice >> 2;
    if (choice & 4)
        config.maxHeaderCount = 1 + (choice >> 5);
    return config;
}

void checkInvariants(const FramerTrace::Trace& trace, QByteArrayView stream, const HttpConfig& config)
{
    qint64 last = 0;
    for (const qint64 position : trace.positions) {
        if (position < last || position > stream.size())
            fail("positions go backwards or past the end");
        last = position;
    }
    for (const qint64 length : trace.lengths) {
        if (length < 0 || length > config.maxBodyBytes)
            fail("a Content-Length over the limit got through");
    }
    for (int i = 0; i + 1 < trace.events.size(); ++i) {
        if (trace.events[i].startsWith("E:"))
            fail("events after an error");
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv)
{
    new QCoreApplication(*argc, *argv); // QHttpServer's objects need one; lives as long as the process
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size < 2)
        return 0;
    uint32_t state = data[0] * 2654435761u + 1;
    const HttpConfig config = configFrom(data[1]);
    const QByteArrayView stream(reinterpret_cast<const char*>(data + 2), qsizetype(size - 2));

    const FramerTrace::Trace whole = FramerTrace::run(stream, config, [&] { return stream.size(); });
    checkInvariants(whole, stream, config);
    static QHttpServerProbe probe;
    const QByteArray disagreement = FramerTrace::disagreementWithQt(probe, stream, whole);
    if (!disagreement.isEmpty())
        fail("QHttpServer parses differently:", disagreement);

    const FramerTrace::Trace split = FramerTrace::run(stream, config, [&] {
        state = state * 1103515245u + 12345u;
        return qsizetype((state >> 16) % 97 + 1);
    });
    if (split.events != whole.events || split.positions != whole.positions)
        fail("a split stream gives other events:", split.events.join('|') + " vs " + whole.events.join('|'));
    if (stream.size() <= 4096) {
        const FramerTrace::Trace bytes = FramerTrace::run(stream, config, [] { return qsizetype(1); });
        if (bytes.events != whole.events || bytes.positions != whole.positions)
            fail("byte-by-byte feeding gives other events");
    }
    return 0;
}
