#pragma once

#include "httpconfig.h"
#include "requestframer.h"
#include "requesthead.h"

#include <QByteArray>
#include <QTcpSocket>

#include <deque>

class GuardedTcpServer;
struct HttpResponse;

// A connection whose byte stream is checked before QHttpServer parses it. Our readyRead slot
// is connected first (constructor), so it sees every new byte before QHttpServer's; a second
// slot, connected right after QHttpServer's (connectNotify), notes what it left unread. A
// request the framer refuses is answered with a JSON error and never reaches QHttpServer.
class GuardedSocket : public QTcpSocket
{
    Q_OBJECT
public:
    GuardedSocket(const HttpConfig& config, GuardedTcpServer* server);
    ~GuardedSocket() override;

    // A deferred answer holds the connection: no readyRead reaches us or QHttpServer, so
    // pipelined requests wait their turn (answers stay in order) and the QHttpServerRequest
    // that 6.4.2 reuses per connection stays intact. Signals being blocked also keeps
    // QHttpServer from deleting the socket under the holder when the peer leaves; release()
    // passes that disconnect on.
    void hold();
    void release();
    bool isHeld() const { return m_held; }

    // The oldest unanswered request, which is the one answered next; null if none is known.
    const RequestHead* currentRequest() const;
    // Answers the current request with one write() and retires it; closes after it when the
    // request, the response or a drain asks for that.
    void sendResponse(HttpResponse response);

protected:
    void connectNotify(const QMetaMethod& signal) override;

private:
    friend class GuardedTcpServer;
    enum class Mode {
        Serving, // handed to QHttpServer
        Lingering, // answered for the last time: reading and dropping input until closed
    };

    void beforeServerRead(); // readyRead, before QHttpServer's slot
    void afterServerRead(); // readyRead, after it
    void feed(QByteArrayView input);
    void reject(int status, const QString& code, const QString& message);
    void stopServing();
    void discardInput();
    void shutdownWriteWhenFlushed();
    void maybeSendContinue();
    void connectOwn(void (GuardedSocket::*slot)());

    // Called by GuardedTcpServer
    void refuse(int status, const QString& code, const QString& message);
    void sweep(qint64 nowMs);
    void drain();

    // set at construction, immutable
    const HttpConfig m_config; // a copy: sockets die after the server during its destruction
    GuardedTcpServer* m_server; // nulled by the server's destructor

    // HTTP thread only
    RequestFramer m_framer;
    std::deque<RequestHead> m_heads; // complete, unanswered requests, oldest first
    QByteArray m_scratch; // reused peek buffer
    qint64 m_leftover = 0; // bytes QHttpServer left unread after its last readyRead slot
    qint64 m_lastActivityMs = 0;
    qint64 m_requestStartMs = -1; // first byte of the pending partial request, -1 if none
    qint64 m_lingerDeadlineMs = 0;
    Mode m_mode = Mode::Serving;
    bool m_served = false; // false: refused at accept, never seen by QHttpServer
    bool m_held = false;
    bool m_connectedAtHold = false;
    bool m_draining = false;
    bool m_postSlotConnected = false;
    bool m_connectingOwn = false;
    bool m_writeShutdown = false;
};
