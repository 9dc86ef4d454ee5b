#include "sqlitejobstore.h"

#include "engine/threadjoin.h"
#include "readconnection.h"
#include "readerconnections.h"
#include "sqlitequeries.h"
#include "sqlitewriter.h"
#include "store/storelog.h"
#include "storebatch.h"
#include "storelock.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QMap>
#include <QThread>

#include <algorithm>
#include <future>
#include <utility>

using namespace Qt::StringLiterals;

namespace {

// Retention deletes at most this many rows per transaction, so a batch never waits long.
constexpr int pruneChunkRows = 500;
// Rows the search index takes at once: under load, whenever that many wait; idle, what there is.
// FTS5's cost per row falls with the rows per transaction, flattening out at a few thousand.
constexpr int textChunkRows = 4000;
// An idle writer checks this often that its file is still there (a busy one at each commit).
constexpr auto fileCheckInterval = std::chrono::seconds(1);

} // namespace

SqliteJobStore::SqliteJobStore(const QString& path, Sync sync, int keepFinished, QObject* parent)
    : QObject(parent)
    , m_path(QFileInfo(path).absoluteFilePath())
    , m_sync(sync)
    , m_keepFinished(keepFinished)
    , m_lock(std::make_unique<StoreLock>(m_path))
    , m_readers(std::make_unique<ReaderConnections>(m_path))
    , m_pending(std::make_unique<StoreBatch>())
{ }

SqliteJobStore::~SqliteJobStore()
{
    close();
}

bool SqliteJobStore::open(QString* error)
{
    std::unique_lock lifecycle(m_lifecycle);
    if (m_open)
        return true;
    if (!m_lock->tryLock(error))
        return false;

    // The writer opens (and checks, and migrates) the file on its own thread: its connection
    // may only be used there. open() waits for the verdict.
    std::promise<QString> opened;
    std::future<QString> verdict = opened.get_future();
    m_writerThread = QThread::create([this, &opened] {
        SqliteWriter writer;
        QString failure;
        if (!writer.open(m_path, m_sync == Sync::Full, &failure)) {
            writer.close();
            opened.set_value(failure);
            return;
        }
        {
            std::lock_guard lock(m_mutex);
            m_counts = writer.counts();
            m_queueCountsAtOpen = writer.queueCountsAtOpen();
            m_maxId = writer.maxId();
            m_declaredTypes = writer.declaredTypes();
            m_settings = QJsonDocument::fromJson(writer.settings()).object();
            m_stats.checkpointsApart = writer.checkpointsApart();
            m_stats.textPending = writer.textPending();
            m_accepting = true;
            m_stopping = false;
        }
        m_lock->noteWriteAheadLog(); // the writer's connection holds it open from now on
        opened.set_value(QString());
        runWriter(writer);
    });
    m_writerThread->setObjectName(u"JobStore writer"_s);
    ThreadJoin::markJoinable(*m_writerThread);
    m_writerThread->start();

    const QString failure = verdict.get();
    if (!failure.isEmpty()) {
        ThreadJoin::waitJoined(*m_writerThread);
        delete m_writerThread;
        m_writerThread = nullptr;
        m_lock->unlock();
        *error = failure;
        qCWarning(lcStore, "%ls", qUtf16Printable(failure));
        return false;
    }
    m_open = true;
    return true;
}

void SqliteJobStore::close()
{
    Q_ASSERT_X(!m_writerThread || QThread::currentThread() != m_writerThread, "SqliteJobStore::close",
        "not from a durability callback");
    {
        std::lock_guard lock(m_mutex);
        m_accepting = false;
        m_stopping = true;
    }
    m_wake.notify_all();
    // The writer commits what is pending and calls its callbacks before it stops. No lock is
    // held meanwhile: callbacks may read from the store.
    if (m_writerThread) {
        ThreadJoin::waitJoined(*m_writerThread);
        delete m_writerThread;
        m_writerThread = nullptr;
    }

    std::unique_lock lifecycle(m_lifecycle);
    if (!m_open)
        return;
    m_open = false;
    m_readers->closeAll();
    m_lock->unlock();
}

void SqliteJobStore::runWriter(SqliteWriter& writer)
{
    const int slack = std::clamp(m_keepFinished / 100, 1, 1000);
    bool pruning = false;
    bool indexFailed = false; // tried again with the next batch, not in a busy loop
    for (;;) {
        std::shared_ptr<const StoreBatch> batch;
        const bool indexing = writer.textPending() > 0 && !indexFailed && canIndexText();
        {
            std::unique_lock lock(m_mutex);
            if (!m_wake.wait_for(
                    lock, fileCheckInterval, [&] { return m_hasWork || m_stopping || pruning || indexing; })) {
                lock.unlock();
                noticeLostFile();
                continue;
            }
            if (m_hasWork || (m_stopping && !m_pending->isEmpty())) {
                // Everything that arrived while the previous batch committed: one transaction.
                batch = std::shared_ptr<const StoreBatch>(std::move(m_pending));
                m_pending = std::make_unique<StoreBatch>();
                m_inflight = batch;
                m_hasWork = false;
            } else if (m_stopping) {
                return;
            }
        }

        if (batch) {
            commit(writer, batch);
            pruning = pruning || (m_keepFinished >= 0 && writer.finishedCount() > qint64(m_keepFinished) + slack);
            indexFailed = false;
            if (writer.textPending() >= textChunkRows && canIndexText())
                indexFailed = !indexTextChunk(writer);
        } else if (pruning) {
            pruning = pruneChunk(writer);
        } else if (indexing) {
            indexFailed = !indexTextChunk(writer);
        }
        // After the batch's callbacks: their answers do not wait for it.
        writer.checkpointWalIfDue();
    }
}

bool SqliteJobStore::canIndexText()
{
    std::lock_guard lock(m_mutex);
    return m_unavailable.isEmpty() && !m_stopping && !m_lost.load(std::memory_order_relaxed);
}

bool SqliteJobStore::indexTextChunk(SqliteWriter& writer)
{
    QString error;
    const bool indexed = writer.indexText(textChunkRows, &error) >= 0;
    if (!indexed)
        qCWarning(lcStore, "Indexing jobs for search failed: %ls", qUtf16Printable(error));
    std::lock_guard lock(m_mutex);
    updateWriterStats(writer);
    return indexed;
}

bool SqliteJobStore::pruneChunk(SqliteWriter& writer)
{
    // Retention between batches, one small chunk at a time.
    QString error;
    QHash<QString, StatusCounts> byQueue;
    const int deleted = writer.prune(m_keepFinished, pruneChunkRows, &byQueue, &error);
    if (deleted < 0)
        qCWarning(lcStore, "Pruning finished jobs failed: %ls", qUtf16Printable(error));
    {
        std::lock_guard lock(m_mutex);
        m_counts = writer.counts();
        m_stats.prunedRows += qMax(deleted, 0);
        for (auto it = byQueue.cbegin(); it != byQueue.cend(); ++it) {
            StatusCounts& pruned = m_pruned[it.key()];
            for (std::size_t i = 0; i < pruned.size(); ++i)
                pruned[i] += (*it)[i];
        }
        updateWriterStats(writer);
    }
    return deleted > 0 && writer.finishedCount() > m_keepFinished;
}

void SqliteJobStore::updateWriterStats(const SqliteWriter& writer)
{
    m_stats.walPasses = writer.walPasses();
    m_stats.walTailCheckpoints = writer.walTailCheckpoints();
    m_stats.walPages = writer.walPages();
    m_stats.textPending = writer.textPending();
}

bool SqliteJobStore::noticeLostFile()
{
    if (m_lost.load(std::memory_order_acquire))
        return true;
    const QString problem = m_lock->fileProblem();
    if (problem.isEmpty())
        return false;
    qCCritical(
        lcStore, "%ls: nothing more is accepted; restart QueueLab once the file is back", qUtf16Printable(problem));
    std::lock_guard lock(m_mutex);
    m_lostReason = problem;
    m_lost.store(true, std::memory_order_release);
    return true;
}

void SqliteJobStore::setUnavailable(const QString& reason)
{
    std::lock_guard lock(m_mutex);
    const bool back = !m_unavailable.isEmpty() && reason.isEmpty();
    m_unavailable = reason;
    // Updates held while it was unavailable go out now, not with whatever write comes next.
    if (back && m_pending && !m_pending->isEmpty()) {
        m_hasWork = true;
        m_wake.notify_one();
    }
}

QString SqliteJobStore::problem() const
{
    if (!m_lost.load(std::memory_order_acquire))
        return {};
    std::lock_guard lock(m_mutex);
    return m_lostReason;
}

void SqliteJobStore::commit(SqliteWriter& writer, const std::shared_ptr<const StoreBatch>& batch)
{
    SqliteWriter::Outcome outcome;
    if (noticeLostFile()) {
        // Committed into a file nobody can open again, the jobs would be lost at the next start.
        outcome.error = problem();
        outcome.insertErrors = QStringList(batch->inserts().size(), outcome.error);
    } else {
        QString unavailable;
        {
            std::lock_guard lock(m_mutex);
            unavailable = m_unavailable;
        }
        outcome = writer.write(*batch, unavailable);
    }
    const bool failed = !outcome.error.isEmpty();
    bool restored = false;
    {
        std::lock_guard lock(m_mutex);
        m_inflight.reset();
        m_counts = writer.counts();
        if (failed) {
            ++m_stats.failedCommits;
            // Updates stay visible and go out with the next batch (not on their own: a failing
            // disk would make that a busy loop). At shutdown they are lost, with the error logged.
            restored = !m_stopping;
            if (restored) {
                for (qsizetype position : batch->updates())
                    m_pending->restoreUpdate(batch->entries().at(position).job);
                for (const StoreBatch::InsertCall& call : batch->inserts()) {
                    if (call.followsUpdate)
                        m_pending->restoreInsert(*batch, call);
                }
                if (batch->declaredTypes() && !m_pending->declaredTypes())
                    m_pending->setDeclaredTypes(*batch->declaredTypes());
                if (batch->settings() && !m_pending->settings())
                    m_pending->setSettings(*batch->settings());
            }
        } else {
            ++m_stats.commits;
            m_stats.insertedRows += outcome.inserted;
            m_stats.updatedRows += outcome.updated;
            for (auto it = outcome.unpruned.cbegin(); it != outcome.unpruned.cend(); ++it) {
                StatusCounts& pruned = m_pruned[it.key()];
                for (std::size_t i = 0; i < pruned.size(); ++i)
                    pruned[i] -= (*it)[i];
            }
        }
        updateWriterStats(writer);
    }

    if (failed && !m_lost.load(std::memory_order_relaxed)) { // a lost file was reported once
        qCWarning(lcStore, "Writing to %ls failed: %ls", qUtf16Printable(m_path), qUtf16Printable(outcome.error));
        Q_EMIT writeFailed(outcome.error);
    }
    const QList<StoreBatch::InsertCall>& calls = batch->inserts();
    for (qsizetype i = 0; i < calls.size(); ++i) {
        if (failed && restored && calls.at(i).followsUpdate)
            continue; // put back above: told with the commit that takes it
        if (!failed && !outcome.insertErrors.at(i).isEmpty())
            qCInfo(lcStore, "Jobs not stored: %ls", qUtf16Printable(outcome.insertErrors.at(i)));
        if (calls.at(i).onDurable)
            calls.at(i).onDurable(outcome.insertErrors.at(i));
    }
    for (qsizetype i = 0; i < batch->removals().size(); ++i) {
        if (const RemovalCallback& done = batch->removals().at(i).done)
            done(failed ? 0 : outcome.removed.at(i), outcome.error);
    }
    for (const DurableCallback& onDurable : batch->barriers())
        onDurable(outcome.error);
}

void SqliteJobStore::insert(const QList<Job>& jobs, DurableCallback onDurable)
{
    {
        std::unique_lock lock(m_mutex);
        if (!m_accepting) {
            lock.unlock();
            if (onDurable)
                onDurable(u"The job store is closed."_s);
            return;
        }
        if (!jobs.isEmpty()) {
            for (const Job& job : jobs)
                m_maxId = qMax(m_maxId, job.id);
            m_pending->addInsert(jobs, std::move(onDurable));
            m_hasWork = true;
        }
    }
    if (jobs.isEmpty()) {
        if (onDurable)
            onDurable(QString());
        return;
    }
    m_wake.notify_one();
}

void SqliteJobStore::update(const Job& job)
{
    {
        std::lock_guard lock(m_mutex);
        if (!m_accepting) {
            qCWarning(lcStore, "Update of job %lld after the store was closed: dropped", job.id);
            return;
        }
        m_pending->addUpdate(job);
        m_hasWork = true;
    }
    m_wake.notify_one();
}

void SqliteJobStore::updateAndInsert(const Job& job, const QList<Job>& jobs, DurableCallback onDurable)
{
    {
        std::unique_lock lock(m_mutex);
        if (!m_accepting) {
            lock.unlock();
            qCWarning(lcStore, "Update of job %lld after the store was closed: dropped", job.id);
            if (onDurable)
                onDurable(u"The job store is closed."_s);
            return;
        }
        // One batch, so one transaction: the writer takes a whole batch or none of it.
        m_pending->addUpdate(job);
        for (const Job& inserted : jobs)
            m_maxId = qMax(m_maxId, inserted.id);
        if (!jobs.isEmpty())
            m_pending->addInsert(jobs, std::move(onDurable), true);
        m_hasWork = true;
    }
    if (jobs.isEmpty() && onDurable)
        onDurable(QString());
    m_wake.notify_one();
}

void SqliteJobStore::whenDurable(DurableCallback onDurable)
{
    {
        std::unique_lock lock(m_mutex);
        if (!m_accepting) {
            lock.unlock();
            onDurable(u"The job store is closed."_s);
            return;
        }
        if (!m_pending->isEmpty() || m_inflight) {
            // Whatever came before is in one of these two batches: the pending one commits last.
            m_pending->addBarrier(std::move(onDurable));
            m_hasWork = true;
            onDurable = nullptr;
        }
    }
    if (onDurable) {
        onDurable(QString()); // everything before is committed already
        return;
    }
    m_wake.notify_one();
}

void SqliteJobStore::removeFinished(const JobQuery& filter, RemovalCallback done)
{
    {
        std::unique_lock lock(m_mutex);
        if (!m_accepting) {
            lock.unlock();
            if (done)
                done(0, u"The job store is closed."_s);
            return;
        }
        // With the pending batch, after its updates: deleted rows and newer states of the same
        // jobs cannot cross.
        m_pending->addRemoval({ filter, std::move(done) });
        m_hasWork = true;
    }
    m_wake.notify_one();
}

QJsonObject SqliteJobStore::settings() const
{
    std::lock_guard lock(m_mutex);
    return m_settings;
}

void SqliteJobStore::setSettings(const QJsonObject& settings)
{
    {
        std::lock_guard lock(m_mutex);
        if (!m_accepting || settings == m_settings)
            return;
        m_settings = settings;
        m_pending->setSettings(QJsonDocument(settings).toJson(QJsonDocument::Compact));
        m_hasWork = true;
    }
    m_wake.notify_one();
}

QStringList SqliteJobStore::declaredJobTypes() const
{
    std::lock_guard lock(m_mutex);
    return m_declaredTypes;
}

void SqliteJobStore::setDeclaredJobTypes(const QStringList& types)
{
    {
        std::lock_guard lock(m_mutex);
        if (!m_accepting || types == m_declaredTypes)
            return;
        m_declaredTypes = types;
        m_pending->setDeclaredTypes(types);
        m_hasWork = true;
    }
    m_wake.notify_one();
}

const Job* SqliteJobStore::uncommitted(JobId id) const
{
    if (const Job* job = m_pending->find(id))
        return job;
    return m_inflight ? m_inflight->find(id) : nullptr;
}

ReadConnection* SqliteJobStore::readConnection() const
{
    QString error;
    ReadConnection* connection = m_readers->current(&error);
    if (!connection)
        qCWarning(
            lcStore, "Cannot open a read connection to %ls: %ls", qUtf16Printable(m_path), qUtf16Printable(error));
    return connection;
}

std::optional<Job> SqliteJobStore::find(JobId id) const
{
    std::shared_lock lifecycle(m_lifecycle);
    if (!m_open)
        return std::nullopt;
    {
        std::lock_guard lock(m_mutex);
        if (const Job* job = uncommitted(id))
            return *job;
    }
    ReadConnection* connection = readConnection();
    return connection ? SqliteQueries::find(*connection, id) : std::nullopt;
}

std::optional<Job> SqliteJobStore::findByIdempotencyKey(const QString& key) const
{
    std::shared_lock lifecycle(m_lifecycle);
    if (!m_open || key.isEmpty())
        return std::nullopt;
    {
        std::lock_guard lock(m_mutex);
        const Job* job = m_pending->findByIdempotencyKey(key);
        if (!job && m_inflight)
            job = m_inflight->findByIdempotencyKey(key);
        if (job)
            return *uncommitted(job->id);
    }
    ReadConnection* connection = readConnection();
    std::optional<Job> stored = connection ? SqliteQueries::findByIdempotencyKey(*connection, key) : std::nullopt;
    if (stored) {
        std::lock_guard lock(m_mutex);
        if (const Job* newer = uncommitted(stored->id))
            stored = *newer;
    }
    return stored;
}

JobPage SqliteJobStore::list(const JobQuery& query) const
{
    // Committed data only: a job's newest state may be one commit (milliseconds) ahead of it.
    std::shared_lock lifecycle(m_lifecycle);
    if (!m_open)
        return {};
    ReadConnection* connection = readConnection();
    return connection ? SqliteQueries::list(*connection, query) : JobPage {};
}

qint64 SqliteJobStore::count(const JobQuery& query) const
{
    // Committed data only, as list() shows.
    std::shared_lock lifecycle(m_lifecycle);
    if (!m_open)
        return 0;
    ReadConnection* connection = readConnection();
    return connection ? SqliteQueries::count(*connection, query) : 0;
}

QList<Job> SqliteJobStore::loadUnfinished()
{
    std::shared_lock lifecycle(m_lifecycle);
    if (!m_open)
        return {};
    // Locked before reading: else the writer could commit a batch between our read and our
    // overlay, and its jobs would be in neither. Locked, the batch stays in m_inflight even if
    // it commits meanwhile, and its states are never older than the committed ones. Called at
    // start-up only, so holding back insert() and update() for one read costs nothing.
    std::lock_guard lock(m_mutex);
    ReadConnection* connection = readConnection();
    QMap<JobId, Job> jobs;
    if (connection) {
        for (Job& job : SqliteQueries::unfinished(*connection))
            jobs.insert(job.id, std::move(job));
    }
    // Overlay what is on its way to the database, older batch first.
    for (const StoreBatch* batch : { m_inflight.get(), static_cast<const StoreBatch*>(m_pending.get()) }) {
        if (!batch)
            continue;
        for (const StoreBatch::Entry& entry : batch->entries()) {
            if (isFinished(entry.job.status))
                jobs.remove(entry.job.id);
            else
                jobs.insert(entry.job.id, entry.job);
        }
    }
    return jobs.values();
}

JobId SqliteJobStore::maxId() const
{
    std::lock_guard lock(m_mutex);
    return m_maxId;
}

StatusCounts SqliteJobStore::countByStatus() const
{
    std::lock_guard lock(m_mutex);
    return m_counts;
}

QHash<QString, StatusCounts> SqliteJobStore::takePruned()
{
    std::lock_guard lock(m_mutex);
    return std::exchange(m_pruned, {});
}

QHash<QString, StatusCounts> SqliteJobStore::countByQueueAtOpen() const
{
    std::lock_guard lock(m_mutex);
    return m_queueCountsAtOpen;
}

SqliteJobStore::Stats SqliteJobStore::stats() const
{
    std::lock_guard lock(m_mutex);
    return m_stats;
}
