#include "jobrow.h"

#include "rowbinder.h"
#include "sqlitestatement.h"
#include "wire/jobjson.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <array>

using namespace Qt::StringLiterals;

namespace {

// Any JSON value as compact UTF-8 text, scalars included; nothing (NULL) for undefined.
QByteArray jsonText(const QJsonValue& value)
{
    QByteArray text;
    if (!value.isUndefined())
        JobJson::appendValue(text, value);
    return text;
}

QJsonValue jsonValue(const QByteArray& text)
{
    if (text.isNull())
        return QJsonValue(QJsonValue::Undefined);
    // Wrapped in an array, scalars parse as well as objects and arrays.
    return QJsonDocument::fromJson('[' + text + ']').array().at(0);
}

// Shared, never reallocated: the status column is bound for every row written.
const QString& statusText(JobStatus status)
{
    static const std::array<QString, jobStatusCount> texts = [] {
        std::array<QString, jobStatusCount> result;
        for (int i = 0; i < jobStatusCount; ++i)
            result[i] = QString(statusName(static_cast<JobStatus>(i)));
        return result;
    }();
    return texts[static_cast<std::size_t>(status)];
}

// Attempts with integer times: formatting and parsing RFC 3339 (JobAttempt::toJson) would cost
// more than the rest of the row, and history is rewritten with every update.
QByteArray historyText(const QList<JobAttempt>& history)
{
    if (history.isEmpty())
        return {};
    // Written by hand: the numbers need no escaping, and QJsonArray per attempt costs.
    QByteArray text = QByteArrayLiteral("[");
    for (const JobAttempt& attempt : history) {
        if (text.size() > 1)
            text += ',';
        text += '[' + QByteArray::number(attempt.number) + ',' + QByteArray::number(attempt.startedAt) + ','
            + QByteArray::number(attempt.finishedAt) + ','
            + (attempt.error ? jsonText(attempt.error->toJson()) : QByteArrayLiteral("null"));
        if (!attempt.worker.isEmpty() || !attempt.delivery.isEmpty()) // an older QueueLab reads four elements only
            text += ',' + jsonText(attempt.worker);
        if (!attempt.delivery.isEmpty())
            text += ',' + jsonText(attempt.delivery);
        text += ']';
    }
    return text + ']';
}

QList<JobAttempt> history(const QByteArray& column)
{
    QList<JobAttempt> attempts;
    const QJsonArray array = jsonValue(column).toArray();
    attempts.reserve(array.size());
    for (const QJsonValue& value : array) {
        const QJsonArray attempt = value.toArray();
        attempts.append(JobAttempt { attempt.at(0).toInt(), attempt.at(1).toInteger(), attempt.at(2).toInteger(),
            JobError::fromJson(attempt.at(3)), attempt.at(4).toString() });
        attempts.last().delivery = attempt.at(5).toObject();
    }
    return attempts;
}

// The columns update() writes, in bind order; the id follows them.
void bindMutable(RowBinder& row, const Job& job, int first)
{
    row.bindText(first + 0, statusText(job.status));
    row.bindInt(first + 1, job.priority);
    row.bindInt(first + 2, job.attempts);
    row.bindInt(first + 3, job.maxAttempts);
    row.bindUtf8(first + 4, jsonText(job.result));
    row.bindUtf8(first + 5, job.error ? jsonText(job.error->toJson()) : QByteArray());
    row.bindReal(first + 6, job.progress);
    row.bindInt(first + 7, job.runAt);
    row.bindInt(first + 8, job.startedAt);
    row.bindInt(first + 9, job.finishedAt);
    row.bindInt(first + 10, job.timeoutMs);
    row.bindUtf8(first + 11, historyText(job.history));
    if (job.worker.isEmpty())
        row.bindNull(first + 12);
    else
        row.bindText(first + 12, job.worker);
    if (job.callbackJobId)
        row.bindInt(first + 13, job.callbackJobId);
    else
        row.bindNull(first + 13);
}

} // namespace

namespace JobRow {

const QLatin1StringView columns("id, type, queue, status, priority, attempts, max_attempts, payload, result, error, "
                                "progress, created_at, run_at, started_at, finished_at, timeout_ms, "
                                "idempotency_key, history, worker, callback_url, callback_job_id, callback_for");

QString insertSql()
{
    return u"INSERT INTO jobs (id, type, queue, payload, created_at, idempotency_key, status, priority, attempts, "
           "max_attempts, result, error, progress, run_at, started_at, finished_at, timeout_ms, history, worker, "
           "callback_job_id, callback_url, callback_for) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s;
}

QString updateSql()
{
    return u"UPDATE jobs SET status = ?, priority = ?, attempts = ?, max_attempts = ?, result = ?, error = ?, "
           "progress = ?, run_at = ?, started_at = ?, finished_at = ?, timeout_ms = ?, history = ?, worker = ?, "
           "callback_job_id = ? WHERE id = ?"_s;
}

void bindInsert(RowBinder& row, const Job& job)
{
    row.bindInt(0, job.id);
    row.bindText(1, job.type);
    row.bindText(2, job.queue);
    row.bindUtf8(3, jsonText(job.payload));
    row.bindInt(4, job.createdAt);
    if (job.idempotencyKey.isEmpty())
        row.bindNull(5);
    else
        row.bindText(5, job.idempotencyKey);
    bindMutable(row, job, 6);
    // Fixed at submission, like the payload; NULL for the many jobs without them.
    if (job.callbackUrl.isEmpty())
        row.bindNull(20);
    else
        row.bindText(20, job.callbackUrl);
    if (job.callbackFor)
        row.bindInt(21, job.callbackFor);
    else
        row.bindNull(21);
}

void bindUpdate(RowBinder& row, const Job& job)
{
    bindMutable(row, job, 0);
    row.bindInt(14, job.id);
}

Job read(const SqliteStatement& row)
{
    Job job;
    job.id = row.integer(0);
    job.type = row.text(1);
    job.queue = row.text(2);
    job.status = jobStatusFromString(row.text(3)).value_or(JobStatus::Failed);
    job.priority = int(row.integer(4));
    job.attempts = int(row.integer(5));
    job.maxAttempts = int(row.integer(6));
    job.payload = jsonValue(row.utf8(7));
    job.result = jsonValue(row.utf8(8));
    job.error = JobError::fromJson(jsonValue(row.utf8(9)));
    job.progress = row.real(10);
    job.createdAt = row.integer(11);
    job.runAt = row.integer(12);
    job.startedAt = row.integer(13);
    job.finishedAt = row.integer(14);
    job.timeoutMs = row.integer(15);
    job.idempotencyKey = row.text(16);
    job.history = history(row.utf8(17));
    job.worker = row.text(18);
    job.callbackUrl = row.text(19);
    job.callbackJobId = row.integer(20); // NULL reads as 0
    job.callbackFor = row.integer(21);
    return job;
}

} // namespace JobRow
