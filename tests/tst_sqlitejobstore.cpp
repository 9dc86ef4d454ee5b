#include "engine/conditionwait.h"
#include "jobquerycases.h"
#include "store/sqlite/sqlitejobstore.h"
#include "store/sqlite/sqliteschema.h"
#include "store/sqlite/walcheckpointer.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QWaitCondition>

#include <atomic>
#include <memory>
#include <sqlite3.h>
#include <thread>

using namespace Qt::StringLiterals;

namespace QTest {
template <> inline char* toString(const Job& job)
{
    return qstrdup(QJsonDocument(job.toJson()).toJson(QJsonDocument::Compact).constData());
}
template <> inline char* toString(const std::optional<Job>& job)
{
    return job ? toString(*job) : qstrdup("nullopt");
}
} // namespace QTest

namespace {

// One insert()'s durability verdict, which arrives on the writer thread.
class Durability
{
public:
    JobStore::DurableCallback callback()
    {
        return [state = m_state](const QString& error) {
            QMutexLocker locker(&state->mutex);
            ++state->calls;
            state->error = error;
            state->called.wakeAll();
        };
    }
    // Blocks, unlike QTRY_COMPARE's 50 ms steps: for tests that wait for thousands of commits.
    bool waitForCall(int timeoutMs = 5000)
    {
        QMutexLocker locker(&m_state->mutex);
        return m_state->calls > 0 || waitOn(m_state->called, m_state->mutex, QDeadlineTimer(timeoutMs));
    }
    int calls() const
    {
        QMutexLocker locker(&m_state->mutex);
        return m_state->calls;
    }
    QString error() const
    {
        QMutexLocker locker(&m_state->mutex);
        return m_state->error;
    }

private:
    struct State
    {
        QMutex mutex;
        QWaitCondition called;
        int calls = 0;
        QString error;
    };
    std::shared_ptr<State> m_state = std::make_shared<State>();
};

Job makeJob(JobId id, JobStatus status = JobStatus::Queued, const QString& queue = u"default"_s,
    const QString& type = u"echo"_s)
{
    Job job;
    job.id = id;
    job.type = type;
    job.queue = queue;
    job.status = status;
    job.createdAt = 1700000000000 + id;
    job.payload = QJsonObject { { u"n"_s, int(id) } };
    if (isFinished(status))
        job.finishedAt = job.createdAt + 5;
    return job;
}

// Every field away from its default.
Job fullJob(JobId id)
{
    Job job = makeJob(id, JobStatus::Failed, u"reports"_s, u"compute"_s);
    job.priority = -7;
    job.attempts = 2;
    job.maxAttempts = 3;
    job.payload = QJsonObject { { u"text"_s, u"grüße \"quoted\"\n"_s }, { u"list"_s, QJsonArray { 1, 2.5, true } } };
    job.result = QJsonArray { u"partial"_s, QJsonValue::Null };
    job.error = JobError { u"handler_failed"_s, u"boom"_s };
    job.progress = 0.375;
    job.runAt = job.createdAt + 100;
    job.startedAt = job.createdAt + 200;
    job.finishedAt = job.createdAt + 300;
    job.timeoutMs = 45000;
    job.idempotencyKey = u"key-%1"_s.arg(id);
    job.history = { JobAttempt { 1, job.createdAt + 10, job.createdAt + 20, std::nullopt },
        JobAttempt { 2, job.createdAt + 200, job.createdAt + 300, JobError { u"handler_failed"_s, u"boom"_s } } };
    job.callbackUrl = u"http://127.0.0.1:8080/sink/done?id=%1"_s.arg(id);
    job.callbackJobId = id + 1000;
    job.callbackFor = id + 2000; // never both in practice; both columns are tested at once
    return job;
}

QByteArray fileBytes(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

qint64 finishedCount(const StatusCounts& counts)
{
    return counts[std::size_t(JobStatus::Succeeded)] + counts[std::size_t(JobStatus::Failed)]
        + counts[std::size_t(JobStatus::Cancelled)];
}

QList<JobId> ids(const QList<Job>& jobs)
{
    QList<JobId> result;
    for (const Job& job : jobs)
        result.append(job.id);
    return result;
}

// A connection of the test's own through SQLite's C API: files made and read without the store.
class RawDatabase
{
public:
    explicit RawDatabase(const QString& path)
    {
        if (sqlite3_open(path.toUtf8().constData(), &m_db) != SQLITE_OK)
            qWarning("Cannot open %s: %s", qPrintable(path), sqlite3_errmsg(m_db));
    }
    ~RawDatabase() { sqlite3_close(m_db); }
    Q_DISABLE_COPY_MOVE(RawDatabase)

    bool exec(const QString& sql)
    {
        if (sqlite3_exec(m_db, sql.toUtf8().constData(), nullptr, nullptr, nullptr) == SQLITE_OK)
            return true;
        qWarning("%s: %s", qPrintable(sql), sqlite3_errmsg(m_db));
        return false;
    }
    // The first column of the first row, or -1.
    qint64 integer(const QString& sql)
    {
        sqlite3_stmt* statement = nullptr;
        qint64 value = -1;
        if (sqlite3_prepare_v2(m_db, sql.toUtf8().constData(), -1, &statement, nullptr) == SQLITE_OK
            && sqlite3_step(statement) == SQLITE_ROW)
            value = sqlite3_column_int64(statement, 0);
        sqlite3_finalize(statement);
        return value;
    }

private:
    sqlite3* m_db = nullptr;
};

// A plain SQLite file made without the store, for the refusal tests.
bool writeRawDatabase(const QString& path, const QStringList& statements)
{
    RawDatabase db(path);
    for (const QString& statement : statements) {
        if (!db.exec(statement))
            return false;
    }
    return true;
}

// How many descriptors this process holds open on `path`: each SQLite connection holds one on
// the WAL.
int openDescriptors(const QString& path)
{
    int count = 0;
    const QFileInfoList descriptors
        = QDir(u"/proc/self/fd"_s).entryInfoList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot);
    for (const QFileInfo& descriptor : descriptors) {
        if (descriptor.symLinkTarget() == path)
            ++count;
    }
    return count;
}

// A file as each released QueueLab wrote it, with the statements of that version's schema
// (SqliteSchema's migration steps up to it, as they were released) and one job of that era.
QStringList olderSchema(int version)
{
    QStringList statements {
        u"CREATE TABLE jobs ("
        " id INTEGER PRIMARY KEY, type TEXT NOT NULL, queue TEXT NOT NULL, status TEXT NOT NULL,"
        " priority INTEGER NOT NULL, attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL,"
        " progress REAL NOT NULL, created_at INTEGER NOT NULL, run_at INTEGER NOT NULL,"
        " started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL, timeout_ms INTEGER NOT NULL,"
        " idempotency_key TEXT, error TEXT, history TEXT, result TEXT, payload TEXT)"_s,
        u"CREATE INDEX jobs_status ON jobs (status)"_s,
        u"CREATE INDEX jobs_queue ON jobs (queue)"_s,
        u"CREATE INDEX jobs_type ON jobs (type)"_s,
        u"CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL"_s,
        u"CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID"_s,
        u"INSERT INTO meta (key, value) VALUES ('max_id', 0)"_s,
    };
    if (version >= 2)
        statements.append(u"ALTER TABLE jobs ADD COLUMN worker TEXT"_s);
    if (version >= 3)
        statements.append(u"CREATE INDEX jobs_error_code ON jobs (json_extract(error, '$.code'))"_s);
    if (version >= 4) {
        statements << u"ALTER TABLE jobs ADD COLUMN callback_url TEXT"_s
                   << u"ALTER TABLE jobs ADD COLUMN callback_job_id INTEGER"_s
                   << u"ALTER TABLE jobs ADD COLUMN callback_for INTEGER"_s;
    }
    if (version >= 5) {
        statements << u"CREATE INDEX jobs_priority ON jobs (priority)"_s
                   << u"CREATE INDEX jobs_attempts ON jobs (attempts)"_s
                   << u"CREATE INDEX jobs_run_time ON jobs (max(finished_at - started_at, 0))"_s
                   << u"CREATE INDEX jobs_due ON jobs (run_at) WHERE status = 'scheduled'"_s
                   << u"CREATE VIRTUAL TABLE job_text USING fts5(payload_text, error_message, content='', "
                      "tokenize='trigram')"_s
                   << u"CREATE TRIGGER jobs_text_insert AFTER INSERT ON jobs BEGIN"
                      " INSERT INTO job_text (rowid, payload_text, error_message)"
                      " VALUES (new.id, new.payload, json_extract(new.error, '$.message')); END"_s
                   << u"CREATE TRIGGER jobs_text_update AFTER UPDATE OF error ON jobs"
                      " WHEN json_extract(old.error, '$.message') IS NOT json_extract(new.error, '$.message') BEGIN"
                      " INSERT INTO job_text (job_text, rowid, payload_text, error_message)"
                      " VALUES ('delete', old.id, old.payload, json_extract(old.error, '$.message'));"
                      " INSERT INTO job_text (rowid, payload_text, error_message)"
                      " VALUES (new.id, new.payload, json_extract(new.error, '$.message')); END"_s
                   << u"CREATE TRIGGER jobs_text_delete AFTER DELETE ON jobs BEGIN"
                      " INSERT INTO job_text (job_text, rowid, payload_text, error_message)"
                      " VALUES ('delete', old.id, old.payload, json_extract(old.error, '$.message')); END"_s;
    }
    const QString columns = u"id, type, queue, status, priority, attempts, max_attempts, progress, created_at, "
                            "run_at, started_at, finished_at, timeout_ms, idempotency_key, error, history, result, "
                            "payload"_s;
    const QString error = u"'{\"code\":\"handler_failed\",\"message\":\"boom\"}'"_s;
    statements << u"INSERT INTO jobs (%1) VALUES (7, 'compute', 'reports', 'failed', 2, 1, 1, 0.5, 1700000000000, "
                  "1700000000000, 1700000000100, 1700000000200, 30000, 'order-7', %2, "
                  "'[[1,1700000000100,1700000000200,' || %2 || ']]', 'null', '{\"n\":7}')"_s.arg(columns, error)
               << u"INSERT INTO jobs (%1) VALUES (8, 'echo', 'default', 'queued', 0, 0, 3, 0, 1700000000300, "
                  "1700000000300, 0, 0, 30000, NULL, NULL, NULL, 'null', '{\"n\":8}')"_s.arg(columns)
               << u"UPDATE meta SET value = 9 WHERE key = 'max_id'"_s // job 9 was pruned
               << u"INSERT INTO meta (key, value) VALUES ('declared_types', 'compute\necho')"_s
               << u"PRAGMA application_id = %1"_s.arg(SqliteSchema::applicationId)
               << u"PRAGMA user_version = %1"_s.arg(version);
    return statements;
}

} // namespace

class TestSqliteJobStore : public QObject
{
    Q_OBJECT

private:
    QString dbPath() const { return m_dir->filePath(u"jobs.db"_s); }
    std::unique_ptr<SqliteJobStore> openedStore(int keepFinished = 1000)
    {
        auto store = std::make_unique<SqliteJobStore>(dbPath(), SqliteJobStore::Sync::Normal, keepFinished);
        QString error;
        if (!store->open(&error))
            qFatal("the store failed to open: %s", qPrintable(error));
        return store;
    }

    std::unique_ptr<QTemporaryDir> m_dir;

private Q_SLOTS:
    void init() { m_dir = std::make_unique<QTemporaryDir>(); }
    void cleanup() { m_dir.reset(); }

    void roundTripsEveryField_data()
    {
        QTest::addColumn<QJsonValue>("payload");
        QTest::newRow("object") << QJsonValue(QJsonObject { { u"a"_s, 1 } });
        QTest::newRow("array") << QJsonValue(QJsonArray { 1, u"two"_s });
        QTest::newRow("string") << QJsonValue(u"just text"_s);
        QTest::newRow("number") << QJsonValue(42.5);
        QTest::newRow("bool") << QJsonValue(false);
        QTest::newRow("null") << QJsonValue(QJsonValue::Null);
    }
    void roundTripsEveryField()
    {
        QFETCH(QJsonValue, payload);
        Job full = fullJob(1);
        full.payload = payload;
        Job minimal = makeJob(2);
        minimal.payload = payload;
        minimal.result = payload;

        auto store = openedStore();
        Durability durable;
        store->insert({ full, minimal }, durable.callback());
        QCOMPARE(store->find(1), full); // pending or committing: visible at once
        QTRY_COMPARE(durable.calls(), 1);
        QCOMPARE(durable.error(), QString());
        QCOMPARE(store->find(1), full);
        QCOMPARE(store->find(2), minimal);
        store->close();

        auto reopened = openedStore();
        QCOMPARE(reopened->find(1), full);
        QCOMPARE(reopened->find(2), minimal);
        QCOMPARE(reopened->find(3), std::nullopt);
        QCOMPARE(reopened->maxId(), 2);
    }

    // A finished job and its completion callback: one call, one commit, so a crash keeps both or neither.
    void updateAndInsertShareOneCommit()
    {
        auto store = openedStore();
        Job job = makeJob(1, JobStatus::Running);
        job.callbackUrl = u"http://127.0.0.1:8080/sink/done"_s;
        Durability inserted;
        store->insert({ job }, inserted.callback());
        QTRY_COMPARE(inserted.calls(), 1);
        const quint64 commitsBefore = store->stats().commits;

        job.status = JobStatus::Succeeded;
        job.finishedAt = job.createdAt + 5;
        job.callbackJobId = 2;
        Job callback = makeJob(2, JobStatus::Queued, u"callbacks"_s, u"http"_s);
        callback.callbackFor = 1;
        Durability both;
        store->updateAndInsert(job, { callback }, both.callback());
        QCOMPARE(store->find(1), job); // pending: visible at once
        QCOMPARE(store->find(2), callback);
        QTRY_COMPARE(both.calls(), 1);
        QCOMPARE(both.error(), QString());
        QCOMPARE(store->stats().commits, commitsBefore + 1);
        store->close();

        auto reopened = openedStore();
        QCOMPARE(reopened->find(1), job);
        QCOMPARE(reopened->find(2), callback);
        QCOMPARE(ids(reopened->loadUnfinished()), QList<JobId> { 2 });
    }

    // A file of schema version 3 (before completion callbacks) gets their columns and keeps its jobs.
    void version3FileIsMigrated()
    {
        const Job old = makeJob(1, JobStatus::Succeeded);
        {
            auto store = openedStore();
            Durability durable;
            store->insert({ old }, durable.callback());
            QTRY_COMPARE(durable.calls(), 1);
            store->close();
        }
        QVERIFY(writeRawDatabase(dbPath(),
            { // what versions 6 (search indexed in chunks), 5 (sorts and search) and 4 (callbacks)
              // added, newest first
                u"DROP INDEX jobs_failed_error_code"_s, u"DROP TABLE job_text_pending"_s,
                u"DROP TRIGGER jobs_text_insert"_s, u"DROP TRIGGER jobs_text_update"_s,
                u"DROP TRIGGER jobs_text_delete"_s, u"DROP TABLE job_text"_s, u"DROP INDEX jobs_priority"_s,
                u"DROP INDEX jobs_attempts"_s, u"DROP INDEX jobs_run_time"_s, u"DROP INDEX jobs_due"_s,
                u"ALTER TABLE jobs DROP COLUMN callback_url"_s, u"ALTER TABLE jobs DROP COLUMN callback_job_id"_s,
                u"ALTER TABLE jobs DROP COLUMN callback_for"_s, u"PRAGMA user_version = 3"_s }));

        auto store = openedStore();
        QCOMPARE(store->find(1), old);
        Job withCallback = fullJob(2);
        Durability durable;
        store->insert({ withCallback }, durable.callback());
        QTRY_COMPARE(durable.calls(), 1);
        QCOMPARE(durable.error(), QString());
        store->close();
        auto reopened = openedStore();
        QCOMPARE(reopened->find(2), withCallback);
        reopened->close();
        QCOMPARE(RawDatabase(dbPath()).integer(u"PRAGMA user_version"_s), SqliteSchema::version);
    }

    void durableMeansCommitted()
    {
        auto store = openedStore();
        Durability durable;
        store->insert({ makeJob(1), makeJob(2) }, durable.callback());
        QTRY_COMPARE(durable.calls(), 1);
        QCOMPARE(durable.error(), QString());

        // Another connection sees the rows while the store is still open: they are committed.
        {
            RawDatabase other(dbPath());
            QCOMPARE(other.integer(u"SELECT count(*) FROM jobs"_s), 2);
            QCOMPARE(other.integer(u"PRAGMA user_version"_s), SqliteSchema::version);
        }

        store->close();
        auto reopened = openedStore();
        QCOMPARE(reopened->find(1), makeJob(1));
        QCOMPARE(reopened->find(2), makeJob(2));
    }

    void closeFlushesEverythingPending()
    {
        auto store = openedStore();
        QList<Durability> calls(200);
        for (int i = 0; i < calls.size(); ++i)
            store->insert({ makeJob(i + 1) }, calls[i].callback());
        store->update(makeJob(1, JobStatus::Running));
        store->close();
        for (const Durability& durable : std::as_const(calls)) {
            QCOMPARE(durable.calls(), 1);
            QCOMPARE(durable.error(), QString());
        }

        Durability late;
        store->insert({ makeJob(1000) }, late.callback());
        QCOMPARE(late.calls(), 1);
        QVERIFY(late.error().contains(u"closed"_s));

        auto reopened = openedStore();
        QCOMPARE(reopened->countByStatus()[std::size_t(JobStatus::Queued)], 199);
        QCOMPARE(reopened->find(1)->status, JobStatus::Running);
        QCOMPARE(reopened->maxId(), 200);
    }

    void updatesCoalesceAndAreVisibleAtOnce()
    {
        auto store = openedStore();
        Durability first;
        store->insert({ makeJob(1) }, first.callback());
        QTRY_COMPARE(first.calls(), 1);
        const SqliteJobStore::Stats before = store->stats();

        // A durability callback runs on the writer between two batches: everything it writes
        // lands in the same next batch.
        std::atomic<double> seenProgress { -1 };
        SqliteJobStore* raw = store.get();
        store->insert({ makeJob(2) }, [raw, &seenProgress](const QString&) {
            Job job = makeJob(1, JobStatus::Running);
            for (int i = 1; i <= 100; ++i) {
                job.progress = i / 100.0;
                raw->update(job);
            }
            seenProgress = raw->find(1)->progress;
        });
        QTRY_COMPARE(store->stats().commits, before.commits + 2);
        QCOMPARE(seenProgress.load(), 1.0);
        QCOMPARE(store->stats().updatedRows, before.updatedRows + 1);
        QCOMPARE(store->find(1)->progress, 1.0);

        Job done = makeJob(1, JobStatus::Succeeded);
        done.result = QJsonObject { { u"ok"_s, true } };
        store->update(done);
        QCOMPARE(store->find(1), done); // before any commit
        store->close();
        QCOMPARE(openedStore()->find(1), done);
    }

    void loadUnfinishedInIdOrder()
    {
        auto store = openedStore();
        Durability durable;
        store->insert({ makeJob(1, JobStatus::Succeeded), makeJob(2, JobStatus::Running), makeJob(3, JobStatus::Queued),
                          makeJob(4, JobStatus::Failed), makeJob(5, JobStatus::Scheduled),
                          makeJob(6, JobStatus::Cancelled), makeJob(7, JobStatus::Queued) },
            durable.callback());
        QTRY_COMPARE(durable.calls(), 1);
        store->update(makeJob(7, JobStatus::Succeeded));
        store->update(makeJob(1, JobStatus::Queued)); // retried
        QCOMPARE(ids(store->loadUnfinished()), (QList<JobId> { 1, 2, 3, 5 }));
        store->close();

        auto reopened = openedStore();
        const QList<Job> unfinished = reopened->loadUnfinished();
        QCOMPARE(ids(unfinished), (QList<JobId> { 1, 2, 3, 5 }));
        QCOMPARE(unfinished.at(1), makeJob(2, JobStatus::Running));
        const StatusCounts counts = reopened->countByStatus();
        QCOMPARE(counts, (StatusCounts { 1, 2, 1, 1, 1, 1 }));
    }

    void listFiltersAndPages_data()
    {
        QTest::addColumn<std::optional<JobStatus>>("status");
        QTest::addColumn<QString>("queue");
        QTest::addColumn<QString>("type");
        QTest::addColumn<int>("limit");

        QTest::newRow("all") << std::optional<JobStatus>() << QString() << QString() << 100;
        QTest::newRow("all, pages of 7") << std::optional<JobStatus>() << QString() << QString() << 7;
        QTest::newRow("failed") << std::optional(JobStatus::Failed) << QString() << QString() << 100;
        QTest::newRow("failed, pages of 2") << std::optional(JobStatus::Failed) << QString() << QString() << 2;
        QTest::newRow("queue b") << std::optional<JobStatus>() << u"b"_s << QString() << 5;
        QTest::newRow("type sleep") << std::optional<JobStatus>() << QString() << u"sleep"_s << 4;
        QTest::newRow("all filters") << std::optional(JobStatus::Queued) << u"a"_s << u"echo"_s << 3;
        QTest::newRow("no match") << std::optional<JobStatus>() << u"nowhere"_s << QString() << 10;
        QTest::newRow("limit 1") << std::optional<JobStatus>() << QString() << QString() << 1;
    }
    void listFiltersAndPages()
    {
        QFETCH(std::optional<JobStatus>, status);
        QFETCH(QString, queue);
        QFETCH(QString, type);
        QFETCH(int, limit);

        QList<Job> jobs;
        for (int id = 1; id <= 60; ++id) {
            jobs.append(makeJob(id, static_cast<JobStatus>(id % jobStatusCount), id % 3 ? u"a"_s : u"b"_s,
                id % 4 ? u"echo"_s : u"sleep"_s));
        }
        auto store = openedStore();
        Durability durable;
        store->insert(jobs, durable.callback());
        QTRY_COMPARE(durable.calls(), 1);

        JobQuery query;
        query.status = status;
        query.queue = queue;
        query.type = type;
        query.limit = limit;
        QList<JobId> expected;
        for (auto it = jobs.crbegin(); it != jobs.crend(); ++it) {
            if (matches(query, *it))
                expected.append(it->id);
        }

        QList<JobId> seen;
        for (int page = 0; page < 100; ++page) {
            const JobPage result = store->list(query);
            QVERIFY(result.jobs.size() <= limit);
            for (const Job& job : result.jobs) {
                QVERIFY(matches(query, job));
                QCOMPARE(job, jobs.at(job.id - 1));
            }
            seen += ids(result.jobs);
            if (!result.nextCursor) {
                QCOMPARE(seen.size(), expected.size());
                break;
            }
            QCOMPARE(result.jobs.size(), limit); // only full pages promise more
            QCOMPARE(result.nextCursor->id, result.jobs.constLast().id);
            query.after = result.nextCursor;
        }
        QCOMPARE(seen, expected);
    }

    void findsAndSortsJobs_data() { JobQueryCases::addRows(); }
    void findsAndSortsJobs()
    {
        const JobQuery query = JobQueryCases::queryOfRow();
        auto store = openedStore();
        const QList<Job> jobs = JobQueryCases::jobs();
        Durability inserted;
        store->insert(jobs, inserted.callback());
        QTRY_COMPARE(inserted.calls(), 1);
        for (const Job& job : JobQueryCases::updates(jobs))
            store->update(job);
        Durability updated;
        store->whenDurable(updated.callback());
        QTRY_COMPARE(updated.calls(), 1);
        QCOMPARE(updated.error(), QString());

        QList<JobId> seen;
        JobQueryCases::pageThrough(*store, query, &seen);
        if (QTest::currentTestFailed())
            return;
        const QList<JobId> expected = JobQueryCases::expected(JobQueryCases::updated(jobs), query);
        QCOMPARE(seen, expected);
        QCOMPARE(store->count(query), qint64(expected.size()));
    }

    // New jobs wait for the search index and are found meanwhile; once indexed, a changed error
    // message replaces their entry, and a deletion removes it.
    void searchFindsJobsBeforeAndAfterTheyAreIndexed()
    {
        auto store = openedStore();
        Job job = makeJob(1, JobStatus::Running);
        job.payload = QJsonObject { { u"word"_s, u"alphabet"_s } };
        Durability stored;
        store->insert({ job, makeJob(2) }, stored.callback());
        QTRY_COMPARE(stored.calls(), 1);
        const auto found = [&store](const QString& text, JobSort sort = JobSort::Created) {
            JobQuery query;
            query.search = text;
            query.sort = sort;
            return ids(store->list(query).jobs);
        };
        const QList<JobId> one { 1 };
        QCOMPARE(found(u"alphabet"_s), one); // waiting or indexed
        QTRY_COMPARE(store->stats().textPending, qint64(0));
        QCOMPARE(found(u"alphabet"_s), one);
        QCOMPARE(found(u"ALPHA"_s, JobSort::Attempts), one);

        const auto written = [&store](const Job& changed) {
            store->update(changed);
            Durability durable;
            store->whenDurable(durable.callback());
            return durable.waitForCall() && durable.error().isEmpty();
        };
        job.status = JobStatus::Failed;
        job.error = JobError { u"job_failed"_s, u"disk on fire"_s };
        QVERIFY(written(job));
        QCOMPARE(found(u"on fire"_s), one);
        job.error = JobError { u"job_failed"_s, u"smoke only"_s };
        QVERIFY(written(job));
        QCOMPARE(found(u"on fire"_s), QList<JobId> {});
        QCOMPARE(found(u"smoke"_s, JobSort::Priority), one);
        QCOMPARE(found(u"alphabet"_s), one);

        JobQuery failed;
        failed.status = JobStatus::Failed;
        std::atomic<bool> removed { false }; // set on the writer's thread
        store->removeFinished(
            failed, [&removed](qint64 count, const QString& error) { removed = count == 1 && error.isEmpty(); });
        QTRY_VERIFY(removed);
        QCOMPARE(found(u"alphabet"_s), QList<JobId> {});
        QCOMPARE(found(u"smoke"_s), QList<JobId> {});
    }

    // The search index follows deletions, and a file of the previous schema gets one for the
    // jobs it holds.
    void searchIndexFollowsDeletionsAndMigrations()
    {
        {
            auto store = openedStore();
            QList<Job> jobs;
            for (JobId id = 1; id <= 6; ++id) {
                Job job = makeJob(id, JobStatus::Succeeded);
                job.payload = QJsonObject { { u"word"_s, id % 2 ? u"odd-one"_s : u"even-one"_s } };
                jobs.append(job);
            }
            Durability durable;
            store->insert(jobs, durable.callback());
            QTRY_COMPARE(durable.calls(), 1);
            JobQuery odd;
            odd.search = u"ODD-ONE"_s;
            QCOMPARE(ids(store->list(odd).jobs), (QList<JobId> { 5, 3, 1 }));
            JobQuery deleted;
            deleted.status = JobStatus::Succeeded;
            deleted.search = u"odd-"_s;
            std::atomic<bool> removedAll { false }; // set on the writer's thread
            store->removeFinished(deleted,
                [&removedAll](qint64 removed, const QString& error) { removedAll = removed == 3 && error.isEmpty(); });
            QTRY_VERIFY(removedAll);
            QCOMPARE(store->list(odd).jobs.size(), 0);
            JobQuery even;
            even.search = u"even-one"_s;
            QCOMPARE(ids(store->list(even).jobs), (QList<JobId> { 6, 4, 2 }));
            store->close();
        }
        // Back to version 3 as an older QueueLab left it (no search index, no callback columns),
        // with jobs written since.
        QVERIFY(writeRawDatabase(dbPath(),
            { u"DROP INDEX jobs_failed_error_code"_s, u"DROP TABLE job_text_pending"_s,
                u"DROP TRIGGER jobs_text_insert"_s, u"DROP TRIGGER jobs_text_update"_s,
                u"DROP TRIGGER jobs_text_delete"_s, u"DROP TABLE job_text"_s, u"DROP INDEX jobs_priority"_s,
                u"DROP INDEX jobs_attempts"_s, u"DROP INDEX jobs_run_time"_s, u"DROP INDEX jobs_due"_s,
                u"ALTER TABLE jobs DROP COLUMN callback_url"_s, u"ALTER TABLE jobs DROP COLUMN callback_job_id"_s,
                u"ALTER TABLE jobs DROP COLUMN callback_for"_s,
                u"INSERT INTO jobs (id, type, queue, status, priority, attempts, max_attempts, progress, created_at,"
                " run_at, started_at, finished_at, timeout_ms, payload) VALUES (7, 'echo', 'default', 'queued', 0, 0,"
                " 1, 0, 0, 0, 0, 0, -1, '{\"word\":\"written-before\"}')"_s,
                u"PRAGMA user_version = 3"_s }));
        auto reopened = openedStore();
        JobQuery before;
        before.search = u"written-before"_s;
        QCOMPARE(ids(reopened->list(before).jobs), QList<JobId> { 7 });
        JobQuery even;
        even.search = u"even-one"_s;
        QCOMPARE(ids(reopened->list(even).jobs), (QList<JobId> { 6, 4, 2 }));
    }

    void idempotencyKeys()
    {
        auto store = openedStore();
        Job keyed = makeJob(1);
        keyed.idempotencyKey = u"order-17"_s;
        Durability durable;
        store->insert({ keyed, makeJob(2) }, durable.callback());
        QCOMPARE(store->findByIdempotencyKey(u"order-17"_s), keyed); // while pending
        QTRY_COMPARE(durable.calls(), 1);
        QCOMPARE(store->findByIdempotencyKey(u"order-17"_s), keyed);
        QCOMPARE(store->findByIdempotencyKey(u"order-18"_s), std::nullopt);
        QCOMPARE(store->findByIdempotencyKey(QString()), std::nullopt);

        Job running = keyed;
        running.status = JobStatus::Running;
        store->update(running);
        QCOMPARE(store->findByIdempotencyKey(u"order-17"_s), running); // the newest state

        // Within one batch, a call that reuses a key fails as a whole; its neighbour is stored.
        Durability good;
        Durability clash;
        SqliteJobStore* raw = store.get();
        QTest::ignoreMessage(QtInfoMsg, QRegularExpression(u"Jobs not stored: .*idempotency_key"_s));
        store->insert({ makeJob(3) }, [&good, &clash, raw](const QString&) {
            Job reused = makeJob(5);
            reused.idempotencyKey = u"order-17"_s;
            raw->insert({ makeJob(4) }, good.callback());
            raw->insert({ makeJob(6), reused, makeJob(7) }, clash.callback());
        });
        QTRY_COMPARE(clash.calls(), 1);
        QTRY_COMPARE(good.calls(), 1);
        QCOMPARE(good.error(), QString());
        QVERIFY2(clash.error().contains(u"idempotency_key"_s), qPrintable(clash.error()));
        QVERIFY(store->find(4));
        QCOMPARE(store->find(6), std::nullopt);
        QCOMPARE(store->find(7), std::nullopt);
        store->close();

        auto reopened = openedStore();
        QCOMPARE(reopened->findByIdempotencyKey(u"order-17"_s), running);
        QCOMPARE(reopened->find(6), std::nullopt);
    }

    void pruningKeepsTheNewestFinished()
    {
        const int keep = 20;
        auto store = openedStore(keep);
        // Old unfinished jobs first: pruning must step over them.
        QList<Job> unfinished { makeJob(1, JobStatus::Queued), makeJob(2, JobStatus::Scheduled),
            makeJob(3, JobStatus::Running) };
        Durability first;
        store->insert(unfinished, first.callback());
        QTRY_COMPARE(first.calls(), 1);

        // Enough for several chunks, in calls of various sizes.
        const int finished = 5000;
        QList<Job> batch;
        Durability last;
        for (int id = 4; id < 4 + finished; ++id) {
            batch.append(makeJob(id, static_cast<JobStatus>(3 + id % 3)));
            if (batch.size() == 1 + id % 500) {
                store->insert(batch, {});
                batch.clear();
            }
        }
        store->insert(batch, last.callback());
        QTRY_COMPARE(last.calls(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(finishedCount(store->countByStatus()), keep, 10000);
        QCOMPARE(store->stats().prunedRows, quint64(finished - keep));
        QCOMPARE(ids(store->loadUnfinished()), (QList<JobId> { 1, 2, 3 }));
        const QHash<QString, StatusCounts> pruned = store->takePruned(); // what the engine uncounts
        QCOMPARE(pruned.keys(), QStringList { u"default"_s });
        QCOMPARE(finishedCount(pruned.value(u"default"_s)), qint64(finished - keep));
        QVERIFY(store->takePruned().isEmpty());

        JobQuery all;
        all.limit = 1000;
        const JobPage page = store->list(all);
        QCOMPARE(page.jobs.size(), keep + 3);
        QCOMPARE(page.jobs.at(0).id, 3 + finished); // the newest are kept
        QCOMPARE(page.jobs.at(keep - 1).id, 3 + finished - keep + 1);
        const StatusCounts counted = store->countByStatus(); // kept up while pruning
        store->close();

        auto reopened = openedStore(keep);
        QCOMPARE(finishedCount(reopened->countByStatus()), keep);
        QVERIFY(reopened->countByStatus() == counted); // counted afresh from the rows
        QCOMPARE(reopened->maxId(), 3 + finished);
    }

    void aRevivalOfAJobPrunedMeanwhileStoresItAgain()
    {
        // The engine reads a failed job and queues its revival under its own lock; the writer
        // prunes without that lock and may delete the row in between. The revival must not be lost.
        auto store = openedStore(0);
        Durability stored;
        store->insert(
            { makeJob(1, JobStatus::Failed), makeJob(2, JobStatus::Failed), makeJob(3, JobStatus::Cancelled) },
            stored.callback());
        QTRY_COMPARE(stored.calls(), 1);
        QTRY_COMPARE(store->stats().prunedRows, quint64(3));
        QCOMPARE(store->find(2), std::nullopt);
        StatusCounts prunedFailed {};
        prunedFailed[std::size_t(JobStatus::Failed)] = 2;
        prunedFailed[std::size_t(JobStatus::Cancelled)] = 1;
        QVERIFY(store->takePruned().value(u"default"_s) == prunedFailed); // the engine uncounts them

        Job revived = makeJob(2, JobStatus::Queued);
        revived.attempts = 1;
        store->update(revived);
        Durability updated;
        store->whenDurable(updated.callback());
        QTRY_COMPARE(updated.calls(), 1);
        QCOMPARE(updated.error(), QString());
        QCOMPARE(store->find(2), revived);
        QCOMPARE(store->countByStatus()[std::size_t(JobStatus::Queued)], 1);
        // The engine counted the revival itself: the prune it heard of is taken back.
        StatusCounts takenBack {};
        takenBack[std::size_t(JobStatus::Failed)] = -1;
        QVERIFY(store->takePruned().value(u"default"_s) == takenBack);

        // A job that was never stored stays unstored: only a row pruned lately comes back.
        store->update(makeJob(40, JobStatus::Queued));
        Durability ignored;
        store->whenDurable(ignored.callback());
        QTRY_COMPARE(ignored.calls(), 1);
        QCOMPARE(store->find(40), std::nullopt);
        store->close();

        auto reopened = openedStore(0);
        QCOMPARE(ids(reopened->loadUnfinished()), QList<JobId> { 2 });
        QCOMPARE(reopened->find(2), revived);
    }

    void aRevivedJobLeavesItsKeyToTheJobThatTookItMeanwhile()
    {
        auto store = openedStore(0);
        Job failed = makeJob(1, JobStatus::Failed);
        failed.idempotencyKey = u"order-1"_s;
        Durability stored;
        store->insert({ failed, makeJob(2, JobStatus::Failed) }, stored.callback());
        QTRY_COMPARE(stored.calls(), 1);
        QTRY_COMPARE(store->stats().prunedRows, quint64(2));
        Job newer = makeJob(3);
        newer.idempotencyKey = u"order-1"_s; // free since the prune
        Durability submitted;
        store->insert({ newer }, submitted.callback());
        QTRY_COMPARE(submitted.calls(), 1);
        QCOMPARE(submitted.error(), QString());

        Job revived = failed;
        revived.status = JobStatus::Queued;
        store->update(revived);
        Durability updated;
        store->whenDurable(updated.callback());
        QTRY_COMPARE(updated.calls(), 1);
        QCOMPARE(updated.error(), QString()); // the batch is not refused for it
        const std::optional<Job> found = store->find(1);
        QVERIFY(found);
        QCOMPARE(found->status, JobStatus::Queued);
        QCOMPARE(found->idempotencyKey, QString());
        QCOMPARE(store->findByIdempotencyKey(u"order-1"_s)->id, JobId(3));
    }

    void pruningNeverReusesIds()
    {
        auto store = openedStore(0);
        Durability durable;
        store->insert({ makeJob(1, JobStatus::Succeeded), makeJob(2, JobStatus::Failed) }, durable.callback());
        QTRY_COMPARE(durable.calls(), 1);
        QTRY_COMPARE(finishedCount(store->countByStatus()), 0);
        store->close();
        QCOMPARE(openedStore(0)->maxId(), 2);
    }

    void secondInstanceIsRefused()
    {
        auto first = openedStore();
        SqliteJobStore second(dbPath(), SqliteJobStore::Sync::Normal, 10);
        QString error;
        QVERIFY(!second.open(&error));
        QVERIFY2(error.contains(u"lock"_s), qPrintable(error));
        QVERIFY2(error.contains(QString::number(QCoreApplication::applicationPid())), qPrintable(error));
        QVERIFY2(error.contains(dbPath()), qPrintable(error));

        first->close();
        QVERIFY2(second.open(&error), qPrintable(error));
    }

    void staleLockDoesNotBlock()
    {
        // The lock of a process that is gone, as a kill -9 leaves it.
        QProcess gone;
        gone.start(u"sleep"_s, { u"60"_s });
        QVERIFY(gone.waitForStarted());
        const qint64 pid = gone.processId();
        gone.kill();
        QVERIFY(gone.waitForFinished());
        QFile lock(dbPath() + ".lock"_L1);
        QVERIFY(lock.open(QIODevice::WriteOnly));
        lock.write(QByteArray::number(pid) + "\nqueuelab\n\n");
        lock.close();

        SqliteJobStore store(dbPath(), SqliteJobStore::Sync::Full, 10);
        QString error;
        QVERIFY2(store.open(&error), qPrintable(error));
    }

    void garbageFileIsRefusedAndLeftAlone()
    {
        QByteArray garbage(64 * 1024, Qt::Uninitialized);
        QRandomGenerator generator(42);
        generator.fillRange(reinterpret_cast<quint32*>(garbage.data()), garbage.size() / 4);
        QFile file(dbPath());
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(garbage);
        file.close();

        SqliteJobStore store(dbPath(), SqliteJobStore::Sync::Normal, 10);
        QString error;
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"not a QueueLab database"_s));
        QVERIFY(!store.open(&error));
        QVERIFY2(error.contains(u"not a QueueLab database"_s), qPrintable(error));
        QVERIFY2(error.contains(dbPath()), qPrintable(error));
        QCOMPARE(fileBytes(dbPath()), garbage);
        QVERIFY(!QFile::exists(dbPath() + "-wal"_L1));
        QVERIFY(!QFile::exists(dbPath() + ".lock"_L1)); // released
    }

    void damagedDatabaseIsRefusedAndLeftAlone()
    {
        {
            auto store = openedStore();
            QList<Job> jobs;
            for (int id = 1; id <= 2000; ++id)
                jobs.append(fullJob(id));
            Durability durable;
            store->insert(jobs, durable.callback());
            QTRY_COMPARE(durable.calls(), 1);
        }
        QByteArray bytes = fileBytes(dbPath());
        QVERIFY(bytes.size() > 64 * 4096);
        for (qsizetype i = 8 * 4096; i < 40 * 4096; i += 7)
            bytes[i] = char(i * 31);
        QFile file(dbPath());
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(bytes);
        file.close();

        SqliteJobStore store(dbPath(), SqliteJobStore::Sync::Normal, 10);
        QString error;
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"is damaged"_s));
        QVERIFY(!store.open(&error));
        QVERIFY2(error.contains(u"damaged"_s), qPrintable(error));
        QCOMPARE(fileBytes(dbPath()), bytes);
    }

    // Files of every released schema version open, are migrated in place, and keep their jobs.
    void olderSchemaIsMigrated_data()
    {
        QTest::addColumn<int>("version");
        for (int version = 1; version < SqliteSchema::version; ++version)
            QTest::addRow("version %d", version) << version;
    }
    void olderSchemaIsMigrated()
    {
        QFETCH(int, version);
        QVERIFY(writeRawDatabase(dbPath(), olderSchema(version)));

        Job failed = makeJob(7, JobStatus::Failed, u"reports"_s, u"compute"_s);
        failed.priority = 2;
        failed.attempts = 1;
        failed.maxAttempts = 1;
        failed.progress = 0.5;
        failed.createdAt = failed.runAt = 1700000000000;
        failed.startedAt = 1700000000100;
        failed.finishedAt = 1700000000200;
        failed.timeoutMs = 30000;
        failed.idempotencyKey = u"order-7"_s;
        failed.error = JobError { u"handler_failed"_s, u"boom"_s };
        failed.history = { JobAttempt { 1, failed.startedAt, failed.finishedAt, failed.error } };
        Job queued = makeJob(8);
        queued.createdAt = queued.runAt = 1700000000300;
        queued.maxAttempts = 3;
        queued.timeoutMs = 30000;

        {
            auto store = openedStore();
            QCOMPARE(store->find(7), failed);
            QCOMPARE(store->findByIdempotencyKey(u"order-7"_s), failed);
            const QList<Job> unfinished = store->loadUnfinished();
            QCOMPARE(unfinished.size(), 1);
            QCOMPARE(unfinished.constFirst(), queued);
            QCOMPARE(store->maxId(), 9);
            QCOMPARE(store->declaredJobTypes(), (QStringList { u"compute"_s, u"echo"_s }));
            JobQuery byCode; // the newest step's index
            byCode.errorCode = u"handler_failed"_s;
            QCOMPARE(store->count(byCode), 1);
            JobQuery byMessage; // the search index, filled for the jobs of before
            byMessage.search = u"BOOM"_s;
            QCOMPARE(ids(store->list(byMessage).jobs), QList<JobId> { 7 });
            QTRY_COMPARE(store->stats().textPending, qint64(0));
            QCOMPARE(ids(store->list(byMessage).jobs), QList<JobId> { 7 });

            // The new columns take new jobs.
            Job running = makeJob(10, JobStatus::Running);
            running.worker = u"worker-1"_s;
            Durability durable;
            store->insert({ running }, durable.callback());
            QVERIFY(durable.waitForCall());
            QCOMPARE(durable.error(), QString());
            store->update(makeJob(8, JobStatus::Succeeded));
        }
        {
            RawDatabase raw(dbPath());
            QCOMPARE(raw.integer(u"PRAGMA user_version"_s), SqliteSchema::version);
            QCOMPARE(raw.integer(u"SELECT count(*) FROM sqlite_master WHERE name = 'jobs_error_code'"_s), 1);
            QCOMPARE(raw.integer(u"SELECT count(*) FROM sqlite_master WHERE name = 'jobs_failed_error_code'"_s), 1);
        }
        auto reopened = openedStore();
        QCOMPARE(reopened->find(7), failed);
        QCOMPARE(reopened->find(8)->status, JobStatus::Succeeded);
        QCOMPARE(reopened->find(10)->worker, u"worker-1"_s);
        QCOMPARE(reopened->maxId(), 10);
    }

    void newerSchemaIsRefusedAndLeftAlone()
    {
        const int future = SqliteSchema::version + 1;
        QVERIFY(writeRawDatabase(dbPath(),
            { u"CREATE TABLE jobs (id INTEGER PRIMARY KEY, future TEXT)"_s,
                u"PRAGMA application_id = %1"_s.arg(SqliteSchema::applicationId),
                u"PRAGMA user_version = %1"_s.arg(future) }));
        const QByteArray before = fileBytes(dbPath());

        SqliteJobStore store(dbPath(), SqliteJobStore::Sync::Normal, 10);
        QString error;
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"written by a newer QueueLab"_s));
        QVERIFY(!store.open(&error));
        QVERIFY2(error.contains(u"newer"_s) && error.contains(QString::number(future)), qPrintable(error));
        QCOMPARE(fileBytes(dbPath()), before);
    }

    void otherProgramsDatabaseIsRefused()
    {
        QVERIFY(writeRawDatabase(dbPath(), { u"CREATE TABLE users (name TEXT)"_s }));
        const QByteArray before = fileBytes(dbPath());
        SqliteJobStore store(dbPath(), SqliteJobStore::Sync::Normal, 10);
        QString error;
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"of another program"_s));
        QVERIFY(!store.open(&error));
        QVERIFY2(error.contains(u"another program"_s), qPrintable(error));
        QCOMPARE(fileBytes(dbPath()), before);
    }

    void unwritableLocationIsRefused()
    {
        // A regular file where a directory should be: fails for root, too.
        QFile notADirectory(m_dir->filePath(u"file"_s));
        QVERIFY(notADirectory.open(QIODevice::WriteOnly));
        notADirectory.close();
        const QString path = m_dir->filePath(u"file/jobs.db"_s);

        SqliteJobStore store(path, SqliteJobStore::Sync::Normal, 10);
        QString error;
        QVERIFY(!store.open(&error));
        QVERIFY2(error.contains(path), qPrintable(error));
    }

    void writeFailureIsReported()
    {
        auto store = openedStore();
        QStringList reported;
        QObject context;
        connect(store.get(), &SqliteJobStore::writeFailed, &context,
            [&reported](const QString& message) { reported.append(message); });

        // Written from a durability callback, the update and the insert share the next batch.
        const Job running = makeJob(1, JobStatus::Running);
        Durability first;
        Durability failed;
        SqliteJobStore* raw = store.get();
        auto firstDone = first.callback();
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"Writing to .* failed: Simulated write failure"_s));
        store->insert({ makeJob(1) }, [&failed, raw, running, firstDone](const QString& error) {
            firstDone(error);
            raw->setUnavailable(QStringLiteral("Simulated write failure"));
            raw->update(running);
            raw->insert({ makeJob(2), makeJob(3) }, failed.callback());
        });
        QTRY_COMPARE(first.calls(), 1);
        QCOMPARE(first.error(), QString());
        QTRY_COMPARE(failed.calls(), 1);
        QVERIFY(!failed.error().isEmpty());
        QTRY_COMPARE(reported.size(), 1); // queued to this thread
        QCOMPARE(reported.constFirst(), failed.error());
        QCOMPARE(store->find(2), std::nullopt); // not kept
        QCOMPARE(store->find(3), std::nullopt);
        QCOMPARE(store->find(1), running); // kept for the next batch
        QCOMPARE(store->stats().failedCommits, 1u);

        store->setUnavailable({});
        Durability after;
        store->insert({ makeJob(4) }, after.callback());
        QTRY_COMPARE(after.calls(), 1);
        QCOMPARE(after.error(), QString());
        store->close();

        auto reopened = openedStore();
        QCOMPARE(reopened->find(1), running);
        QCOMPARE(reopened->find(2), std::nullopt);
        QVERIFY(reopened->find(4));
    }

    // A finished job names its callback job: a failed commit keeps both for the next one, so the
    // file never holds the name without the job.
    void aFailedCommitKeepsTheJobsThatFollowAnUpdate()
    {
        auto store = openedStore();
        Job job = makeJob(1, JobStatus::Running);
        Durability stored;
        store->insert({ job }, stored.callback());
        QTRY_COMPARE(stored.calls(), 1);

        store->setUnavailable(QStringLiteral("Simulated write failure"));
        job.status = JobStatus::Succeeded;
        job.callbackJobId = 2;
        Job callback = makeJob(2, JobStatus::Queued, u"callbacks"_s, u"http"_s);
        callback.callbackFor = 1;
        Durability both;
        Durability refused;
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"Writing to .* failed: Simulated write failure"_s));
        store->updateAndInsert(job, { callback }, both.callback());
        store->whenDurable(refused.callback());
        QTRY_COMPARE(refused.calls(), 1); // the commit failed...
        QVERIFY(!refused.error().isEmpty());
        QCOMPARE(both.calls(), 0); // ...and the callback job waits for the next one
        QCOMPARE(store->find(1), job);
        QCOMPARE(store->find(2), callback);

        store->setUnavailable({});
        QTRY_COMPARE(both.calls(), 1);
        QCOMPARE(both.error(), QString());
        store->close();

        auto reopened = openedStore();
        QCOMPARE(reopened->find(1), job);
        QCOMPARE(reopened->find(2), callback);
    }

    void duplicateIdIsAnError()
    {
        auto store = openedStore();
        Durability first;
        store->insert({ makeJob(1) }, first.callback());
        QTRY_COMPARE(first.calls(), 1);
        Durability again;
        QTest::ignoreMessage(QtInfoMsg, QRegularExpression(u"Jobs not stored: .*jobs.id"_s));
        store->insert({ makeJob(1) }, again.callback());
        QTRY_COMPARE(again.calls(), 1);
        QVERIFY(!again.error().isEmpty());
    }

    // The writer's commits never run a whole checkpoint, yet the WAL starts over once it is long.
    void walIsCheckpointedBesideTheWriter()
    {
        auto store = openedStore(100000);
        QVERIFY(store->stats().checkpointsApart);
        const int restart = WalCheckpointer::restartPages;

        // Jobs of about 10 pages (40 KB payloads), committed one by one, until the writer's tail
        // checkpoint has let the WAL start over after it reached `restart` pages. Counted in
        // passes and checkpoints, not pages: how far the WAL grows while a pass runs depends on
        // how fast each thread gets to run.
        const QJsonValue bulky(QString(40000, u'x'));
        JobId id = 0;
        int longest = 0;
        SqliteJobStore::Stats last = store->stats();
        SqliteJobStore::Stats begun = last; // when the WAL last started over
        std::optional<SqliteJobStore::Stats> reached; // when it reached `restart` pages since
        bool restartedByTail = false;
        while (!restartedByTail && id < 3 * restart) {
            Job job = makeJob(++id);
            job.payload = bulky;
            Durability durable;
            store->insert({ job }, durable.callback());
            QVERIFY(durable.waitForCall());
            QCOMPARE(durable.error(), QString());
            const SqliteJobStore::Stats stats = store->stats();
            longest = qMax(longest, stats.walPages);
            if (stats.walPages < last.walPages) {
                if (reached) {
                    // Once the first pass asked for past `restart` has ended (behind the one
                    // running then, if any), by the writer's one tail checkpoint, or earlier if
                    // that pass found nothing left to copy.
                    const quint64 passes = stats.walPasses - reached->walPasses;
                    QVERIFY2(
                        passes <= 2, qPrintable(u"%1 passes from %2 pages on"_s.arg(passes).arg(reached->walPages)));
                    QVERIFY(stats.walTailCheckpoints - reached->walTailCheckpoints <= 1);
                    restartedByTail = stats.walTailCheckpoints > reached->walTailCheckpoints;
                    // Passes beside the writer before the WAL was long: the first asked for at
                    // `passPages`, the last past `restart`.
                    if (restartedByTail)
                        QVERIFY(stats.walPasses - begun.walPasses >= 2);
                }
                begun = stats;
                reached.reset();
            } else if (!reached && stats.walPages >= restart) {
                reached = stats;
            }
            last = stats;
        }
        QVERIFY2(restartedByTail,
            qPrintable(u"WAL at %1 pages (longest %2), %3 passes, %4 tail checkpoints"_s.arg(last.walPages)
                           .arg(longest)
                           .arg(last.walPasses)
                           .arg(last.walTailCheckpoints)));
        store->close();

        auto reopened = openedStore(100000);
        QCOMPARE(reopened->countByStatus()[std::size_t(JobStatus::Queued)], id);
        QCOMPARE(reopened->find(id)->payload, bulky);
    }

    void readersOnOtherThreadsWhileWriting()
    {
        auto store = openedStore();
        const int total = 3000;
        std::atomic<JobId> acknowledged { 0 }; // every id up to this is durable
        std::atomic<bool> stop { false };
        std::atomic<int> reads { 0 };
        std::atomic<int> failures { 0 };

        const auto reader = [&] {
            QRandomGenerator random(7);
            while (!stop) {
                const JobId known = acknowledged;
                if (known > 0) {
                    const JobId id = 1 + random.bounded(known);
                    const std::optional<Job> job = store->find(id);
                    if (!job || job->id != id)
                        ++failures;
                }
                JobQuery query;
                query.limit = 20;
                const JobPage page = store->list(query);
                if (known > 0 && (page.jobs.isEmpty() || page.jobs.constFirst().id < known))
                    ++failures;
                ++reads;
            }
        };
        const QString wal = QFileInfo(dbPath() + "-wal"_L1).canonicalFilePath();
        const int connectionsBefore = openDescriptors(wal); // the writer's and the checkpointer's
        QCOMPARE(connectionsBefore, 2);
        QThread* qtReader = QThread::create(reader);
        qtReader->start();
        std::thread plainReader(reader);

        // One call at a time, in order, so "acknowledged" is a prefix.
        for (int id = 1; id <= total; ++id) {
            store->insert({ makeJob(id) }, [&acknowledged, id](const QString& error) {
                if (error.isEmpty())
                    acknowledged = id;
            });
            if (id % 100 == 0)
                QTRY_COMPARE(acknowledged.load(), JobId(id));
        }
        QTRY_VERIFY(reads > 100);
        stop = true;
        QVERIFY(qtReader->wait(10000));
        delete qtReader;
        plainReader.join();
        QCOMPARE(failures.load(), 0);

        // Each reader thread's connection went away with its thread.
        QTRY_COMPARE(openDescriptors(wal), connectionsBefore);
        store->close();
        QCOMPARE(openDescriptors(wal), 0);
        QCOMPARE(openDescriptors(QFileInfo(dbPath()).canonicalFilePath()), 0);
    }
};

QTEST_GUILESS_MAIN(TestSqliteJobStore)
#include "tst_sqlitejobstore.moc"
