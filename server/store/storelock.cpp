#include "storelock.h"

using namespace Qt::StringLiterals;

StoreLock::StoreLock(const QString& databasePath)
    : m_databasePath(databasePath)
    , m_fileName(databasePath + ".lock"_L1)
    , m_lock(m_fileName)
{
    // The default of 30 s would let a second instance steal the lock of a live server that has
    // run longer than that: staleness is decided by the owner's PID (and boot id) only.
    m_lock.setStaleLockTime(0);
}

bool StoreLock::tryLock(QString* error)
{
    if (m_lock.tryLock(0))
        return true;

    switch (m_lock.error()) {
    case QLockFile::LockFailedError: {
        qint64 pid = 0;
        QString host;
        QString app;
        const QString owner = m_lock.getLockInfo(&pid, &host, &app)
            ? u"by %1 (PID %2 on %3)"_s.arg(app.isEmpty() ? u"another process"_s : app, QString::number(pid), host)
            : u"by another process"_s;
        *error = u"The database %1 is in use %2: its lock file %3 is held. Stop that QueueLab or choose "
                 "another --db."_s.arg(m_databasePath, owner, m_fileName);
        break;
    }
    case QLockFile::PermissionError:
        *error = u"Cannot create the lock file %1: permission denied. Choose a --db in a writable directory."_s.arg(
            m_fileName);
        break;
    default:
        *error = u"Cannot create the lock file %1: check that its directory exists and is writable."_s.arg(m_fileName);
        break;
    }
    return false;
}

void StoreLock::unlock()
{
    m_lock.unlock();
}
