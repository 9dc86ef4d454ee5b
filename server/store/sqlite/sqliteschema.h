#pragma once

#include <QString>

class SqliteConnection;

// The on-disk format: the `jobs` table with its indexes and a `meta` table, versioned by
// PRAGMA user_version and marked by PRAGMA application_id. Older files are migrated one step
// at a time in one transaction; files this build cannot read are refused and left untouched.
namespace SqliteSchema {

inline constexpr int version = 6;
inline constexpr int applicationId = 0x51754c62; // "QuLb"

// On a freshly opened connection: checks the file (quick_check), switches it to WAL and brings
// the schema to `version`. False with a message for the user, before writing anything, if the
// file is not a database, is damaged, belongs to another program or to a newer QueueLab.
bool prepare(SqliteConnection& db, const QString& path, QString* error);

} // namespace SqliteSchema
