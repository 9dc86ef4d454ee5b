#include "readconnection.h"

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
    return true;
}

QSqlQuery* ReadConnection::prepared(const QString& sql)
{
    if (QSqlQuery* query = m_statements.value(sql))
        return query;
    auto query = std::make_unique<QSqlQuery>(QSqlDatabase::database(m_name, false));
    query->setForwardOnly(true); // no row cache
    if (!query->prepare(sql)) {
        qCWarning(lcStore, "Preparing a read failed: %ls", qUtf16Printable(query->lastError().text()));
        return nullptr;
    }
    m_statements.insert(sql, query.get());
    return query.release();
}
