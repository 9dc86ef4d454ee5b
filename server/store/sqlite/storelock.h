#pragma once

#include <QLockFile>
#include <QString>

#include <atomic>
#include <memory>
#include <sys/types.h>

// Keeps a second QueueLab off the same database file, by whatever name it is reached, and tells
// whether the file at the path is still the one this process opened.
//
// Two locks: a QLockFile beside the file the path resolves to (`<database>.lock`, which names
// the owner's PID for the message; a lock left by a killed process is stale by its PID), and an
// flock() on the database file itself, which a symlink or hard link cannot get around and the
// kernel releases when the process dies. The flock() descriptor stays open until unlock(): SQLite
// loses its own locks on a file when any descriptor of it in the process is closed.
class StoreLock
{
public:
    explicit StoreLock(const QString& databasePath);
    ~StoreLock();

    // False with a message naming the file and, if known, the process holding it. Creates an
    // empty database file if there is none (SQLite takes an empty file for a new database).
    bool tryLock(QString* error);
    // Only once every SQLite connection to the file is closed.
    void unlock();
    QString fileName() const { return m_fileName; }

    // Empty while the path names the locked file, no shorter than it has been; otherwise why
    // not (deleted, replaced, truncated): what is written then is lost at the next start.
    // QueueLab never shrinks the file (no VACUUM, auto_vacuum off). Any thread, while locked.
    QString fileProblem() const;
    // Once SQLite has the database open in WAL mode: remembers its write-ahead log (`-wal`), so
    // that fileProblem() also tells when that file is deleted or replaced. SQLite keeps writing
    // commits into the unlinked file, and they are lost if the process ends before the next
    // checkpoint. SQLite removes the log only when its last connection closes.
    void noteWriteAheadLog();

private:
    bool openDatabaseFile(QString* error);
    bool flockDatabaseFile(QString* error); // after the lock file: its message names the holder

    QString m_databasePath;
    QString m_fileName; // the lock file, beside the resolved database file
    std::unique_ptr<QLockFile> m_lock;
    int m_fd = -1; // the database file, flock()ed
    dev_t m_device = 0;
    ino_t m_inode = 0;
    mutable std::atomic<qint64> m_largestSize { 0 };
    std::atomic<bool> m_walNoted { false };
    dev_t m_walDevice = 0; // set before m_walNoted
    ino_t m_walInode = 0;
};
