#pragma once

#include "job.h"
#include "jobquery.h"

#include <QByteArray>
#include <QJsonValue>
#include <QStringView>

// Compact JSON text of jobs, written straight into bytes. Job::toJson() builds the same object
// as a QJsonObject, which costs a third of a POST /jobs; answers use these writers instead.
namespace JobJson {

void appendJob(QByteArray& out, const Job& job);
QByteArray job(const Job& job);
// {"jobs":[...]} or, with a cursor argument, {"jobs":[...],"next_cursor":"..."|null}
QByteArray jobList(const QList<Job>& jobs, const std::optional<std::optional<JobId>>& nextCursor = std::nullopt);
// A page of GET /jobs, {"jobs":[...],"next_cursor":...}, of about `maxBytes` at most: it stops after
// the job that passes that size (so it holds one job at least) and points next_cursor at the rest,
// in the page's order (cursorText()).
QByteArray jobPage(const QList<Job>& jobs, std::optional<JobCursor> nextCursor, JobSort sort, qsizetype maxBytes);

void appendString(QByteArray& out, QStringView text);
void appendValue(QByteArray& out, const QJsonValue& value);
void appendTimestamp(QByteArray& out, qint64 msecsSinceEpoch); // "2026-11-25T13:14:01.169Z" or null

} // namespace JobJson
