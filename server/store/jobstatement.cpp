#include "jobstatement.h"

#include <QSqlError>
#include <QVariant>

JobStatement::JobStatement(const QSqlDatabase& db, const std::optional<NativeSqlite>& native)
    : PreparedStatement(db, native)
{ }

bool JobStatement::run()
{
    m_error.clear();
    m_constraintViolated = false;
    if (!m_native) {
        if (m_query.exec())
            return true;
        const QSqlError error = m_query.lastError();
        m_error = error.databaseText();
        m_constraintViolated = (error.nativeErrorCode().toInt() & 0xff) == NativeSqlite::constraint;
        return false;
    }
    const int code = m_native->step(m_statement);
    if (code != NativeSqlite::done) {
        m_error = nativeError();
        m_constraintViolated = (code & 0xff) == NativeSqlite::constraint;
    }
    m_native->reset(m_statement);
    m_utf8.clear();
    return code == NativeSqlite::done;
}

int JobStatement::changes() const
{
    return m_native ? m_native->changes(m_native->handle) : m_query.numRowsAffected();
}

void JobStatement::bindInt(int index, qint64 value)
{
    bindInteger(index, value);
}

void JobStatement::bindReal(int index, double value)
{
    if (m_native)
        m_native->bindDouble(m_statement, index + 1, value);
    else
        m_query.bindValue(index, value);
}

void JobStatement::bindText(int index, const QString& value)
{
    bindString(index, value, false); // RowBinder's contract: the job outlives the run
}

void JobStatement::bindUtf8(int index, QByteArray value)
{
    if (value.isNull()) {
        bindNull(index);
    } else if (m_native) {
        m_native->bindText(m_statement, index + 1, value.constData(), int(value.size()), nullptr);
        m_utf8.append(std::move(value)); // the data pointer stays valid: the array is not modified
    } else {
        m_query.bindValue(index, QString::fromUtf8(value));
    }
}

void JobStatement::bindNull(int index)
{
    if (m_native)
        m_native->bindNull(m_statement, index + 1);
    else
        m_query.bindValue(index, QVariant());
}
