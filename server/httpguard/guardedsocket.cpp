#include "guardedsocket.h"

#include "guardedtcpserver.h"
#include "httpchannel.h"
#include "httpjson.h"
#include "httplogging.h"
#include "httpresponse.h"
#include "plainrequest.h"

#include <QDeadlineTimer>

#include <cstring>

#ifdef Q_OS_WIN
#include <winsock2.h>
#else
#include <sys/socket.h>
#endif

namespace {

qint64 nowMs()
{
    return QDeadlineTimer::current().deadline(); // monotonic
}

} // namespace

GuardedSocket::GuardedSocket(const HttpConfig& config, GuardedTcpServer* server)
    : QTcpSocket(server)
    , m_config(config)
    , m_server(server)
    , m_framer(config)
    , m_lastActivityMs(nowMs())
    , m_lastWriteMs(m_lastActivityMs)
{
    // While requests wait (an answer is pending, or many are pipelined), the kernel holds the
    // rest: TCP flow control slows the client down instead of our memory growing.
    setReadBufferSize(Limits::readAheadBytes);
    connect(this, &QIODevice::readyRead, this, &GuardedSocket::pump);
    connect(this, &QIODevice::bytesWritten, this, &GuardedSocket::onBytesWritten);
}

GuardedSocket::~GuardedSocket()
{
    if (m_channel)
        m_channel->connectionGone();
    if (m_server)
        m_server->forget(this);
}

void GuardedSocket::attachChannel()
{
    m_channel = new HttpChannel(this, this);
    connect(this, &QAbstractSocket::disconnected, m_channel, &HttpChannel::connectionGone);
}

void GuardedSocket::pump()
{
    if (m_pumping)
        return; // a handler answered synchronously; the loop below goes on
    m_pumping = true;
    while (m_mode == Mode::Serving && !m_held && !outputBacklogged()) {
        if (hasCompleteRequest()) {
            const size_t before = m_pending.size();
            dispatchFront();
            // The routes answer or hold every request (HttpExchange answers 500 when dropped);
            // should QHttpServer not call one, the client still gets an answer.
            if (!m_held && m_mode == Mode::Serving && m_pending.size() >= before)
                reject(500, QStringLiteral("internal"), QStringLiteral("the request was not answered"));
        } else if (!readRequests())
            break;
    }
    m_pumping = false;
}

bool GuardedSocket::outputBacklogged() const
{
    return m_output.size() + bytesToWrite() > Limits::maxUnsentAnswerBytes;
}

void GuardedSocket::onBytesWritten()
{
    m_lastWriteMs = nowMs();
    // A client that reads again gets its next answers; pump() stopped while it did not.
    if (m_mode == Mode::Serving && !m_held && !outputBacklogged() && (hasCompleteRequest() || bytesAvailable() > 0))
        QMetaObject::invokeMethod(this, &GuardedSocket::pump, Qt::QueuedConnection);
}

bool GuardedSocket::readRequests()
{
    if (m_pending.size() >= size_t(Limits::maxPipelinedRequests))
        return false;
    const qint64 available = bytesAvailable();
    if (available <= 0)
        return false;
    m_lastActivityMs = nowMs();
    // Bytes are copied out of it before we return (into the pending requests), so one buffer
    // serves every connection of the thread; it stays at most readAheadBytes long. Peeked, not
    // read: what lies past the pipelining limit stays in the socket's buffer, unparsed.
    thread_local QByteArray scratch;
    scratch.resize(available);
    const qint64 got = qMax<qint64>(peek(scratch.data(), available), 0);
    QByteArrayView input(scratch.constData(), got);
    bool completed = false;
    for (bool more = true; more;) {
        const QByteArrayView before = input;
        const bool inBody = m_framer.inBody();
        const RequestFramer::Event event = m_framer.next(input);
        if (inBody) // then this call consumed body bytes only
            m_pending.back().body.append(before.data(), before.size() - input.size());
        switch (event) {
        case RequestFramer::Event::NeedMore:
            more = false;
            break;
        case RequestFramer::Event::Head:
            m_pending.push_back({ m_framer.head(), {}, false });
            // Declared is not sent: reserve no more than one read brings.
            m_pending.back().body.reserve(qsizetype(qMin(m_framer.head().contentLength, Limits::readAheadBytes)));
            break;
        case RequestFramer::Event::Request:
            m_pending.back().complete = true;
            completed = true;
            more = m_pending.size() < size_t(Limits::maxPipelinedRequests);
            break;
        case RequestFramer::Event::Error: {
            const RequestFramer::Rejection& rejection = m_framer.rejection();
            reject(rejection.status, QString::fromLatin1(rejection.code), QString::fromLatin1(rejection.message));
            return false;
        }
        }
    }
    skip(got - input.size());
    if (m_framer.isIdle())
        m_requestStartMs = -1;
    else if (m_requestStartMs < 0 || completed)
        m_requestStartMs = m_lastActivityMs;
    maybeSendContinue();
    return completed;
}

void GuardedSocket::dispatchFront()
{
    Pending& request = m_pending.front();
    // A big request (a batch) takes long: the answers queued so far should not wait for it.
    if (m_server && request.body.size() > Limits::maxBatchedAnswerBytes)
        m_server->flushAll();
    if (!m_channel) {
        reject(503, QStringLiteral("unavailable"), QStringLiteral("the server is not serving requests"));
        return;
    }
    // The head stays queued: the answer is framed for it.
    QByteArray head = plainRequestHead(request.head, request.body.size());
    m_channel->deliver(std::move(head), std::move(request.body));
}

void GuardedSocket::reject(int status, const QString& code, const QString& message, const HttpHeaders& headers)
{
    if (m_mode != Mode::Serving)
        return;
    qCDebug(lcHttp) << "refusing a request from" << peerAddress() << status << message;
    // Requests pipelined before the bad one and not yet answered are dropped with it: the
    // connection closes after this answer, and answers must go out in request order.
    HttpResponse response = jsonError(status, code, message);
    response.headers = headers;
    response.close = true;
    if (state() == ConnectedState) {
        queueOutput(response.serialize());
        flushOutput();
    }
    if (m_server) {
        // The request being read, if its head arrived; pipelined ones before it were answered.
        const RequestHead* head = !m_pending.empty() && !m_pending.back().complete ? &m_pending.back().head : nullptr;
        m_server->countRejected(status, head, response.body);
    }
    stopServing();
}

void GuardedSocket::stopServing()
{
    m_mode = Mode::Lingering;
    m_pending.clear();
    m_requestStartMs = -1;
    disconnect(this, &QIODevice::readyRead, this, &GuardedSocket::pump);
    connect(this, &QIODevice::readyRead, this, &GuardedSocket::discardInput);
    discardInput();
    // Lingering close, as nginx does: stop sending, then read and drop input until the client
    // closes or lingerMs pass. Closing with unread input would make the kernel send a RST,
    // which can destroy our answer before the client has read it.
    m_lingerDeadlineMs = nowMs() + m_config.lingerMs;
    shutdownWriteWhenFlushed();
}

void GuardedSocket::discardInput()
{
    if (isOpen() && bytesAvailable() > 0)
        skip(bytesAvailable());
}

void GuardedSocket::shutdownWriteWhenFlushed()
{
    if (m_writeShutdown || state() != ConnectedState)
        return;
    flush();
    if (bytesToWrite() > 0) {
        connect(
            this, &QAbstractSocket::bytesWritten, this, &GuardedSocket::shutdownWriteWhenFlushed, Qt::UniqueConnection);
        return;
    }
    m_writeShutdown = true;
#ifdef Q_OS_WIN
    ::shutdown(SOCKET(socketDescriptor()), SD_SEND);
#else
    ::shutdown(int(socketDescriptor()), SHUT_WR);
#endif
}

GuardedSocket::Framing GuardedSocket::framing() const
{
    Framing framing;
    if (hasCompleteRequest()) {
        const RequestHead& head = m_pending.front().head;
        framing.headOnly = head.isHead;
        framing.keepAlive10 = head.versionMinor == 0;
        framing.close = !head.keepAlive;
    }
    framing.close = framing.close || m_draining;
    return framing;
}

const RequestHead& GuardedSocket::currentHead() const
{
    static const RequestHead none;
    return hasCompleteRequest() ? m_pending.front().head : none;
}

void GuardedSocket::appendAnswerBytes(const char* data, qint64 size)
{
    if (m_mode != Mode::Serving || state() != ConnectedState || size <= 0)
        return;
    // The responder writes an answer in about twenty pieces, and QByteArray::append() goes
    // through insert() in Qt 6.4; the output keeps its capacity from one pass to the next.
    const qsizetype at = m_output.size();
    m_output.resize(at + qsizetype(size));
    std::memcpy(m_output.data() + at, data, size_t(size));
}

void GuardedSocket::answered(bool close, qsizetype bodySize)
{
    if (hasCompleteRequest())
        m_pending.pop_front();
    m_lastActivityMs = nowMs();
    if (!outputBacklogged())
        m_lastWriteMs = m_lastActivityMs; // from when the backlog starts, only the kernel's progress counts
    if (m_mode != Mode::Serving)
        return;
    if (state() == ConnectedState) {
        flushSoon();
        // A big answer was costly to make: making it wait for the rest of the pass as well
        // would idle its client longer than the saved wake-up is worth.
        if (close || bodySize > Limits::maxBatchedAnswerBytes)
            flushOutput();
    }
    if (close)
        stopServing();
    else
        maybeSendContinue();
}

void GuardedSocket::channelFailed()
{
    reject(400, QStringLiteral("bad_request"), QStringLiteral("the request could not be parsed"));
}

void GuardedSocket::queueOutput(const QByteArray& bytes)
{
    m_output += bytes;
    flushSoon();
}

void GuardedSocket::flushSoon()
{
    if (m_outputQueued)
        return;
    m_outputQueued = true;
    if (m_server)
        m_server->flushSoon(this);
    else
        flushOutput();
}

void GuardedSocket::flushOutput()
{
    if (!m_outputQueued)
        return;
    m_outputQueued = false;
    if (state() == ConnectedState && !m_output.isEmpty())
        writeNow(m_output);
    m_output.resize(0); // keeps the capacity for the next answers
}

void GuardedSocket::writeNow(const QByteArray& bytes)
{
#ifndef Q_OS_WIN
    // QTcpSocket::write() buffers and turns the write notifier on, and flushing turns it off
    // again; with the glib event dispatcher each toggle also wakes the loop (a syscall), so an
    // answer cost three writes. With nothing of ours queued, send() keeps the order and
    // usually takes it all; QTcpSocket buffers the rest, or reports the error.
    if (bytesToWrite() == 0) {
        const ssize_t sent = ::send(int(socketDescriptor()), bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL);
        if (sent == bytes.size())
            return;
        if (sent > 0) {
            write(bytes.constData() + sent, bytes.size() - sent);
            return;
        }
    }
#endif
    write(bytes);
    flush(); // now, not on the next pass of the event loop
}

void GuardedSocket::maybeSendContinue()
{
    // Only for the oldest unanswered request, and only while its body is still to come.
    if (m_mode != Mode::Serving || m_pending.size() != 1 || !m_framer.inBody())
        return;
    RequestHead& head = m_pending.front().head;
    if (!head.expectContinue)
        return;
    head.expectContinue = false;
    if (m_server && m_server->m_continueCheck) {
        if (const std::optional<HeadRefusal> refusal = m_server->m_continueCheck(head)) {
            reject(refusal->status, refusal->code, refusal->message, refusal->headers);
            return;
        }
    }
    if (state() == ConnectedState) {
        queueOutput(QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n"));
        flushOutput(); // the client waits for it
    }
}

void GuardedSocket::hold()
{
    m_held = true;
}

void GuardedSocket::release()
{
    if (!m_held)
        return;
    m_held = false;
    m_lastActivityMs = nowMs();
    if (m_requestStartMs >= 0)
        m_requestStartMs = m_lastActivityMs; // a pipelined request waiting behind us gets its full time
    // Queued: release() runs inside whatever answered (a batch of commit answers, say), and
    // the next request's handler should not run nested in it.
    if (hasCompleteRequest() || bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &GuardedSocket::pump, Qt::QueuedConnection);
}

void GuardedSocket::refuse(int status, const QString& code, const QString& message, const HttpHeaders& headers)
{
    m_served = false;
    reject(status, code, message, headers);
}

void GuardedSocket::sweep(qint64 nowMs)
{
    if (m_held)
        return; // the holder answers (or its HttpExchange's destructor does), then we go on
    if (m_mode == Mode::Lingering) {
        if (nowMs >= m_lingerDeadlineMs && state() != UnconnectedState)
            abort();
        return;
    }
    if (state() != ConnectedState)
        return;
    // A client that stopped reading its answers keeps no memory of ours for longer than an idle one.
    if (outputBacklogged()) {
        if (m_config.idleTimeoutSecs > 0 && nowMs - m_lastWriteMs >= qint64(m_config.idleTimeoutSecs) * 1000)
            abort();
        return;
    }
    if (m_requestStartMs >= 0) {
        if (m_config.headerTimeoutSecs > 0 && nowMs - m_requestStartMs >= qint64(m_config.headerTimeoutSecs) * 1000)
            reject(408, QStringLiteral("request_timeout"), QStringLiteral("the request did not arrive in time"));
    } else if (m_pending.empty() && m_config.idleTimeoutSecs > 0
        && nowMs - m_lastActivityMs >= qint64(m_config.idleTimeoutSecs) * 1000) {
        flushOutput();
        disconnectFromHost();
    }
}

void GuardedSocket::drain()
{
    m_draining = true;
    if (m_mode == Mode::Serving && !m_held && m_pending.empty() && m_framer.isIdle() && state() == ConnectedState) {
        flushOutput();
        disconnectFromHost();
    }
}
