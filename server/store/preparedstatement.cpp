#include "preparedstatement.h"

#include <QSqlError>

PreparedStatement::PreparedStatement(const QSqlDatabase& db, const std::optional<NativeSqlite>& native)
    : m_native(native)
    , m_query(db)
{ }

PreparedStatement::~PreparedStatement()
{
    if (m_statement)
        m_native->finalize(m_statement);
}

bool PreparedStatement::prepare(const QString& sql, QString* error)
{
    if (!m_native) {
        m_query.setForwardOnly(true); // no row cache
        if (m_query.prepare(sql))
            return true;
        *error = m_query.lastError().text();
        return false;
    }
    const QByteArray utf8 = sql.toUtf8();
    if (m_native->prepare(m_native->handle, utf8.constData(), int(utf8.size()), &m_statement, nullptr) == 0)
        return true;
    *error = nativeError();
    return false;
}

QString PreparedStatement::nativeError() const
{
    return QString::fromUtf8(m_native->errmsg(m_native->handle));
}

void PreparedStatement::bindInteger(int index, qint64 value)
{
    if (m_native)
        m_native->bindInt64(m_statement, index + 1, value);
    else
        m_query.bindValue(index, value);
}

void PreparedStatement::bindString(int index, const QString& value, bool copy)
{
    if (m_native) {
        m_native->bindText16(m_statement, index + 1, value.constData(), int(value.size() * sizeof(QChar)),
            copy ? NativeSqlite::transient : nullptr);
    } else {
        m_query.bindValue(index, value);
    }
}
