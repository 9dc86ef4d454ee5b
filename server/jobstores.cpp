#include "jobstores.h"

#include "store/memoryjobstore.h"
#include "store/sqlite/sqlitejobstore.h"

std::unique_ptr<JobStore> makeMemoryJobStore(int keepFinished)
{
    return std::make_unique<MemoryJobStore>(keepFinished);
}

std::unique_ptr<JobStore> makeSqliteJobStore(const QString& path, StoreSync sync, int keepFinished)
{
    return std::make_unique<SqliteJobStore>(
        path, sync == StoreSync::Full ? SqliteJobStore::Sync::Full : SqliteJobStore::Sync::Normal, keepFinished);
}
