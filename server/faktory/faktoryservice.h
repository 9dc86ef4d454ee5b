#pragma once

#include "faktoryconfig.h"
#include "faktoryleases.h"

#include <QAtomicInteger>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QSet>
#include <QTcpServer>

#include <memory>

class Engine;
class FaktoryConnection;
class PostedCalls;

// Lives on the Faktory thread and owns everything there: the listener, its connections, and
// what they share (the leases by jid, the job types already accepted).
class FaktoryService : public QObject
{
    Q_OBJECT
public:
    FaktoryService(Engine* engine, const FaktoryConfig& config);
    ~FaktoryService() override;

    // Listens on address:port (0: any free port). Returns the port, or 0 with `error` set.
    quint16 listen(QString* error);
    void close(); // stops accepting and closes every connection

    Engine* engine() const { return m_engine; }
    const FaktoryConfig& config() const { return m_config; }
    FaktoryLeases& leases() { return m_leases; }
    // Store commits call back on the store's thread: this brings them here.
    const std::shared_ptr<PostedCalls>& posted() const { return m_posted; }
    // A type a Faktory client pushes is accepted from then on, as the types of registered
    // workers are: the producer names what its workers serve. Empty when accepted.
    QString acceptType(const QString& type);
    qint64 retryDelayMs(int retryCount) const;
    int connectionCount() const { return int(m_connections.size()); }
    quint64 commandCount() const { return m_commands; }
    void countCommand() { ++m_commands; }
    qint64 uptimeSecs() const { return m_started.elapsed() / 1000; }

private:
    void acceptConnections();

    Engine* m_engine;
    FaktoryConfig m_config;
    QTcpServer m_server;
    QList<FaktoryConnection*> m_connections;
    FaktoryLeases m_leases;
    QSet<QString> m_acceptedTypes;
    std::shared_ptr<PostedCalls> m_posted;
    QElapsedTimer m_started;
    quint64 m_commands = 0;
};
