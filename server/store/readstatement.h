#pragma once

#include "preparedstatement.h"

// A prepared SELECT of one reading connection, through SQLite's C API when it is available. The
// QSQLITE driver builds a QSqlRecord of QSqlFields on every exec and a QVariant per value, which
// cost a GET /jobs/{id} far more than SQLite itself.
class ReadStatement : public PreparedStatement
{
public:
    ReadStatement(const QSqlDatabase& db, const std::optional<NativeSqlite>& native);

    // Runs what was bound (bindInteger(), bindString()); the rows follow with next(). False
    // with errorText().
    bool exec();
    bool next(); // false after the last row, or on an error (errorText() then says which)
    // Ends the read transaction: until then, the connection keeps an old snapshot open.
    void finish();

    // Columns of the current row, counted from 0. NULL reads as 0 or as a null string.
    qint64 integer(int column) const;
    double real(int column) const;
    QString text(int column) const;
    QByteArray utf8(int column) const; // text as stored, without a detour through QString

private:
    QByteArrayView nativeText(int column) const; // valid until the next step; null for NULL
};
