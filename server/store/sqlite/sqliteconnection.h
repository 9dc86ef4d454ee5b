#pragma once

#include <QByteArrayView>
#include <QString>

struct sqlite3;

// One connection to an SQLite file through libsqlite3's C API, closed when it goes. It is used
// only on the thread that opened it, which lets it open without SQLite's per-connection mutex;
// another thread may destroy it once that thread has stopped using it.
class SqliteConnection
{
public:
    // How long a statement waits for another connection's lock before it fails with SQLITE_BUSY.
    static constexpr int busyTimeoutMs = 5000;

    SqliteConnection() = default;
    ~SqliteConnection(); // finalize its statements (SqliteStatement) first
    Q_DISABLE_COPY_MOVE(SqliteConnection)

    // Opens `path` for reading and writing, creating it if need be; false with SQLite's message.
    bool open(const QString& path, QString* error);
    bool isOpen() const { return m_db != nullptr; }
    void close();

    // Runs SQL that is run once (pragmas, migrations, checkpoints), one or more statements;
    // any rows they return are dropped. False with SQLite's message.
    bool exec(QByteArrayView sql, QString* error);
    // Why the last call on this connection failed, as SQLite says it.
    QString errorMessage() const;
    // Rows changed by the last INSERT, UPDATE or DELETE.
    qint64 changes() const;

    sqlite3* handle() const { return m_db; }

private:
    sqlite3* m_db = nullptr;
};
