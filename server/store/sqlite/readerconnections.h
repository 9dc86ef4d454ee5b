#pragma once

#include <QString>

#include <memory>

class ReadConnection;

// One read-only connection per calling thread, since a connection is used only on the thread
// that opened it. Opened on a thread's first read, closed when that thread finishes or on
// closeAll(). WAL lets these readers run while the writer commits.
class ReaderConnections
{
public:
    explicit ReaderConnections(const QString& path);
    ~ReaderConnections();

    // This thread's connection, or null (and a message) if it cannot be opened.
    ReadConnection* current(QString* error);
    // Closes every connection, also those of threads still running: the caller guarantees
    // that no read is in progress.
    void closeAll();

private:
    struct State;
    std::shared_ptr<State> m_state; // shared with the thread-finished handlers
};
