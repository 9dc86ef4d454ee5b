#include "nativesqlite.h"

#include <QSqlDatabase>
#include <QSqlDriver>
#include <QSqlQuery>
#include <QVariant>

#include <typeinfo>

#if defined(Q_OS_UNIX)
#include <dlfcn.h>
#endif

using namespace Qt::StringLiterals;

#if defined(Q_OS_UNIX)
namespace {

template <typename Function> bool resolve(void* library, const char* name, Function* function)
{
    *function = reinterpret_cast<Function>(dlsym(library, name));
    return *function != nullptr;
}

} // namespace
#endif

std::optional<NativeSqlite> NativeSqlite::forConnection(const QSqlDatabase& db)
{
#if defined(Q_OS_UNIX)
    const QSqlDriver* driver = db.driver();
    const QVariant handle = driver ? driver->handle() : QVariant();
    if (!db.isOpen() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return std::nullopt;

    // The driver's type information lives in the plugin: that finds the plugin's file, and
    // dlsym() on it finds the SQLite it uses, linked or built in.
    Dl_info info;
    if (!dladdr(&typeid(*driver), &info) || !info.dli_fname)
        return std::nullopt;
    void* plugin = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    if (!plugin)
        return std::nullopt;
    NativeSqlite api;
    const bool resolved = resolve(plugin, "sqlite3_prepare_v2", &api.prepare)
        && resolve(plugin, "sqlite3_finalize", &api.finalize) && resolve(plugin, "sqlite3_reset", &api.reset)
        && resolve(plugin, "sqlite3_step", &api.step) && resolve(plugin, "sqlite3_bind_int64", &api.bindInt64)
        && resolve(plugin, "sqlite3_bind_double", &api.bindDouble)
        && resolve(plugin, "sqlite3_bind_text", &api.bindText)
        && resolve(plugin, "sqlite3_bind_text16", &api.bindText16)
        && resolve(plugin, "sqlite3_bind_null", &api.bindNull) && resolve(plugin, "sqlite3_changes", &api.changes)
        && resolve(plugin, "sqlite3_column_type", &api.columnType)
        && resolve(plugin, "sqlite3_column_int64", &api.columnInt64)
        && resolve(plugin, "sqlite3_column_double", &api.columnDouble)
        && resolve(plugin, "sqlite3_column_text", &api.columnText)
        && resolve(plugin, "sqlite3_column_bytes", &api.columnBytes)
        && resolve(plugin, "sqlite3_wal_hook", &api.walHook) && resolve(plugin, "sqlite3_errmsg", &api.errmsg)
        && resolve(plugin, "sqlite3_sourceid", &api.sourceId);
    dlclose(plugin); // Qt keeps it loaded
    if (!resolved)
        return std::nullopt;

    // Belt and braces: the library found must be the one answering on this connection.
    QSqlQuery query(db);
    if (!query.exec(u"SELECT sqlite_source_id()"_s) || !query.next()
        || query.value(0).toString() != QLatin1StringView(api.sourceId()))
        return std::nullopt;
    api.handle = *static_cast<sqlite3* const*>(handle.constData());
    return api;
#else
    Q_UNUSED(db);
    return std::nullopt;
#endif
}
