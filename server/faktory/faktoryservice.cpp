#include "faktoryservice.h"

#include "api/postedcalls.h"
#include "defaultlimits.h"
#include "engine.h"
#include "faktoryconnection.h"
#include "faktoryjob.h"

#include <QTcpSocket>

FaktoryService::FaktoryService(Engine* engine, const FaktoryConfig& config)
    : m_engine(engine)
    , m_config(config)
    , m_posted(std::make_shared<PostedCalls>(this))
{
    m_started.start();
    connect(&m_server, &QTcpServer::newConnection, this, &FaktoryService::acceptConnections);
}

FaktoryService::~FaktoryService()
{
    m_posted->close();
    close();
}

quint16 FaktoryService::listen(QString* error)
{
    if (m_server.isListening())
        return m_server.serverPort();
    const int maxConnections = m_config.maxConnections > 0 ? m_config.maxConnections : Limits::maxConnections;
    m_server.setMaxPendingConnections(maxConnections);
    if (!m_server.listen(m_config.address, m_config.port)) {
        if (error)
            *error = QStringLiteral("cannot listen for Faktory clients on %1:%2: %3")
                         .arg(m_config.address.toString())
                         .arg(m_config.port)
                         .arg(m_server.errorString());
        return 0;
    }
    m_config.port = m_server.serverPort(); // a restart listens on the same port
    return m_server.serverPort();
}

void FaktoryService::close()
{
    m_server.close();
    const QList<FaktoryConnection*> connections = m_connections;
    for (FaktoryConnection* connection : connections)
        connection->close();
}

QString FaktoryService::acceptType(const QString& type)
{
    if (m_acceptedTypes.contains(type))
        return {};
    if (!m_engine->jobTypes().contains(type) && !m_engine->declaredJobTypes().contains(type)) {
        const auto declared = m_engine->declareJobType(type);
        if (const auto* error = std::get_if<EngineError>(&declared))
            return QStringLiteral("jobtype %1").arg(error->message);
    }
    m_acceptedTypes.insert(type);
    return {};
}

qint64 FaktoryService::retryDelayMs(int retryCount) const
{
    return m_config.retryDelayMs ? m_config.retryDelayMs(retryCount) : FaktoryJob::retryDelayMs(retryCount);
}

void FaktoryService::acceptConnections()
{
    const int maxConnections = m_config.maxConnections > 0 ? m_config.maxConnections : Limits::maxConnections;
    while (QTcpSocket* socket = m_server.nextPendingConnection()) {
        if (m_connections.size() >= maxConnections) {
            socket->write("-ERR too many connections\r\n");
            socket->disconnectFromHost();
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            continue;
        }
        auto* connection = new FaktoryConnection(socket, this);
        m_connections.append(connection);
        connect(connection, &FaktoryConnection::finished, this,
            [this](FaktoryConnection* finished) { m_connections.removeOne(finished); });
    }
}
