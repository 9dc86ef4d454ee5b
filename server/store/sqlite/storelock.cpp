#include "storelock.h"

#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

QString systemError(int error)
{
    return QString::fromLocal8Bit(std::strerror(error));
}

} // namespace

StoreLock::StoreLock(const QString& databasePath)
    : m_databasePath(databasePath)
    , m_fileName(databasePath + ".lock"_L1)
{ }

StoreLock::~StoreLock()
{
    unlock();
}

bool StoreLock::tryLock(QString* error)
{
    if (!openDatabaseFile(error))
        return false;

    // Beside the file a symlink points to, so that the message names the process holding it.
    m_fileName = QFileInfo(m_databasePath).canonicalFilePath() + ".lock"_L1;
    m_lock = std::make_unique<QLockFile>(m_fileName);
    // The default of 30 s would let a second instance steal the lock of a live server that has
    // run longer than that: staleness is decided by the owner's PID (and boot id) only.
    m_lock->setStaleLockTime(0);
    if (m_lock->tryLock(0))
        return flockDatabaseFile(error);

    switch (m_lock->error()) {
    case QLockFile::LockFailedError: {
        qint64 pid = 0;
        QString host;
        QString app;
        const QString owner = m_lock->getLockInfo(&pid, &host, &app)
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
    unlock();
    return false;
}

bool StoreLock::openDatabaseFile(QString* error)
{
    const QByteArray path = QFile::encodeName(m_databasePath);
    m_fd = ::open(path.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0 && (errno == EACCES || errno == EROFS))
        m_fd = ::open(path.constData(), O_RDONLY | O_CLOEXEC); // a read-only file is locked as well
    if (m_fd < 0) {
        *error = u"Cannot open the database %1: %2. Check that its directory exists and is writable."_s.arg(
            m_databasePath, systemError(errno));
        return false;
    }
    return true;
}

bool StoreLock::flockDatabaseFile(QString* error)
{
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        const int failure = errno;
        unlock();
        *error = failure == EWOULDBLOCK
            ? u"The database %1 is in use by another QueueLab, perhaps under another name (a symlink or hard "
              "link to the same file). Stop that QueueLab or choose another --db."_s.arg(m_databasePath)
            : u"Cannot lock the database %1: %2"_s.arg(m_databasePath, systemError(failure));
        return false;
    }
    struct stat opened = {};
    if (::fstat(m_fd, &opened) != 0) {
        *error = u"Cannot read the database %1: %2"_s.arg(m_databasePath, systemError(errno));
        unlock();
        return false;
    }
    m_device = opened.st_dev;
    m_inode = opened.st_ino;
    m_largestSize = opened.st_size;
    return true;
}

void StoreLock::unlock()
{
    if (m_lock) {
        m_lock->unlock();
        m_lock.reset();
    }
    if (m_fd >= 0) {
        ::close(m_fd); // releases the flock()
        m_fd = -1;
    }
}

QString StoreLock::fileProblem() const
{
    if (m_fd < 0)
        return {};
    struct stat atPath = {};
    if (::stat(QFile::encodeName(m_databasePath).constData(), &atPath) != 0) {
        if (errno != ENOENT)
            return {}; // cannot tell (a transient error): not a reason to stop
        return u"the database file %1 was deleted while QueueLab ran"_s.arg(m_databasePath);
    }
    if (atPath.st_dev != m_device || atPath.st_ino != m_inode)
        return u"the database file %1 was replaced by another file while QueueLab ran"_s.arg(m_databasePath);
    if (m_walNoted.load(std::memory_order_acquire)) {
        const QString wal = m_databasePath + "-wal"_L1;
        struct stat walAtPath = {};
        if (::stat(QFile::encodeName(wal).constData(), &walAtPath) != 0) {
            if (errno == ENOENT)
                return u"the database's write-ahead log %1 was deleted while QueueLab ran"_s.arg(wal);
        } else if (walAtPath.st_dev != m_walDevice || walAtPath.st_ino != m_walInode) {
            return u"the database's write-ahead log %1 was replaced by another file while QueueLab ran"_s.arg(wal);
        }
    }
    struct stat opened = {};
    if (::fstat(m_fd, &opened) != 0)
        return {};
    qint64 largest = m_largestSize.load();
    if (opened.st_size < largest)
        return u"the database file %1 was truncated from %2 to %3 bytes while QueueLab ran"_s.arg(
            m_databasePath, QString::number(largest), QString::number(opened.st_size));
    while (opened.st_size > largest && !m_largestSize.compare_exchange_weak(largest, opened.st_size)) { }
    return {};
}

void StoreLock::noteWriteAheadLog()
{
    struct stat wal = {};
    if (::stat(QFile::encodeName(m_databasePath + "-wal"_L1).constData(), &wal) != 0)
        return; // none yet: nothing to watch
    m_walDevice = wal.st_dev;
    m_walInode = wal.st_ino;
    m_walNoted.store(true, std::memory_order_release);
}
