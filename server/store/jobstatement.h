#pragma once

#include "nativesqlite.h"
#include "rowbinder.h"

#include <QList>
#include <QSqlQuery>

// A prepared INSERT or UPDATE of job rows, bound and run once per job. Goes straight through
// SQLite's C API when it is available (NativeSqlite), through QSqlQuery otherwise.
class JobStatement : public RowBinder
{
public:
    JobStatement(const QSqlDatabase& db, const std::optional<NativeSqlite>& native);
    ~JobStatement() override;
    Q_DISABLE_COPY_MOVE(JobStatement)

    bool prepare(const QString& sql, QString* error);
    // Runs what was bound; false with errorText(). Ready for the next row either way.
    bool run();
    QString errorText() const { return m_error; }
    // The row broke a constraint: SQLite undid this statement only, the transaction goes on.
    bool constraintViolated() const { return m_constraintViolated; }
    int changes() const;

    void bindInt(int index, qint64 value) override;
    void bindReal(int index, double value) override;
    void bindText(int index, const QString& value) override;
    void bindUtf8(int index, QByteArray value) override;
    void bindNull(int index) override;

private:
    std::optional<NativeSqlite> m_native;
    sqlite3_stmt* m_statement = nullptr; // native
    QSqlQuery m_query; // otherwise
    QList<QByteArray> m_utf8; // bound UTF-8 values, alive until run()
    QString m_error;
    bool m_constraintViolated = false;
};
