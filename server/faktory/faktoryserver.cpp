#include "faktoryserver.h"

#include "engine/queuedcall.h"
#include "engine/threadjoin.h"
#include "faktoryservice.h"

template <typename Work> void FaktoryServer::onThread(Work&& work)
{
    QueuedCall::invoke(m_anchor, std::forward<Work>(work), Qt::BlockingQueuedConnection);
}

FaktoryServer::FaktoryServer(Engine* engine, const FaktoryConfig& config)
    : m_anchor(new QObject)
{
    m_thread.setObjectName(QStringLiteral("queuelab-faktory"));
    m_anchor->moveToThread(&m_thread);
    ThreadJoin::markJoinable(m_thread);
    m_thread.start();
    onThread([this, engine, config] { m_service = new FaktoryService(engine, config); });
}

FaktoryServer::~FaktoryServer()
{
    onThread([this] {
        delete m_service;
        delete m_anchor;
    });
    m_thread.quit();
    ThreadJoin::waitJoined(m_thread);
}

quint16 FaktoryServer::listen(QString* error)
{
    quint16 port = 0;
    onThread([&] { port = m_service->listen(error); });
    m_port = port;
    return port;
}

void FaktoryServer::close()
{
    onThread([this] { m_service->close(); });
    m_port = 0;
}
