#pragma once

#include "continuecheck.h"
#include "httpconfig.h"

#include <QTcpServer>

#include <vector>

class GuardedSocket;
class HttpMetrics;
class QTimer;
class RequestLog;
struct RequestHead;

// The listener, bound to QHttpServer with bind(). Every connection it accepts is a
// GuardedSocket; QHttpServer gets that connection's HttpChannel, through which the guard
// hands it checked requests. It refuses connections over maxConnections with a 503 (those
// never reach QHttpServer), and one sweep timer (not one per socket) enforces the header,
// idle and linger timeouts.
class GuardedTcpServer : public QTcpServer
{
    Q_OBJECT
public:
    explicit GuardedTcpServer(const HttpConfig& config, QObject* parent = nullptr);
    ~GuardedTcpServer() override;

    const HttpConfig& config() const { return m_config; }
    int connectionCount() const { return m_served; } // connections served (not refused), still open
    // Set before listening: asked before a client is told to send its body.
    void setContinueCheck(ContinueCheck check) { m_continueCheck = std::move(check); }
    // Optional: counts the answers the guard gives itself, under the route "(guard)".
    void setMetrics(HttpMetrics* metrics) { m_metrics = metrics; }
    // Optional: the answers the guard gives itself go to this log too.
    void setRequestLog(RequestLog* log) { m_log = log; }
    // Graceful stop, after close(): idle connections close now, busy ones after their answer.
    void closeConnections();

Q_SIGNALS:
    void connectionCountChanged(int count);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    friend class GuardedSocket;
    void forget(GuardedSocket* socket);
    void flushSoon(GuardedSocket* socket);
    void flushAll();
    // `head`: the refused request's, when it got that far.
    void countRejected(int status, const RequestHead* head, const QByteArray& answer);
    void sweep();

    // set at construction, immutable
    const HttpConfig m_config;

    // HTTP thread only
    HttpMetrics* m_metrics = nullptr;
    RequestLog* m_log = nullptr;
    ContinueCheck m_continueCheck;
    int m_refusedInBurst = 0; // connections refused at the limit since it was last reached
    std::vector<GuardedSocket*> m_sockets; // every open socket, served or refused
    std::vector<GuardedSocket*> m_unflushed; // sockets with answers to send at the end of the pass
    bool m_flushPosted = false;
    int m_served = 0;
    int m_refused = 0; // refused with 503, still lingering
    QTimer* m_sweepTimer;
};
