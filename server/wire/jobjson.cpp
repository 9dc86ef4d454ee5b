#include "jobjson.h"

#include "wire/bytewriter.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QLocale>

#include <cmath>
#include <limits>

namespace JobJson {

namespace {

    void writeDouble(ByteWriter& out, double value)
    {
        if (!std::isfinite(value)) {
            out.put("null"); // what QJsonDocument writes for NaN and infinities
            return;
        }
        if (std::floor(value) == value && std::fabs(value) < 9007199254740992.0) {
            out.putDecimal(qint64(value));
            return;
        }
        out.put(QByteArray::number(value, 'g', QLocale::FloatingPointShortest));
    }

    void writeString(ByteWriter& out, QStringView text)
    {
        static const char hex[] = "0123456789abcdef";
        out.put('"');
        const char16_t* p = text.utf16();
        const char16_t* const end = p + text.size();
        while (p != end) {
            if (*p >= 0x80) {
                // A run of non-ASCII goes through Qt's encoder (surrogate pairs, lone halves);
                // no byte of it needs escaping.
                const char16_t* const run = p;
                while (p != end && *p >= 0x80)
                    ++p;
                out.put(QStringView(run, p - run).toUtf8());
                continue;
            }
            const char c = char(*p++);
            if (c == '"' || c == '\\') {
                out.put('\\');
                out.put(c);
            } else if (uchar(c) >= 0x20) {
                out.put(c);
            } else {
                switch (c) {
                case '\n':
                    out.put("\\n");
                    break;
                case '\r':
                    out.put("\\r");
                    break;
                case '\t':
                    out.put("\\t");
                    break;
                case '\b':
                    out.put("\\b");
                    break;
                case '\f':
                    out.put("\\f");
                    break;
                default:
                    out.put("\\u00");
                    out.put(hex[uchar(c) >> 4]);
                    out.put(hex[uchar(c) & 0xf]);
                }
            }
        }
        out.put('"');
    }

    void writeValue(ByteWriter& out, const QJsonValue& value)
    {
        switch (value.type()) {
        case QJsonValue::Null:
        case QJsonValue::Undefined:
            out.put("null");
            return;
        case QJsonValue::Bool:
            if (value.toBool())
                out.put("true");
            else
                out.put("false");
            return;
        case QJsonValue::Double:
            // An integer is held as one (up to 2^63): written from the double, one beyond 2^53 would change.
            if (const qint64 integer = value.toInteger(std::numeric_limits<qint64>::min());
                integer != std::numeric_limits<qint64>::min())
                out.putDecimal(integer);
            else
                writeDouble(out, value.toDouble());
            return;
        case QJsonValue::String:
            writeString(out, value.toString());
            return;
        case QJsonValue::Array: {
            // By hand like the rest: QJsonDocument::toJson() copies the whole tree first.
            const QJsonArray array = value.toArray();
            out.put('[');
            for (qsizetype i = 0; i < array.size(); ++i) {
                if (i)
                    out.put(',');
                writeValue(out, array.at(i));
            }
            out.put(']');
            return;
        }
        case QJsonValue::Object: {
            const QJsonObject object = value.toObject();
            out.put('{');
            for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
                if (it != object.constBegin())
                    out.put(',');
                writeString(out, it.key());
                out.put(':');
                writeValue(out, it.value());
            }
            out.put('}');
            return;
        }
        }
    }

    void writeTwo(char* at, int value)
    {
        at[0] = char('0' + value / 10);
        at[1] = char('0' + value % 10);
    }

    void writeTimestamp(ByteWriter& out, qint64 ms)
    {
        if (ms <= 0) {
            out.put("null");
            return;
        }
        // Days to civil date (Howard Hinnant's algorithm): QDateTime costs ten times more.
        const qint64 days = ms / 86400000;
        const qint64 msOfDay = ms % 86400000;
        const qint64 z = days + 719468;
        const qint64 era = z / 146097;
        const qint64 doe = z - era * 146097;
        const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        const qint64 mp = (5 * doy + 2) / 153;
        const int day = int(doy - (153 * mp + 2) / 5 + 1);
        const int month = int(mp < 10 ? mp + 3 : mp - 9);
        const qint64 year = yoe + era * 400 + (month <= 2 ? 1 : 0);

        out.put('"');
        out.putDecimal(year);
        char rest[] = "-MM-DDTHH:MM:SS.mmmZ\"";
        writeTwo(rest + 1, month);
        writeTwo(rest + 4, day);
        writeTwo(rest + 7, int(msOfDay / 3600000));
        writeTwo(rest + 10, int(msOfDay / 60000 % 60));
        writeTwo(rest + 13, int(msOfDay / 1000 % 60));
        rest[16] = char('0' + msOfDay % 1000 / 100);
        writeTwo(rest + 17, int(msOfDay % 100));
        out.put(rest, sizeof(rest) - 1);
    }

    void writeOptionalString(ByteWriter& out, const QString& text)
    {
        if (text.isEmpty())
            out.put("null");
        else
            writeString(out, text);
    }

    void writeError(ByteWriter& out, const std::optional<JobError>& error)
    {
        if (!error) {
            out.put("null");
            return;
        }
        out.put("{\"code\":");
        writeString(out, error->code);
        out.put(",\"message\":");
        writeString(out, error->message);
        if (!error->details.isEmpty()) {
            out.put(",\"details\":");
            writeString(out, error->details);
        }
        if (!error->fault.isEmpty()) {
            out.put(",\"fault\":");
            writeString(out, error->fault);
        }
        out.put('}');
    }

    void writeJob(ByteWriter& out, const Job& job)
    {
        out.put("{\"id\":\"");
        out.putDecimal(job.id);
        out.put("\",\"type\":");
        writeString(out, job.type);
        out.put(",\"queue\":");
        writeString(out, job.queue);
        out.put(",\"status\":\"");
        const QLatin1StringView status = statusName(job.status);
        out.put(status.data(), status.size());
        out.put("\",\"priority\":");
        out.putDecimal(job.priority);
        out.put(",\"attempts\":");
        out.putDecimal(job.attempts);
        out.put(",\"max_attempts\":");
        out.putDecimal(job.maxAttempts);
        out.put(",\"payload\":");
        writeValue(out, job.payload);
        out.put(",\"result\":");
        writeValue(out, job.result);
        out.put(",\"error\":");
        writeError(out, job.error);
        out.put(",\"progress\":");
        writeDouble(out, job.progress);
        out.put(",\"created_at\":");
        writeTimestamp(out, job.createdAt);
        out.put(",\"run_at\":");
        writeTimestamp(out, job.runAt);
        out.put(",\"started_at\":");
        writeTimestamp(out, job.startedAt);
        out.put(",\"finished_at\":");
        writeTimestamp(out, job.finishedAt);
        out.put(",\"timeout_ms\":");
        if (job.timeoutMs >= 0)
            out.putDecimal(job.timeoutMs);
        else
            out.put("null");
        out.put(",\"idempotency_key\":");
        if (job.idempotencyKey.isEmpty())
            out.put("null");
        else
            writeString(out, job.idempotencyKey);
        out.put(",\"worker\":");
        writeOptionalString(out, job.worker);
        out.put(",\"history\":[");
        for (qsizetype i = 0; i < job.history.size(); ++i) {
            const JobAttempt& attempt = job.history[i];
            if (i)
                out.put(',');
            out.put("{\"attempt\":");
            out.putDecimal(attempt.number);
            out.put(",\"started_at\":");
            writeTimestamp(out, attempt.startedAt);
            out.put(",\"finished_at\":");
            writeTimestamp(out, attempt.finishedAt);
            out.put(",\"error\":");
            writeError(out, attempt.error);
            out.put(",\"worker\":");
            writeOptionalString(out, attempt.worker);
            if (!attempt.delivery.isEmpty()) {
                out.put(",\"delivery\":");
                writeValue(out, attempt.delivery);
            }
            out.put('}');
        }
        out.put(']');
        if (!job.callbackUrl.isEmpty()) {
            out.put(",\"callback\":{\"url\":");
            writeString(out, job.callbackUrl);
            out.put(",\"job_id\":");
            if (job.callbackJobId) {
                out.put('"');
                out.putDecimal(job.callbackJobId);
                out.put('"');
            } else {
                out.put("null");
            }
            out.put('}');
        }
        if (job.callbackFor) {
            out.put(",\"callback_for\":\"");
            out.putDecimal(job.callbackFor);
            out.put('"');
        }
        out.put('}');
    }

} // namespace

void appendString(QByteArray& out, QStringView text)
{
    ByteWriter writer(out);
    writeString(writer, text);
}

void appendValue(QByteArray& out, const QJsonValue& value)
{
    ByteWriter writer(out);
    writeValue(writer, value);
}

void appendTimestamp(QByteArray& out, qint64 ms)
{
    ByteWriter writer(out);
    writeTimestamp(writer, ms);
}

void appendJob(QByteArray& out, const Job& job)
{
    ByteWriter writer(out);
    writeJob(writer, job);
}

QByteArray job(const Job& job)
{
    QByteArray out;
    out.reserve(384);
    appendJob(out, job);
    return out;
}

namespace {

    // {"jobs":[...]}, with "next_cursor" when `nextCursor` is set; stops after the job that passes
    // `maxBytes` if more follow, and then points next_cursor at them.
    QByteArray listOfJobs(
        const QList<Job>& jobs, std::optional<std::optional<JobCursor>> nextCursor, JobSort sort, qsizetype maxBytes)
    {
        QByteArray out;
        out.reserve(qMin<qsizetype>(16 + jobs.size() * 384, maxBytes));
        {
            ByteWriter writer(out);
            writer.put("{\"jobs\":[");
            for (qsizetype i = 0; i < jobs.size(); ++i) {
                if (i)
                    writer.put(',');
                writeJob(writer, jobs[i]);
                if (writer.size() > maxBytes && i + 1 < jobs.size()) {
                    nextCursor = cursorOf(jobs[i], sort);
                    break;
                }
            }
            writer.put(']');
            if (nextCursor) {
                writer.put(",\"next_cursor\":");
                if (*nextCursor) {
                    writer.put('"');
                    writer.put(cursorText(**nextCursor, sort));
                    writer.put('"');
                } else {
                    writer.put("null");
                }
            }
            writer.put('}');
        }
        return out;
    }

} // namespace

QByteArray jobPage(const QList<Job>& jobs, std::optional<JobCursor> nextCursor, JobSort sort, qsizetype maxBytes)
{
    return listOfJobs(jobs, std::optional<std::optional<JobCursor>>(nextCursor), sort, maxBytes);
}

QByteArray jobList(const QList<Job>& jobs, const std::optional<std::optional<JobId>>& nextCursor)
{
    std::optional<std::optional<JobCursor>> cursor;
    if (nextCursor)
        cursor.emplace(*nextCursor ? std::optional(JobCursor { **nextCursor, **nextCursor }) : std::nullopt);
    return listOfJobs(jobs, cursor, JobSort::Created, std::numeric_limits<qsizetype>::max());
}

} // namespace JobJson
