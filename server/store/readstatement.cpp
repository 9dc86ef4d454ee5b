#include "readstatement.h"

#include <QSqlError>
#include <QVariant>

ReadStatement::ReadStatement(const QSqlDatabase& db, const std::optional<NativeSqlite>& native)
    : PreparedStatement(db, native)
{ }

void ReadStatement::bindText(int index, const QString& value)
{
    if (m_native) {
        m_native->bindText16(
            m_statement, index + 1, value.constData(), int(value.size() * sizeof(QChar)), NativeSqlite::transient);
    } else {
        m_query.bindValue(index, value);
    }
}

bool ReadStatement::exec()
{
    m_error.clear();
    if (!m_native) {
        if (m_query.exec())
            return true;
        m_error = m_query.lastError().text();
        return false;
    }
    // The first step runs the query: errors show here, as they do for QSqlQuery::exec().
    m_firstStep = m_native->step(m_statement);
    m_stepped = true;
    if (m_firstStep == NativeSqlite::row || m_firstStep == NativeSqlite::done)
        return true;
    m_error = QString::fromUtf8(m_native->errmsg(m_native->handle));
    return false;
}

bool ReadStatement::next()
{
    if (!m_native)
        return m_query.next();
    int code = m_firstStep;
    if (m_stepped)
        m_stepped = false;
    else
        code = m_native->step(m_statement);
    if (code == NativeSqlite::row)
        return true;
    if (code != NativeSqlite::done)
        m_error = QString::fromUtf8(m_native->errmsg(m_native->handle));
    return false;
}

void ReadStatement::finish()
{
    m_stepped = false;
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
    if (!m_native)
        return m_query.value(column).toString();
    if (m_native->columnType(m_statement, column) == NativeSqlite::nullType)
        return {};
    const auto* data = reinterpret_cast<const char*>(m_native->columnText(m_statement, column));
    return QString::fromUtf8(data, m_native->columnBytes(m_statement, column));
}

QByteArray ReadStatement::utf8(int column) const
{
    if (!m_native) {
        const QVariant value = m_query.value(column);
        return value.isNull() ? QByteArray() : value.toString().toUtf8();
    }
    if (m_native->columnType(m_statement, column) == NativeSqlite::nullType)
        return {};
    // column_text before column_bytes: the length is that of the UTF-8 form.
    const auto* data = reinterpret_cast<const char*>(m_native->columnText(m_statement, column));
    return QByteArray(data, m_native->columnBytes(m_statement, column));
}
