#pragma once

#include "rowbinder.h"
#include "sqlitestatement.h"

#include <QList>

// A prepared INSERT or UPDATE of job rows, bound by JobRow and run once per job.
class JobStatement : public SqliteStatement, public RowBinder
{
public:
    // Runs what was bound; false with errorText(). Ready for the next row either way.
    bool run();

    void bindInt(int index, qint64 value) override { SqliteStatement::bindInt(index, value); }
    void bindReal(int index, double value) override { SqliteStatement::bindReal(index, value); }
    // RowBinder's contract: the job outlives the run, so its strings go without a copy.
    void bindText(int index, const QString& value) override { SqliteStatement::bindText(index, value); }
    void bindUtf8(int index, QByteArray value) override;
    void bindNull(int index) override { SqliteStatement::bindNull(index); }

private:
    QList<QByteArray> m_utf8; // bound UTF-8 values, alive until run()
};
