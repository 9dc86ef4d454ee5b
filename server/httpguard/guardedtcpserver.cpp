#include "guardedtcpserver.h"

#include "guardedsocket.h"
#include "httpchannel.h"
#include "httplogging.h"
#include "httpmetrics.h"
#include "requesthead.h"
#include "requestlog.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QTimer>

#include <algorithm>

#ifndef Q_OS_WIN
#include <unistd.h>
#endif

GuardedTcpServer::GuardedTcpServer(const HttpConfig& config, QObject* parent)
    : QTcpServer(parent)
    , m_config(config)
    , m_sweepTimer(new QTimer(this))
{
    // A burst of clients (or a slowloris) should wait in the kernel's queue, not get dropped.
    setListenBacklogSize(qBound(50, m_config.maxConnections, 4096));
    m_sweepTimer->setInterval(Limits::httpSweepIntervalMs);
    connect(m_sweepTimer, &QTimer::timeout, this, &GuardedTcpServer::sweep);
}

GuardedTcpServer::~GuardedTcpServer()
{
    // The sockets are our children and die after this body; they must not call back.
    for (GuardedSocket* socket : m_sockets)
        socket->m_server = nullptr;
    m_sockets.clear();
}

void GuardedTcpServer::incomingConnection(qintptr descriptor)
{
    auto* socket = new GuardedSocket(m_config, this);
    if (!socket->setSocketDescriptor(descriptor)) {
        qCWarning(lcHttp) << "cannot adopt a connection:" << socket->errorString();
        socket->m_server = nullptr;
        delete socket;
#ifndef Q_OS_WIN
        ::close(int(descriptor));
#endif
        return;
    }
    const bool overLimit = m_served >= m_config.maxConnections;
    if (overLimit && m_refused >= m_config.maxConnections) {
        socket->m_server = nullptr;
        socket->abort(); // a flood: not even an answer
        delete socket;
        return;
    }
    connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    m_sockets.push_back(socket);
    if (!m_sweepTimer->isActive())
        m_sweepTimer->start();
    if (overLimit) {
        ++m_refused;
        // Once per burst: a flood of refused connections must not flood the log as well.
        if (m_refusedInBurst++ == 0)
            qCWarning(lcHttp) << "at the limit of" << m_config.maxConnections << "connections: refusing new ones";
        socket->refuse(503, QStringLiteral("too_many_connections"),
            QStringLiteral("the server has too many open connections; retry later"),
            { { QByteArrayLiteral("Retry-After"), QByteArrayLiteral("1") } });
        return;
    }
    if (m_refusedInBurst > 0) {
        qCInfo(lcHttp) << "below the connection limit again after refusing" << m_refusedInBurst << "connections";
        m_refusedInBurst = 0;
    }
    ++m_served;
    socket->m_served = true;
    socket->attachChannel();
    addPendingConnection(socket->channel()); // QHttpServer takes it from here
    Q_EMIT connectionCountChanged(m_served);
}

void GuardedTcpServer::flushSoon(GuardedSocket* socket)
{
    // Answers go out together once the requests of this pass are handled: a client (wrk, a
    // browser) that sleeps between answers is then woken once per pass, not once per answer,
    // and waking a sleeping reader made send() cost as much as the rest of a request.
    m_unflushed.push_back(socket);
    if (m_flushPosted)
        return;
    m_flushPosted = true;
    QMetaObject::invokeMethod(this, &GuardedTcpServer::flushAll, Qt::QueuedConnection);
}

void GuardedTcpServer::flushAll()
{
    m_flushPosted = false;
    std::vector<GuardedSocket*> sockets;
    sockets.swap(m_unflushed);
    for (GuardedSocket* socket : sockets)
        socket->flushOutput();
}

void GuardedTcpServer::forget(GuardedSocket* socket)
{
    m_unflushed.erase(std::remove(m_unflushed.begin(), m_unflushed.end(), socket), m_unflushed.end());
    const auto it = std::find(m_sockets.begin(), m_sockets.end(), socket);
    if (it == m_sockets.end())
        return;
    *it = m_sockets.back();
    m_sockets.pop_back();
    if (m_sockets.empty())
        m_sweepTimer->stop();
    if (socket->m_served) {
        --m_served;
        Q_EMIT connectionCountChanged(m_served);
    } else {
        --m_refused;
    }
}

void GuardedTcpServer::countRejected(int status, const RequestHead* head, const QByteArray& answer)
{
    if (m_metrics)
        m_metrics->record(QStringLiteral("(guard)"), status);
    if (m_log) // an error path: never taken by a request that is served
        m_log->append({ QDateTime::currentMSecsSinceEpoch(), head ? head->method : QByteArray(),
            head ? head->target : QByteArray(), status, 0, {}, answer });
}

void GuardedTcpServer::sweep()
{
    const qint64 now = QDeadlineTimer::current().deadline();
    // A copy: sockets only deleteLater() meanwhile, but the list may still change.
    const std::vector<GuardedSocket*> sockets = m_sockets;
    for (GuardedSocket* socket : sockets)
        socket->sweep(now);
}

void GuardedTcpServer::closeConnections()
{
    const std::vector<GuardedSocket*> sockets = m_sockets;
    for (GuardedSocket* socket : sockets)
        socket->drain();
}
