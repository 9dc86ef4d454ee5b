#pragma once

#include "jobstatement.h"
#include "sqlitestatement.h"

class SqliteConnection;

// Every statement the writer runs, prepared once when the store opens and reused for every
// batch: preparing costs more than running most of them. Used on the writer's thread only.
struct WriterStatements
{
    bool prepare(SqliteConnection& db, QString* error);

    JobStatement insert;
    JobStatement update;
    SqliteStatement begin;
    SqliteStatement commit;
    SqliteStatement rollback;
    // around a multi-job insert() call: all or none
    SqliteStatement savepoint;
    SqliteStatement release;
    SqliteStatement rollbackTo;
    SqliteStatement setMaxId;
    SqliteStatement setDeclaredTypes;
    SqliteStatement setSettings;
    SqliteStatement status; // of one job
    SqliteStatement oldestFinished; // (id, status) of the k oldest finished jobs
    SqliteStatement prune; // finished jobs up to an id
    SqliteStatement indexText; // the k oldest jobs waiting for the search index, into it
    SqliteStatement unpendText; // ...and off the waiting list
};
