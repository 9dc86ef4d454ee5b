#pragma once

#include <QtGlobal>

#include <optional>

class QSqlDatabase;
struct sqlite3;
struct sqlite3_stmt;

// The C API of the SQLite library inside the QSQLITE plugin, for the store's hot write path:
// QSqlQuery allocates for every bound value, which costs more than SQLite's own insert.
// Resolved at run time from the plugin itself (the documented QSqlDriver::handle() gives the
// connection), so there is no build dependency and never a second copy of SQLite in the
// process. Unavailable when the plugin keeps its SQLite private; callers then use QSqlQuery.
struct NativeSqlite
{
    // Declared here rather than taken from sqlite3.h: SQLite keeps its C ABI stable.
    using Destructor = void (*)(void*);
    static constexpr int row = 100; // SQLITE_ROW
    static constexpr int done = 101; // SQLITE_DONE
    static constexpr int constraint = 19; // SQLITE_CONSTRAINT, the primary code
    static constexpr int nullType = 5; // SQLITE_NULL
    static inline const Destructor transient = reinterpret_cast<Destructor>(-1); // SQLITE_TRANSIENT: copy

    int (*prepare)(sqlite3*, const char*, int, sqlite3_stmt**, const char**) = nullptr;
    int (*finalize)(sqlite3_stmt*) = nullptr;
    int (*reset)(sqlite3_stmt*) = nullptr;
    int (*step)(sqlite3_stmt*) = nullptr;
    int (*bindInt64)(sqlite3_stmt*, int, qint64) = nullptr;
    int (*bindDouble)(sqlite3_stmt*, int, double) = nullptr;
    int (*bindText)(sqlite3_stmt*, int, const char*, int, Destructor) = nullptr;
    int (*bindText16)(sqlite3_stmt*, int, const void*, int, Destructor) = nullptr;
    int (*bindNull)(sqlite3_stmt*, int) = nullptr;
    int (*changes)(sqlite3*) = nullptr;
    int (*columnType)(sqlite3_stmt*, int) = nullptr;
    qint64 (*columnInt64)(sqlite3_stmt*, int) = nullptr;
    double (*columnDouble)(sqlite3_stmt*, int) = nullptr;
    const unsigned char* (*columnText)(sqlite3_stmt*, int) = nullptr;
    int (*columnBytes)(sqlite3_stmt*, int) = nullptr;
    using WalHook = int (*)(void* context, sqlite3*, const char* database, int walPages);
    void* (*walHook)(sqlite3*, WalHook, void* context) = nullptr;
    const char* (*errmsg)(sqlite3*) = nullptr;
    const char* (*sourceId)() = nullptr;
    sqlite3* handle = nullptr; // the connection's

    // For an open QSQLITE connection, on the thread that owns it.
    static std::optional<NativeSqlite> forConnection(const QSqlDatabase& db);
};
