#include "readconnection.h"

#include "readstatement.h"
#include "storelog.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

ReadConnection::ReadConnection(const QString& name)
    : m_name(name)
{ }

ReadConnection::~ReadConnection()
{
    qDeleteAll(m_statements); // before the connection: nothing may use it when it goes
    m_statements.clear();
    QSqlDatabase::removeDatabase(m_name);
}

bool ReadConnection::open(const QString& path, QString* error)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_name);
    db.setDatabaseName(path);
    db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
    if (!db.open()) {
        *error = db.lastError().text();
        return false;
    }
    // Readers never write; a modest cache each, the OS page cache does the rest.
    const QString pragmas[]
        = { u"PRAGMA query_only = ON"_s, u"PRAGMA cache_size = -16384"_s, u"PRAGMA temp_store = MEMORY"_s };
    for (const QString& pragma : pragmas) {
        QSqlQuery query(db);
        if (!query.exec(pragma)) {
            *error = query.lastError().text();
            return false;
        }
    }
    // Like the writer's: QUEUELAB_SQLITE_QT_BINDING=1 keeps to QSqlQuery.
    if (!qEnvironmentVariableIntValue("QUEUELAB_SQLITE_QT_BINDING"))
        m_native = NativeSqlite::forConnection(db);
    return true;
}

ReadStatement* ReadConnection::prepared(const QString& sql)
{
    if (ReadStatement* statement = m_statements.value(sql))
        return statement;
    auto statement = std::make_unique<ReadStatement>(QSqlDatabase::database(m_name, false), m_native);
    QString error;
    if (!statement->prepare(sql, &error)) {
        qCWarning(lcStore, "Preparing a read failed: %ls", qUtf16Printable(error));
        return nullptr;
    }
    m_statements.insert(sql, statement.get());
    return statement.release();
}
