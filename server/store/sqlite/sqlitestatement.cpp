#include "sqlitestatement.h"

#include "sqliteconnection.h"

#include <QVariant>

#include <sqlite3.h>

SqliteStatement::~SqliteStatement()
{
    sqlite3_finalize(m_statement); // a no-op on null
}

bool SqliteStatement::prepare(SqliteConnection& connection, const QString& sql, QString* error)
{
    sqlite3_finalize(m_statement);
    m_statement = nullptr;
    const QByteArray utf8 = sql.toUtf8();
    // PERSISTENT: kept for the connection's life, so SQLite allocates it apart from its lookaside.
    if (sqlite3_prepare_v3(
            connection.handle(), utf8.constData(), int(utf8.size()), SQLITE_PREPARE_PERSISTENT, &m_statement, nullptr)
        == SQLITE_OK)
        return true;
    *error = connection.errorMessage();
    return false;
}

void SqliteStatement::noteBind(int code)
{
    if (code != SQLITE_OK && m_bindError == SQLITE_OK)
        m_bindError = code;
}

void SqliteStatement::bindInt(int index, qint64 value)
{
    noteBind(sqlite3_bind_int64(m_statement, index + 1, value));
}

void SqliteStatement::bindReal(int index, double value)
{
    noteBind(sqlite3_bind_double(m_statement, index + 1, value));
}

void SqliteStatement::bindText(int index, const QString& value)
{
    // UTF-16 as QString holds it: SQLite converts while it copies the row, no QByteArray between.
    noteBind(sqlite3_bind_text16(
        m_statement, index + 1, value.constData(), int(value.size() * sizeof(QChar)), SQLITE_STATIC));
}

void SqliteStatement::bindUtf8(int index, QByteArrayView value)
{
    if (value.isNull())
        bindNull(index);
    else
        noteBind(sqlite3_bind_text(m_statement, index + 1, value.data(), int(value.size()), SQLITE_STATIC));
}

void SqliteStatement::bindNull(int index)
{
    noteBind(sqlite3_bind_null(m_statement, index + 1));
}

void SqliteStatement::bindValue(int index, const QVariant& value)
{
    if (value.typeId() == QMetaType::QString) {
        const QString text = value.toString();
        noteBind(sqlite3_bind_text16(
            m_statement, index + 1, text.constData(), int(text.size() * sizeof(QChar)), SQLITE_TRANSIENT));
    } else {
        bindInt(index, value.toLongLong());
    }
}

void SqliteStatement::fail(int code)
{
    m_error = QString::fromUtf8(
        m_bindError != SQLITE_OK ? sqlite3_errstr(code) : sqlite3_errmsg(sqlite3_db_handle(m_statement)));
    m_constraintViolated = (code & 0xff) == SQLITE_CONSTRAINT;
}

bool SqliteStatement::next()
{
    m_error.clear();
    m_constraintViolated = false;
    if (m_bindError != SQLITE_OK) {
        fail(m_bindError);
        return false;
    }
    const int code = sqlite3_step(m_statement);
    if (code == SQLITE_ROW)
        return true;
    if (code != SQLITE_DONE)
        fail(code);
    return false;
}

bool SqliteStatement::run()
{
    next();
    reset();
    return m_error.isEmpty();
}

void SqliteStatement::reset()
{
    sqlite3_reset(m_statement);
    m_bindError = SQLITE_OK;
}

qint64 SqliteStatement::integer(int column) const
{
    return sqlite3_column_int64(m_statement, column);
}

double SqliteStatement::real(int column) const
{
    return sqlite3_column_double(m_statement, column);
}

QString SqliteStatement::text(int column) const
{
    return QString::fromUtf8(textView(column));
}

QByteArray SqliteStatement::utf8(int column) const
{
    return textView(column).toByteArray();
}

QByteArrayView SqliteStatement::textView(int column) const
{
    if (sqlite3_column_type(m_statement, column) == SQLITE_NULL)
        return {};
    // column_text before column_bytes: the length is that of the UTF-8 form.
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(m_statement, column));
    return QByteArrayView(data, sqlite3_column_bytes(m_statement, column));
}
