#pragma once

#include "httpconfig.h"
#include "requesthead.h"

#include <QByteArray>
#include <QByteArrayView>

// The HTTP/1.x request parser of the guard: finds request boundaries in a byte stream, parses
// each head, and refuses what is over a limit or ambiguous. What it lets through goes on to
// QHttpServer in a plain form (plainrequest.h) that its parser reads the same way
// (tst_requestframer and the fuzzer check that against the real QHttpServer).
// Pure bytes in, decisions out: no sockets, so it can be unit-tested and fuzzed.
//
// Usage: feed each new chunk through next() until it returns NeedMore. Any split of the same
// stream into chunks gives the same events at the same stream positions.
class RequestFramer
{
public:
    enum class Event {
        NeedMore, // input used up
        Head, // a request head is complete and valid: see head()
        Request, // the body of that request is complete too (right after Head when it has none)
        Error, // the stream is refused: see rejection(); sticky, nothing more is consumed
    };

    struct Rejection
    {
        int status = 0;
        const char* code = ""; // API error code, e.g. "bad_request"
        const char* message = "";
    };

    explicit RequestFramer(const HttpConfig& config);

    // Consumes bytes from the front of `input` up to the next event.
    Event next(QByteArrayView& input);

    const RequestHead& head() const { return m_head; } // the current request, from Event::Head on
    const Rejection& rejection() const { return m_rejection; }
    bool isIdle() const; // between requests: no byte of a next one seen yet (blank lines aside)
    bool inBody() const { return m_state == State::Body && m_bodyRemaining > 0; }
    qint64 position() const { return m_position; } // bytes consumed since construction

private:
    enum class State { RequestLine, Headers, Body, Failed };

    Event fail(int status, const char* code, const char* message);
    Event requestLine(QByteArrayView line);
    Event headerLine(QByteArrayView line);
    Event headComplete();
    void consume(QByteArrayView& input, qsizetype n);
    void useAuthorityAsHost();

    // set at construction, immutable
    qint64 m_maxHeaderBytes;
    int m_maxHeaderCount;
    qint64 m_maxBodyBytes;

    State m_state = State::RequestLine;
    QByteArray m_line; // an unfinished line; a line found whole in the input is not copied
    qint64 m_position = 0;
    qint64 m_headBytes = 0; // request line and headers so far, line endings included
    qint64 m_blankBytes = 0; // empty lines skipped before a request line
    qint64 m_bodyRemaining = 0;
    int m_headerCount = 0;
    bool m_sawContentLength = false;
    bool m_sawTransferEncoding = false;
    bool m_sawHost = false;
    bool m_sawOrigin = false;
    bool m_connectionClose = false;
    bool m_connectionKeepAlive = false;
    bool m_connectionUpgrade = false;
    bool m_websocketUpgrade = false;
    QByteArray m_authority; // of an absolute-form target: the request's real Host
    RequestHead m_head;
    Rejection m_rejection;
};
