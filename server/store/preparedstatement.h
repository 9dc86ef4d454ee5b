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
    // Positions count from 0.
    void bindInteger(int index, qint64 value);
    // `copy`: SQLite keeps its own copy; otherwise `value` must outlive the statement's run.
    void bindString(int index, const QString& value, bool copy);
    // Why the last run or step failed; empty if it did not.
    QString errorText() const { return m_error; }

protected:
    QString nativeError() const; // the connection's last error message

    std::optional<NativeSqlite> m_native;
    sqlite3_stmt* m_statement = nullptr; // native
    QSqlQuery m_query; // otherwise, forward only
    QString m_error;
};
