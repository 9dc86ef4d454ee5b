#pragma once

#include <QByteArray>
#include <QString>

class QVariant;
class SqliteConnection;
struct sqlite3_stmt;

// One SQL statement of a SqliteConnection, prepared once and run many times: bind, then next()
// through its rows or run() it whole, then reset(). Finalized when it goes, which must be before
// its connection closes. Used only on its connection's thread.
class SqliteStatement
{
public:
    SqliteStatement() = default;
    ~SqliteStatement();
    Q_DISABLE_COPY_MOVE(SqliteStatement)

    // False with SQLite's message.
    bool prepare(SqliteConnection& connection, const QString& sql, QString* error);

    // Positions count from 0. Values stay bound across reset(), until bound again.
    void bindInt(int index, qint64 value);
    void bindReal(int index, double value);
    // Bound without a copy: `value` must stay alive and unchanged until the statement is reset.
    void bindText(int index, const QString& value);
    void bindUtf8(int index, QByteArrayView value); // likewise; a null view binds NULL
    void bindNull(int index);
    // A string (copied) or an integer, as JobFilterSql's values are.
    void bindValue(int index, const QVariant& value);

    // Steps to the next row: false after the last one, or on an error (errorText() then says
    // which). A read transaction stays open until reset().
    bool next();
    // Runs a statement that returns no rows of interest, then resets it: false with errorText().
    bool run();
    // Ends the run: unlike a statement stepped to its end, one left midway keeps its snapshot of
    // the database (and the WAL's checkpoints behind it) until this.
    void reset();

    // Why the last next() or run() failed; empty if it did not.
    QString errorText() const { return m_error; }
    // ... because the row broke a constraint: SQLite undid this statement alone, not the transaction.
    bool constraintViolated() const { return m_constraintViolated; }

    // Columns of the current row, counted from 0. NULL reads as 0 or as a null string.
    qint64 integer(int column) const;
    double real(int column) const;
    QString text(int column) const;
    QByteArray utf8(int column) const; // the text as stored, without a detour through QString

private:
    QByteArrayView textView(int column) const; // valid until the next step; null for NULL
    void noteBind(int code); // a failed bind fails the next step, with SQLite's message
    void fail(int code);

    sqlite3_stmt* m_statement = nullptr;
    int m_bindError = 0; // SQLITE_OK
    QString m_error;
    bool m_constraintViolated = false;
};
