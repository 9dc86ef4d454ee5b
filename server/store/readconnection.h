#pragma once

#include "nativesqlite.h"

#include <QHash>
#include <QString>

class ReadStatement;

// One thread's read-only connection and its prepared statements. Only that thread uses it,
// except that whoever closes the store may destroy it once no read is running.
class ReadConnection
{
public:
    explicit ReadConnection(const QString& name);
    ~ReadConnection();
    Q_DISABLE_COPY_MOVE(ReadConnection)

    bool open(const QString& path, QString* error);
    // Prepared once per connection: preparing costs more than a lookup by id. finish() it after
    // use, or the connection keeps an old snapshot of the database open. Null on error.
    ReadStatement* prepared(const QString& sql);

private:
    QString m_name;
    std::optional<NativeSqlite> m_native; // see ReadStatement
    QHash<QString, ReadStatement*> m_statements; // owned
};
