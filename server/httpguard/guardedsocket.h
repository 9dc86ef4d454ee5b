#pragma once

#include "httpconfig.h"
#include "httpheaders.h"
#include "requestframer.h"
#include "requesthead.h"

#include <QByteArray>
#include <QTcpSocket>

#include <deque>

class GuardedTcpServer;
class HttpChannel;

// One client connection, guarded in front of QHttpServer. RequestFramer checks the byte stream
// (limits, timeouts, ambiguous framing); each complete request goes to QHttpServer through this
// connection's HttpChannel, one at a time and in order, and QHttpServer's responder writes the
// answer back through it. A request the framer refuses is answered here with a JSON error,
// and the connection closes after it.
//
// QHttpServer 6.4.2 must not read the client's bytes itself: it has no limits or timeouts,
// trusts a bad Content-Length (request smuggling), ignores Connection: close and HTTP/1.0,
// and answers pipelined requests out of order when one answer is deferred.
class GuardedSocket : public QTcpSocket
{
    Q_OBJECT
public:
    GuardedSocket(const HttpConfig& config, GuardedTcpServer* server);
    ~GuardedSocket() override;

    // What QHttpServer talks to; created once the descriptor is adopted.
    HttpChannel* channel() const { return m_channel; }
    void attachChannel();

    // How the answer to the current request must be framed.
    struct Framing
    {
        bool headOnly = false; // HEAD: the GET's headers and Content-Length, no body bytes
        bool close = false; // "Connection: close", then the connection closes
        bool keepAlive10 = false; // "Connection: keep-alive": HTTP/1.0 clients assume close otherwise
    };
    Framing framing() const;
    const RequestHead& currentHead() const; // the request being answered

    // A deferred answer holds the connection: its later requests wait unread (read-ahead is
    // bounded), so answers stay in order. release() goes on with them.
    void hold();
    void release();
    bool isHeld() const { return m_held; }

    // The channel's side. The answer's bytes come as QHttpServerResponder writes them; once
    // it is whole, answered() retires the current request. The bytes go out with the other
    // answers of this event-loop pass (GuardedTcpServer::flushAll), or at once when the
    // connection closes after it: because the request, the answer or a drain asks for that.
    void appendAnswerBytes(const char* data, qint64 size);
    void answered(bool close, qsizetype bodySize);
    void channelFailed(); // QHttpServer could not parse a request the framer passed

private:
    friend class GuardedTcpServer;
    enum class Mode {
        Serving,
        Lingering, // answered for the last time: reading and dropping input until closed
    };
    struct Pending
    {
        RequestHead head;
        QByteArray body;
        bool complete = false; // the whole body has arrived
    };

    void pump(); // reads and dispatches until held, out of requests or out of input
    bool readRequests(); // feeds buffered input to the framer; true if a request completed
    void dispatchFront();
    void reject(int status, const QString& code, const QString& message, const HttpHeaders& headers = {});
    // Unsent answers over Limits::maxUnsentAnswerBytes: no more requests are read until they drain.
    bool outputBacklogged() const;
    void onBytesWritten();
    void stopServing();
    void discardInput();
    void shutdownWriteWhenFlushed();
    void queueOutput(const QByteArray& bytes); // sent at the end of this event-loop pass
    void flushSoon(); // m_output is sent at the end of this event-loop pass
    void flushOutput();
    void writeNow(const QByteArray& bytes);
    void maybeSendContinue();
    bool hasCompleteRequest() const { return !m_pending.empty() && m_pending.front().complete; }

    // Called by GuardedTcpServer
    void refuse(int status, const QString& code, const QString& message, const HttpHeaders& headers);
    void sweep(qint64 nowMs);
    void drain();

    // set at construction, immutable
    const HttpConfig m_config; // a copy: sockets die after the server during its destruction
    GuardedTcpServer* m_server; // nulled by the server's destructor
    HttpChannel* m_channel = nullptr; // our child; QHttpServer deletes it when we disconnect

    // HTTP thread only
    RequestFramer m_framer;
    std::deque<Pending> m_pending; // unanswered requests, oldest first; only the last may be incomplete
    QByteArray m_output; // answers not sent yet
    bool m_outputQueued = false; // in the listener's flush list
    qint64 m_lastActivityMs = 0;
    qint64 m_lastWriteMs = 0; // the kernel last took answer bytes (see outputBacklogged())
    qint64 m_requestStartMs = -1; // first byte of the pending partial request, -1 if none
    qint64 m_lingerDeadlineMs = 0;
    Mode m_mode = Mode::Serving;
    bool m_served = false; // false: refused at accept with a 503
    bool m_held = false;
    bool m_pumping = false;
    bool m_draining = false;
    bool m_writeShutdown = false;
};
