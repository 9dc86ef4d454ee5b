#include "readerconnections.h"

#include "readconnection.h"

#include <QMutex>
#include <QThread>

#include <unordered_map>

struct ReaderConnections::State
{
    struct Entry
    {
        std::unique_ptr<ReadConnection> connection;
        QMetaObject::Connection finishedHandler;
    };

    QString path;
    QMutex mutex;
    std::unordered_map<QThread*, Entry> entries; // guarded by mutex

    Entry take(QThread* thread)
    {
        QMutexLocker locker(&mutex);
        const auto it = entries.find(thread);
        if (it == entries.end())
            return {};
        Entry entry = std::move(it->second);
        entries.erase(it);
        QObject::disconnect(entry.finishedHandler);
        return entry; // closed by the caller, outside the mutex
    }
};

ReaderConnections::ReaderConnections(const QString& path)
    : m_state(std::make_shared<State>())
{
    m_state->path = path;
}

ReaderConnections::~ReaderConnections()
{
    closeAll();
}

ReadConnection* ReaderConnections::current(QString* error)
{
    QThread* thread = QThread::currentThread();
    {
        QMutexLocker locker(&m_state->mutex);
        const auto it = m_state->entries.find(thread);
        if (it != m_state->entries.end())
            return it->second.connection.get();
    }

    auto connection = std::make_unique<ReadConnection>();
    if (!connection->open(m_state->path, error))
        return nullptr;
    // Runs in the finishing thread itself, which may close its own connection.
    std::weak_ptr<State> weak = m_state;
    State::Entry entry { std::move(connection),
        QObject::connect(
            thread, &QThread::finished, thread,
            [weak, thread] {
                if (const auto state = weak.lock())
                    state->take(thread);
            },
            Qt::DirectConnection) };
    QMutexLocker locker(&m_state->mutex);
    return m_state->entries.emplace(thread, std::move(entry)).first->second.connection.get();
}

void ReaderConnections::closeAll()
{
    std::unordered_map<QThread*, State::Entry> entries;
    {
        QMutexLocker locker(&m_state->mutex);
        entries.swap(m_state->entries);
        for (const auto& [thread, entry] : entries)
            QObject::disconnect(entry.finishedHandler);
    }
    entries.clear();
}
