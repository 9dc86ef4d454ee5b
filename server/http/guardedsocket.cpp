#include "guardedsocket.h"

#include "guardedtcpserver.h"
#include "httpjson.h"
#include "httplogging.h"
#include "httpresponse.h"

#include <QDeadlineTimer>
#include <QMetaMethod>

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

// A peek buffer grown by a large read is not kept for the life of the connection.
constexpr qsizetype maxKeptScratch = 256 * 1024;

} // namespace

GuardedSocket::GuardedSocket(const HttpConfig& config, GuardedTcpServer* server)
    : QTcpSocket(server)
    , m_config(config)
    , m_server(server)
    , m_framer(config)
    , m_lastActivityMs(nowMs())
{
    connectOwn(&GuardedSocket::beforeServerRead);
}

GuardedSocket::~GuardedSocket()
{
    if (m_server)
        m_server->forget(this);
}

void GuardedSocket::connectOwn(void (GuardedSocket::*slot)())
{
    m_connectingOwn = true;
    connect(this, &QIODevice::readyRead, this, slot);
    m_connectingOwn = false;
}

void GuardedSocket::connectNotify(const QMetaMethod& signal)
{
    QTcpSocket::connectNotify(signal);
    if (m_connectingOwn || m_postSlotConnected || m_mode != Mode::Serving
        || signal != QMetaMethod::fromSignal(&QIODevice::readyRead))
        return;
    // QHttpServer's slot was just appended after ours; append the second one after it.
    m_postSlotConnected = true;
    connectOwn(&GuardedSocket::afterServerRead);
}

void GuardedSocket::beforeServerRead()
{
    // QHttpServer keeps a read transaction open over a partial request, so bytesAvailable()
    // counts from where it stopped: what it left last time, plus what is new now.
    const qint64 available = bytesAvailable();
    const qint64 fresh = available - m_leftover;
    m_leftover = available; // afterServerRead() corrects this once QHttpServer has read
    if (fresh <= 0)
        return; // a re-emitted readyRead (QHttpServer does that for pipelined requests)
    m_lastActivityMs = nowMs();
    // peek() starts where QHttpServer stopped, so the new bytes are the tail of what it gives.
    m_scratch.resize(available);
    const qint64 peeked = peek(m_scratch.data(), available);
    const qint64 seen = available - fresh;
    if (peeked > seen)
        feed(QByteArrayView(m_scratch.constData() + seen, peeked - seen));
    if (m_scratch.capacity() > maxKeptScratch)
        m_scratch = QByteArray();
}

void GuardedSocket::afterServerRead()
{
    m_leftover = bytesAvailable();
}

void GuardedSocket::feed(QByteArrayView input)
{
    bool completed = false;
    for (bool more = true; more;) {
        switch (m_framer.next(input)) {
        case RequestFramer::Event::NeedMore:
            more = false;
            break;
        case RequestFramer::Event::Head:
            m_heads.push_back(m_framer.head());
            break;
        case RequestFramer::Event::Request:
            completed = true;
            break;
        case RequestFramer::Event::Error: {
            const RequestFramer::Rejection& rejection = m_framer.rejection();
            reject(rejection.status, QString::fromLatin1(rejection.code), QString::fromLatin1(rejection.message));
            return;
        }
        }
    }
    if (m_framer.isIdle())
        m_requestStartMs = -1;
    else if (m_requestStartMs < 0 || completed)
        m_requestStartMs = m_lastActivityMs;
    maybeSendContinue();
}

void GuardedSocket::reject(int status, const QString& code, const QString& message)
{
    if (m_mode != Mode::Serving)
        return;
    qCDebug(lcHttp) << "refusing a request from" << peerAddress() << status << message;
    // Requests pipelined before the bad one and not yet answered are dropped with it: serving
    // them would mean letting QHttpServer parse a stream we know it may frame wrongly.
    HttpResponse response = jsonError(status, code, message);
    response.close = true;
    if (state() == ConnectedState)
        write(response.serialize());
    if (m_server)
        m_server->countRejected(status);
    stopServing();
}

void GuardedSocket::stopServing()
{
    m_mode = Mode::Lingering;
    m_heads.clear();
    m_requestStartMs = -1;
    // QHttpServer must not see another byte: drop every readyRead receiver (QHttpServer's is
    // the only foreign one) and keep one that throws input away.
    QObject::disconnect(this, &QIODevice::readyRead, nullptr, nullptr);
    m_postSlotConnected = false;
    connectOwn(&GuardedSocket::discardInput);
    if (isTransactionStarted())
        commitTransaction();
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

const RequestHead* GuardedSocket::currentRequest() const
{
    return m_heads.empty() ? nullptr : &m_heads.front();
}

void GuardedSocket::sendResponse(HttpResponse response)
{
    bool keepAlive = true;
    if (!m_heads.empty()) {
        const RequestHead& head = m_heads.front();
        response.headOnly = head.isHead;
        response.keepAlive10 = head.versionMinor == 0;
        keepAlive = head.keepAlive;
        m_heads.pop_front();
    }
    response.close = response.close || !keepAlive || m_draining;
    m_lastActivityMs = nowMs();
    if (m_mode != Mode::Serving)
        return;
    if (state() == ConnectedState)
        write(response.serialize());
    if (response.close)
        stopServing();
    else
        maybeSendContinue();
}

void GuardedSocket::maybeSendContinue()
{
    // Only for the oldest unanswered request, and only while its body is still to come.
    if (m_mode != Mode::Serving || m_heads.size() != 1 || !m_framer.inBody())
        return;
    RequestHead& head = m_heads.front();
    if (!head.expectContinue)
        return;
    head.expectContinue = false;
    if (state() == ConnectedState)
        write("HTTP/1.1 100 Continue\r\n\r\n");
}

void GuardedSocket::hold()
{
    if (m_held)
        return;
    m_held = true;
    m_connectedAtHold = state() == ConnectedState;
    // Signals are blocked: bound what the socket reads ahead meanwhile.
    setReadBufferSize(Limits::heldReadBufferBytes);
    blockSignals(true);
}

void GuardedSocket::release()
{
    if (!m_held)
        return;
    m_held = false;
    blockSignals(false);
    setReadBufferSize(0); // also re-enables reading if the bounded buffer had filled up
    if (state() == UnconnectedState) {
        // The peer left while we held: QHttpServer's slot deletes the socket on this signal.
        if (m_connectedAtHold)
            Q_EMIT disconnected();
        return;
    }
    m_lastActivityMs = nowMs();
    if (m_requestStartMs >= 0)
        m_requestStartMs = m_lastActivityMs; // a pipelined request waiting behind us gets its full time
    if (bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &QIODevice::readyRead, Qt::QueuedConnection);
}

void GuardedSocket::refuse(int status, const QString& code, const QString& message)
{
    m_served = false;
    connect(this, &QAbstractSocket::disconnected, this, &QObject::deleteLater);
    reject(status, code, message);
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
    if (m_requestStartMs >= 0) {
        if (m_config.headerTimeoutSecs > 0 && nowMs - m_requestStartMs >= qint64(m_config.headerTimeoutSecs) * 1000)
            reject(408, QStringLiteral("request_timeout"), QStringLiteral("the request did not arrive in time"));
    } else if (m_heads.empty() && m_config.idleTimeoutSecs > 0
        && nowMs - m_lastActivityMs >= qint64(m_config.idleTimeoutSecs) * 1000) {
        disconnectFromHost();
    }
}

void GuardedSocket::drain()
{
    m_draining = true;
    if (m_mode == Mode::Serving && !m_held && m_heads.empty() && m_framer.isIdle() && state() == ConnectedState)
        disconnectFromHost();
}
