#include "readconnection.h"

#include "sqlitestatement.h"
#include "store/storelog.h"

#include <memory>

ReadConnection::~ReadConnection()
{
    qDeleteAll(m_statements); // before the connection: nothing may use it when it goes
    m_statements.clear();
}

bool ReadConnection::open(const QString& path, QString* error)
{
    // Readers never write; a modest cache each, the OS page cache does the rest.
    return m_db.open(path, error)
        && m_db.exec("PRAGMA query_only = ON; PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY", error);
}

SqliteStatement* ReadConnection::prepared(const QString& sql)
{
    if (SqliteStatement* statement = m_statements.value(sql))
        return statement;
    auto statement = std::make_unique<SqliteStatement>();
    QString error;
    if (!statement->prepare(m_db, sql, &error)) {
        qCWarning(lcStore, "Preparing a read failed: %ls", qUtf16Printable(error));
        return nullptr;
    }
    m_statements.insert(sql, statement.get());
    return statement.release();
}
