#pragma once

#include "preparedstatement.h"
#include "rowbinder.h"

#include <QList>

// A prepared INSERT or UPDATE of job rows, bound and run once per job. Goes straight through
// SQLite's C API when it is available (NativeSqlite), through QSqlQuery otherwise.
class JobStatement : public PreparedStatement, public RowBinder
{
public:
    JobStatement(const QSqlDatabase& db, const std::optional<NativeSqlite>& native);
    // Runs what was bound; false with errorText(). Ready for the next row either way.
    bool run();
    // The row broke a constraint: SQLite undid this statement only, the transaction goes on.
    bool constraintViolated() const { return m_constraintViolated; }
    int changes() const;

    void bindInt(int index, qint64 value) override;
    void bindReal(int index, double value) override;
    void bindText(int index, const QString& value) override;
    void bindUtf8(int index, QByteArray value) override;
    void bindNull(int index) override;

private:
    QList<QByteArray> m_utf8; // bound UTF-8 values, alive until run()
    bool m_constraintViolated = false;
};
