#pragma once

#include "faktoryconfig.h"

#include <QString>
#include <QThread>

class Engine;
class FaktoryService;

// The Faktory-compatible work protocol's listener on its own thread ("queuelab-faktory"), a
// client of the engine's lease core as the HTTP worker API is. Server starts and stops it.
class FaktoryServer
{
public:
    FaktoryServer(Engine* engine, const FaktoryConfig& config);
    ~FaktoryServer();
    FaktoryServer(const FaktoryServer&) = delete;
    FaktoryServer& operator=(const FaktoryServer&) = delete;

    // Listens (again on the same port after a close). Returns the port, or 0 with `error` set.
    quint16 listen(QString* error);
    void close(); // stops accepting and closes every connection
    bool isListening() const { return m_port != 0; }
    quint16 port() const { return m_port; }

private:
    template <typename Work> void onThread(Work&& work);

    QThread m_thread;
    QObject* m_anchor; // lives on m_thread, so work can be posted there
    FaktoryService* m_service = nullptr; // created, used and deleted on m_thread
    quint16 m_port = 0;
};
