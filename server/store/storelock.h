#pragma once

#include <QLockFile>
#include <QString>

// Keeps a second QueueLab off the same database file: a QLockFile at `<database>.lock`, which
// names the owner's PID. A lock left by a killed process is detected as stale by its PID.
class StoreLock
{
public:
    explicit StoreLock(const QString& databasePath);

    // False with a message naming the file and, if known, the process holding it.
    bool tryLock(QString* error);
    void unlock();
    QString fileName() const { return m_fileName; }

private:
    QString m_databasePath;
    QString m_fileName;
    QLockFile m_lock;
};
