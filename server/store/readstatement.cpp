#include "readstatement.h"

#include <QSqlError>
#include <QVariant>

ReadStatement::ReadStatement(const QSqlDatabase& db, const std::optional<NativeSqlite>& native)
    : PreparedStatement(db, native)
{ }

bool ReadStatement::exec()
{
    m_error.clear();
    if (!m_native) {
        if (m_query.exec())
            return true;
        m_error = m_query.lastError().text();
        return false;
    }
    return true; // SQLite runs it at the first step: its errors show in next()
}

bool ReadStatement::next()
{
    if (!m_native)
        return m_query.next();
    const int code = m_native->step(m_statement);
    if (code == NativeSqlite::row)
        return true;
    if (code != NativeSqlite::done)
        m_error = nativeError();
    return false;
}

void ReadStatement::finish()
{
    if (m_native)
        m_native->reset(m_statement);
    else
        m_query.finish();
}

qint64 ReadStatement::integer(int column) const
{
    return m_native ? m_native->columnInt64(m_statement, column) : m_query.value(column).toLongLong();
}

double ReadStatement::real(int column) const
{
    return m_native ? m_native->columnDouble(m_statement, column) : m_query.value(column).toDouble();
}

QString ReadStatement::text(int column) const
{
    return m_native ? QString::fromUtf8(nativeText(column)) : m_query.value(column).toString();
}

QByteArray ReadStatement::utf8(int column) const
{
    if (m_native)
        return nativeText(column).toByteArray();
    const QVariant value = m_query.value(column);
    return value.isNull() ? QByteArray() : value.toString().toUtf8();
}

QByteArrayView ReadStatement::nativeText(int column) const
{
    if (m_native->columnType(m_statement, column) == NativeSqlite::nullType)
        return {};
    // column_text before column_bytes: the length is that of the UTF-8 form.
    const auto* data = reinterpret_cast<const char*>(m_native->columnText(m_statement, column));
    return QByteArrayView(data, m_native->columnBytes(m_statement, column));
}
