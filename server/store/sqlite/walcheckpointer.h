#pragma once

#include <QString>

#include <condition_variable>
#include <future>
#include <mutex>

class QThread;
class SqliteConnection;

// Copies the WAL back into the database file on a thread and connection of its own.
//
// SQLite's auto-checkpoint runs inside the COMMIT that crosses its threshold (4,000 pages): the
// writer stalled for its copying and fsyncs, and every answer waiting on that commit stalled with
// it, which set the POST p99 (docs/performance.md).
//
// Here the writer only reports the WAL's length after each commit (SqliteWriter's WAL hook).
// The checkpointer copies in passes (PASSIVE: it never blocks the writer) while the writer goes
// on committing. A pass cannot let the WAL start over, because the writer has appended to it
// meanwhile: SQLite restarts the WAL only when a write transaction begins with every page
// copied. So once the WAL is long, the writer copies the short tail the last pass left,
// between two batches; its next transaction then starts the WAL over.
class WalCheckpointer
{
public:
    // A pass starts each time the WAL has grown by this many pages (4 MiB of 4 KiB pages).
    static constexpr int passPages = 1000;
    // From this length on (16 MiB, where this store had set SQLite's auto-checkpoint), the WAL is restarted.
    static constexpr int restartPages = 4000;

    WalCheckpointer() = default;
    ~WalCheckpointer(); // stops
    Q_DISABLE_COPY_MOVE(WalCheckpointer)

    // Opens a connection to `path` on a new thread, which alone uses it; false with a message if
    // it cannot.
    bool start(const QString& path, QString* error);
    // Lets a running pass finish, then closes the connection.
    void stop();

    // From the writer after each commit: the WAL's length in pages. True when the writer
    // should checkpoint the tail now, so that its next transaction restarts the WAL.
    bool walGrew(int pages);

    quint64 passes() const; // completed, whatever they copied

private:
    void run(const QString& path, std::promise<QString>& opened); // the thread
    void passUntilStopped(SqliteConnection& db);

    QThread* m_thread = nullptr;

    mutable std::mutex m_mutex; // guards what follows, shared with the thread
    std::condition_variable m_wake;
    bool m_stopping = false;
    bool m_passing = false; // a pass is asked for or running
    bool m_tailDue = false; // a pass from past restartPages ended: the writer takes the rest
    int m_pages = 0; // the WAL's length at the last commit
    int m_passFrom = 0; // ... when the last pass was asked for
    quint64 m_passes = 0;
};
