#include "jobrow.h"

#include "jobjson.h"
#include "rowbinder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlQuery>
#include <QVariant>

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

QJsonValue jsonValue(const QVariant& column)
{
    const QString text = column.toString();
    if (text.isNull())
        return QJsonValue(QJsonValue::Undefined);
    // Wrapped in an array, scalars parse as well as objects and arrays.
    const QByteArray wrapped = QByteArray('[' + text.toUtf8() + ']');
    return QJsonDocument::fromJson(wrapped).array().at(0);
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
            + (attempt.error ? jsonText(attempt.error->toJson()) : QByteArrayLiteral("null")) + ']';
    }
    return text + ']';
}

QList<JobAttempt> history(const QVariant& column)
{
    QList<JobAttempt> attempts;
    const QJsonArray array = jsonValue(column).toArray();
    attempts.reserve(array.size());
    for (const QJsonValue& value : array) {
        const QJsonArray attempt = value.toArray();
        attempts.append(JobAttempt { attempt.at(0).toInt(), attempt.at(1).toInteger(), attempt.at(2).toInteger(),
            JobError::fromJson(attempt.at(3)) });
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
}

} // namespace

namespace JobRow {

const QLatin1StringView columns("id, type, queue, status, priority, attempts, max_attempts, payload, result, error, "
                                "progress, created_at, run_at, started_at, finished_at, timeout_ms, "
                                "idempotency_key, history");

QString insertSql()
{
    return u"INSERT INTO jobs (id, type, queue, payload, created_at, idempotency_key, status, priority, attempts, "
           "max_attempts, result, error, progress, run_at, started_at, finished_at, timeout_ms, history) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s;
}

QString updateSql()
{
    return u"UPDATE jobs SET status = ?, priority = ?, attempts = ?, max_attempts = ?, result = ?, error = ?, "
           "progress = ?, run_at = ?, started_at = ?, finished_at = ?, timeout_ms = ?, history = ? WHERE id = ?"_s;
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
}

void bindUpdate(RowBinder& row, const Job& job)
{
    bindMutable(row, job, 0);
    row.bindInt(12, job.id);
}

Job read(const QSqlQuery& query)
{
    Job job;
    job.id = query.value(0).toLongLong();
    job.type = query.value(1).toString();
    job.queue = query.value(2).toString();
    job.status = jobStatusFromString(query.value(3).toString()).value_or(JobStatus::Failed);
    job.priority = query.value(4).toInt();
    job.attempts = query.value(5).toInt();
    job.maxAttempts = query.value(6).toInt();
    job.payload = jsonValue(query.value(7));
    job.result = jsonValue(query.value(8));
    job.error = JobError::fromJson(jsonValue(query.value(9)));
    job.progress = query.value(10).toDouble();
    job.createdAt = query.value(11).toLongLong();
    job.runAt = query.value(12).toLongLong();
    job.startedAt = query.value(13).toLongLong();
    job.finishedAt = query.value(14).toLongLong();
    job.timeoutMs = query.value(15).toLongLong();
    job.idempotencyKey = query.value(16).toString();
    job.history = history(query.value(17));
    return job;
}

} // namespace JobRow
