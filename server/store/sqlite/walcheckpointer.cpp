#include "walcheckpointer.h"

#include "engine/threadjoin.h"
#include "sqliteconnection.h"
#include "store/storelog.h"

#include <QThread>

using namespace Qt::StringLiterals;

WalCheckpointer::~WalCheckpointer()
{
    stop();
}

bool WalCheckpointer::start(const QString& path, QString* error)
{
    std::promise<QString> opened;
    std::future<QString> verdict = opened.get_future();
    {
        std::lock_guard lock(m_mutex);
        m_stopping = false;
    }
    m_thread = QThread::create([this, path, &opened] { run(path, opened); });
    m_thread->setObjectName(u"JobStore checkpointer"_s);
    ThreadJoin::markJoinable(*m_thread);
    m_thread->start();
    const QString failure = verdict.get();
    if (failure.isEmpty())
        return true;
    stop();
    *error = failure;
    return false;
}

void WalCheckpointer::stop()
{
    if (!m_thread)
        return;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    ThreadJoin::waitJoined(*m_thread);
    delete m_thread;
    m_thread = nullptr;
}

bool WalCheckpointer::walGrew(int pages)
{
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        if (pages < m_pages) { // started over
            m_passFrom = 0;
            m_tailDue = false;
        }
        m_pages = pages;
        if (m_passing || m_stopping)
            return false;
        // The tail first: were passes slower than the writer, one would always be due.
        if (m_tailDue) {
            m_tailDue = false;
            return true;
        }
        if (pages - m_passFrom >= passPages || (pages >= restartPages && m_passFrom < restartPages)) {
            m_passFrom = pages;
            m_passing = wake = true;
        }
    }
    if (wake)
        m_wake.notify_one();
    return false;
}

quint64 WalCheckpointer::passes() const
{
    std::lock_guard lock(m_mutex);
    return m_passes;
}

void WalCheckpointer::run(const QString& path, std::promise<QString>& opened)
{
    SqliteConnection db;
    QString error;
    // One read now: a connection that cannot read the file fails start(), not every pass.
    if (!db.open(path, &error) || !db.exec("SELECT count(*) FROM sqlite_master", &error)) {
        opened.set_value(u"Cannot open %1 for checkpoints: %2"_s.arg(path, error));
        return;
    }
    opened.set_value(QString());
    passUntilStopped(db);
}

void WalCheckpointer::passUntilStopped(SqliteConnection& db)
{
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait(lock, [this] { return m_passing || m_stopping; });
        if (m_stopping)
            return;
        lock.unlock();
        QString error;
        // A failed pass only leaves more for the writer's tail checkpoint.
        if (!db.exec("PRAGMA wal_checkpoint(PASSIVE)", &error))
            qCWarning(lcStore, "Checkpointing the WAL failed: %ls", qUtf16Printable(error));
        lock.lock();
        m_passing = false;
        // A pass that started past restartPages left a short tail; the writer takes it.
        m_tailDue = m_passFrom >= restartPages;
        ++m_passes;
    }
}
