#pragma once

#include "sqliteconnection.h"

#include <QHash>
#include <QString>

class SqliteStatement;

// One thread's read-only connection and its prepared statements. Used only on the thread that
// opened it, except that whoever closes the store may destroy it once no read is running.
class ReadConnection
{
public:
    ReadConnection() = default;
    ~ReadConnection();
    Q_DISABLE_COPY_MOVE(ReadConnection)

    bool open(const QString& path, QString* error);
    // Prepared once per connection: preparing costs more than a lookup by id. reset() it after
    // use, or the connection keeps an old snapshot of the database open. Null on error.
    SqliteStatement* prepared(const QString& sql);

private:
    SqliteConnection m_db;
    QHash<QString, SqliteStatement*> m_statements; // owned
};
