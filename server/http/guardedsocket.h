#pragma once

#include "httpconfig.h"
#include "httprequest.h"
#include "requestframer.h"
#include "requesthead.h"

#include <QByteArray>
#include <QTcpSocket>

#include <deque>

class GuardedTcpServer;
struct HttpResponse;

// One HTTP/1.1 connection. RequestFramer parses the byte stream; each complete request goes
// to the listener's request handler, one at a time and in order, and its answer comes back
// through sendResponse(). A request the framer refuses is answered with a JSON error, and the
// connection closes after it.
//
// QHttpServer 6.4.2 never reads from these sockets: its parser takes one byte per call and
// frames some inputs differently from ours (see requestframer.h). Parsing twice cost safety
// and time: in-memory POST /jobs went from about 34k to 40k req/s when it stopped.
class GuardedSocket : public QTcpSocket
{
    Q_OBJECT
public:
    GuardedSocket(const HttpConfig& config, GuardedTcpServer* server);
    ~GuardedSocket() override;

    // A deferred answer holds the connection: its later requests wait unread (read-ahead is
    // bounded), so answers stay in order. release() goes on with them.
    void hold();
    void release();
    bool isHeld() const { return m_held; }

    // Answers the current request and retires it. The bytes go out with the other answers of
    // this event-loop pass (GuardedTcpServer::flushAll), or at once when the connection closes
    // after it: because the request, the response or a drain asks for that.
    void sendResponse(HttpResponse response);

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
    void reject(int status, const QString& code, const QString& message);
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
    void refuse(int status, const QString& code, const QString& message);
    void sweep(qint64 nowMs);
    void drain();

    // set at construction, immutable
    const HttpConfig m_config; // a copy: sockets die after the server during its destruction
    GuardedTcpServer* m_server; // nulled by the server's destructor

    // HTTP thread only
    RequestFramer m_framer;
    std::deque<Pending> m_pending; // unanswered requests, oldest first; only the last may be incomplete
    QByteArray m_output; // answers not sent yet
    bool m_outputQueued = false; // in the listener's flush list
    qint64 m_lastActivityMs = 0;
    qint64 m_requestStartMs = -1; // first byte of the pending partial request, -1 if none
    qint64 m_lingerDeadlineMs = 0;
    Mode m_mode = Mode::Serving;
    bool m_served = false; // false: refused at accept with a 503
    bool m_held = false;
    bool m_pumping = false;
    bool m_draining = false;
    bool m_writeShutdown = false;
};
