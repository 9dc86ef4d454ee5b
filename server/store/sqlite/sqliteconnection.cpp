#include "sqliteconnection.h"

#include "store/storelog.h"

#include <sqlite3.h>

SqliteConnection::~SqliteConnection()
{
    close();
}

bool SqliteConnection::open(const QString& path, QString* error)
{
    close();
    // NOMUTEX: one thread uses the connection, so SQLite's own lock around each call is waste.
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int code = sqlite3_open_v2(path.toUtf8().constData(), &m_db, flags, nullptr);
    if (code != SQLITE_OK) {
        // Unless memory ran out, SQLite returns a handle even on failure, for its message.
        *error = m_db ? errorMessage() : QString::fromUtf8(sqlite3_errstr(code));
        close();
        return false;
    }
    // Extended codes tell a constraint's kind (SQLITE_CONSTRAINT_UNIQUE) in messages and logs.
    sqlite3_extended_result_codes(m_db, 1);
    sqlite3_busy_timeout(m_db, busyTimeoutMs);
    return true;
}

void SqliteConnection::close()
{
    if (!m_db)
        return;
    // v2: a statement still open would keep the connection alive until it is finalized rather
    // than fail the close; closing the last connection checkpoints and removes the WAL.
    if (sqlite3_close_v2(m_db) != SQLITE_OK)
        qCWarning(lcStore, "Closing a database connection failed: %s", sqlite3_errmsg(m_db));
    m_db = nullptr;
}

bool SqliteConnection::exec(QByteArrayView sql, QString* error)
{
    // sqlite3_exec() wants a terminated string; QByteArrayView does not promise one.
    const QByteArray text = sql.toByteArray();
    if (sqlite3_exec(m_db, text.constData(), nullptr, nullptr, nullptr) == SQLITE_OK)
        return true;
    *error = errorMessage();
    return false;
}

QString SqliteConnection::errorMessage() const
{
    return QString::fromUtf8(sqlite3_errmsg(m_db));
}

qint64 SqliteConnection::changes() const
{
    return sqlite3_changes64(m_db);
}
