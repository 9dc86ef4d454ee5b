#pragma once

#include "jobstatement.h"

#include <QSqlQuery>

// Every statement the writer runs, prepared once when the store opens and reused for every
// batch: preparing costs more than running most of them.
struct WriterStatements
{
    WriterStatements(const QSqlDatabase& db, const std::optional<NativeSqlite>& native);
    bool prepare(QString* error);

    JobStatement insert;
    JobStatement update;
    QSqlQuery begin;
    QSqlQuery commit;
    QSqlQuery rollback;
    // around a multi-job insert() call: all or none
    QSqlQuery savepoint;
    QSqlQuery release;
    QSqlQuery rollbackTo;
    QSqlQuery setMaxId;
    QSqlQuery setDeclaredTypes;
    QSqlQuery setSettings;
    QSqlQuery status; // of one job
    QSqlQuery oldestFinished; // (id, status) of the k oldest finished jobs
    QSqlQuery prune; // finished jobs up to an id
};
