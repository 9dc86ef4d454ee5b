// EngineCore's side of completion callbacks: a finished job with a callback_url is written
// together with the http job that delivers its final JSON. Shares the engine's state and mutex
// with enginecore.cpp.
#include "callbackjob.h"
#include "defaultlimits.h"
#include "enginecore.h"

#include <QMutex>

#include <optional>

namespace {

// The outcome of a store call that may answer from inside the call, while the engine's lock is
// held (the in-memory store), or later on another thread (SQLite's writer).
struct EarlyOutcome
{
    QMutex mutex;
    bool returned = false; // the call returned: a later outcome may take the engine's lock
    std::optional<QString> error; // an outcome that came before that
};

} // namespace

void EngineCore::storeFinishedLocked(Job& job)
{
    QString httpType;
    if (job.callbackUrl.isEmpty() || job.callbackFor || !m_handlers.find(QStringLiteral("http"), &httpType)) {
        m_store->update(job);
        return;
    }

    Job callback;
    callback.id = ++m_lastId;
    callback.type = httpType;
    callback.queue = CallbackJob::queue;
    callback.maxAttempts = Limits::callbackMaxAttempts;
    callback.callbackFor = job.id;
    job.callbackJobId = callback.id; // before the JSON is taken: the body names its callback too
    callback.payload = CallbackJob::payload(job);
    JobLifecycle::submit(callback, 0, now()); // counted once stored, like any submission
    m_active.insert(callback.id, ActiveJob { callback, {}, false, false });
    ++m_unstored;

    const auto early = std::make_shared<EarlyOutcome>();
    m_store->updateAndInsert(job, { callback }, [this, callback, early](const QString& error) {
        {
            QMutexLocker lock(&early->mutex);
            if (!early->returned) {
                early->error = error; // handled below, under the lock this thread already holds
                return;
            }
        }
        callbackStored(callback, error);
    });
    std::optional<QString> error;
    {
        QMutexLocker lock(&early->mutex);
        early->returned = true;
        error = early->error;
    }
    if (!error)
        return;
    // No submission waits on a callback job (it has no idempotency key): nothing to tell.
    if (error->isEmpty())
        insertStoredLocked({ callback });
    else
        dropUnstoredLocked({ callback }, *error);
}

void EngineCore::callbackStored(const Job& callback, const QString& error)
{
    if (error.isEmpty())
        insertStored({ callback });
    else
        dropUnstored({ callback }, error);
}
