#pragma once

#include "nativesqlite.h"

#include <QSqlQuery>

// One SQL statement prepared on a connection: through SQLite's C API when it is available
// (NativeSqlite), through QSqlQuery otherwise. JobStatement (writes) and ReadStatement (reads)
// build on it; exactly one of m_statement and m_query is in use.
class PreparedStatement
{
public:
    PreparedStatement(const QSqlDatabase& db, const std::optional<NativeSqlite>& native);
    ~PreparedStatement();
    Q_DISABLE_COPY_MOVE(PreparedStatement)

    bool prepare(const QString& sql, QString* error);
    void bindInteger(int index, qint64 value); // positions count from 0

protected:
    std::optional<NativeSqlite> m_native;
    sqlite3_stmt* m_statement = nullptr; // native
    QSqlQuery m_query; // otherwise, forward only
};
