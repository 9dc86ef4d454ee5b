#pragma once

#include "canceltoken.h"
#include "job.h"
#include "jobquery.h"

#include <QHash>

#include <optional>
#include <utility>

// What happens to a job. Each event names one transition of the lifecycle table; the events
// that depend on a condition (a delay, attempts left) come in one variant per outcome.
enum class JobEvent {
    Submit, // a new job without a delay: Queued (counted once stored)
    SubmitDelayed, // a new job with a delay: Scheduled (counted once stored)
    Promote, // a scheduled job became due
    RunNow, // a scheduled job is queued by request before it is due ("Run now")
    Start, // a built-in slot starts it, or an external worker leases it
    Succeed,
    FailWithAttemptsLeft, // the attempt failed; a retry is scheduled after a backoff
    Fail, // the attempt failed and it was the last one
    TimeOutWithAttemptsLeft, // the attempt ran past the job's timeout; a retry is scheduled
    TimeOut, // the last attempt ran past the job's timeout
    Cancel, // by request, while it waits or when its running attempt stops
    Retry, // a failed or cancelled job is run again by request
    InterruptedWithAttemptsLeft, // found running at start-up: that attempt is lost, it waits again
    Interrupted, // found running at start-up, and that was its last attempt
    DrainCutOff, // stopped past the drain deadline: the attempt stays in its history, uncounted; it waits again
    Return, // a lease whose answer never reached its worker: as if never leased, it waits again
    Disable, // found at start-up with a type this server refuses to run (an exec job)
};

// How a running attempt ended, as told by its handler or its external worker.
struct AttemptEnd
{
    enum class Reason {
        Finished,
        Cancelled,
        TimedOut,
        DrainCutOff, // a stop cut it off past the drain deadline
        Returned, // a lease whose answer never reached its worker: the attempt never began
    };
    static Reason stoppedBy(CancelToken::Reason reason); // how a stopped token ends an attempt
    Reason reason = Reason::Finished;
    std::optional<JobError> error; // set: the attempt failed (for Finished)
    QJsonValue result;
    qint64 retryInMs = -1; // >= 0: a retry waits this long instead of the backoff (a worker protocol's policy)
};

// The job lifecycle in one place: every status transition goes through here, and nothing else
// edits a job's status or the status counters, so that the counters always match the jobs.
// Not thread-safe: the engine calls it under its mutex.
class JobLifecycle
{
public:
    struct RetryPolicy
    {
        qint64 baseMs = 0; // the first retry's delay; doubles per attempt, with +-20% jitter
        qint64 maxMs = 0;
    };

    explicit JobLifecycle(RetryPolicy retry);

    // The table: the status an event leads to from a status (nullopt `from`: a job not yet
    // created), or nullopt when the event does not apply to a job in that status.
    static std::optional<JobStatus> target(std::optional<JobStatus> from, JobEvent event);

    const StatusCounts& counts() const { return m_counts; }
    qint64 count(JobStatus status) const { return m_counts[std::size_t(status)]; }
    // The same per named queue (all zero for a queue without jobs).
    StatusCounts queueCounts(const QString& queue) const { return m_queueCounts.value(queue); }
    // Queues with a job of `status`, and how many.
    QList<std::pair<QString, qint64>> queuesWith(JobStatus status) const;
    // The store's counts when the engine opens it; transitions adjust them from then on.
    void setCounts(const StatusCounts& counts, const QHash<QString, StatusCounts>& byQueue = {})
    {
        m_counts = counts;
        m_queueCounts = byQueue;
    }

    // A new job, Queued or Scheduled after `delayMs`. Not counted: it is not stored yet.
    static void submit(Job& job, qint64 delayMs, qint64 now);
    // The store committed a new job: it is counted from now on.
    void stored(const Job& job);
    void promote(Job& job);
    // A scheduled job queued by request: it is due from `now` on, so that its due time says
    // when it became ready, as a promoted job's does.
    void runNow(Job& job, qint64 now);
    // `worker`: the external worker that leased it; empty for a built-in slot.
    void start(Job& job, qint64 now, const QString& worker = {});
    // Ends the running attempt: Succeeded, Failed, Cancelled, Scheduled (a retry after a backoff)
    // or Queued (drain cut-off, returned). Returns the new status.
    JobStatus endAttempt(Job& job, const AttemptEnd& end, qint64 now);
    // A queued or scheduled job cancelled by request.
    void cancelWaiting(Job& job, qint64 now);
    void retry(Job& job);
    // A job found running at start-up: that attempt is lost. Returns the new status (Queued or Failed).
    JobStatus interrupted(Job& job, qint64 now, bool external);
    void disable(Job& job, const QString& reason, qint64 now);
    // Finished jobs of `status` in `queue` deleted from the store, by request (Engine::bulk) or
    // by its retention: no longer counted.
    void removed(JobStatus status, const QString& queue, qint64 count);

    // Exponential backoff with +-20% jitter, so failing jobs do not retry in lockstep.
    static qint64 backoffMs(int attempt, qint64 baseMs, qint64 maxMs);

private:
    void move(Job& job, JobEvent event);

    const RetryPolicy m_retry;
    StatusCounts m_counts {};
    // Beside m_counts, in the same transitions: GET /queues reads a queue's figures without a scan.
    QHash<QString, StatusCounts> m_queueCounts;
};
