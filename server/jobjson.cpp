#include "jobjson.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QLocale>

#include <cmath>

namespace JobJson {

namespace {

    void appendKey(QByteArray& out, const char* key)
    {
        out += '"';
        out += key;
        out += "\":";
    }

    void appendInteger(QByteArray& out, qint64 value)
    {
        char digits[24];
        int n = 0;
        const bool negative = value < 0;
        quint64 rest = negative ? quint64(0) - quint64(value) : quint64(value);
        do {
            digits[n++] = char('0' + rest % 10);
            rest /= 10;
        } while (rest);
        if (negative)
            out += '-';
        while (n)
            out += digits[--n];
    }

    void appendDouble(QByteArray& out, double value)
    {
        if (!std::isfinite(value)) {
            out += "null"; // what QJsonDocument writes for NaN and infinities
            return;
        }
        if (std::floor(value) == value && std::fabs(value) < 9007199254740992.0) {
            appendInteger(out, qint64(value));
            return;
        }
        out += QByteArray::number(value, 'g', QLocale::FloatingPointShortest);
    }

    void appendTwo(QByteArray& out, int value)
    {
        out += char('0' + value / 10);
        out += char('0' + value % 10);
    }

    void appendError(QByteArray& out, const std::optional<JobError>& error)
    {
        if (!error) {
            out += "null";
            return;
        }
        out += "{\"code\":";
        appendString(out, error->code);
        out += ",\"message\":";
        appendString(out, error->message);
        out += '}';
    }

} // namespace

void appendString(QByteArray& out, QStringView text)
{
    static const char hex[] = "0123456789abcdef";
    const QByteArray utf8 = text.toUtf8();
    out += '"';
    for (const char c : utf8) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            switch (c) {
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                out += "\\u00";
                out += hex[u >> 4];
                out += hex[u & 0xf];
            }
        } else {
            out += c;
        }
    }
    out += '"';
}

void appendValue(QByteArray& out, const QJsonValue& value)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        out += "null";
        return;
    case QJsonValue::Bool:
        out += value.toBool() ? "true" : "false";
        return;
    case QJsonValue::Double:
        appendDouble(out, value.toDouble());
        return;
    case QJsonValue::String:
        appendString(out, value.toString());
        return;
    case QJsonValue::Array: {
        // By hand like the rest: QJsonDocument::toJson() copies the whole tree first.
        const QJsonArray array = value.toArray();
        out += '[';
        for (qsizetype i = 0; i < array.size(); ++i) {
            if (i)
                out += ',';
            appendValue(out, array.at(i));
        }
        out += ']';
        return;
    }
    case QJsonValue::Object: {
        const QJsonObject object = value.toObject();
        out += '{';
        for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
            if (it != object.constBegin())
                out += ',';
            appendString(out, it.key());
            out += ':';
            appendValue(out, it.value());
        }
        out += '}';
        return;
    }
    }
}

void appendTimestamp(QByteArray& out, qint64 ms)
{
    if (ms <= 0) {
        out += "null";
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

    out += '"';
    appendInteger(out, year);
    out += '-';
    appendTwo(out, month);
    out += '-';
    appendTwo(out, day);
    out += 'T';
    appendTwo(out, int(msOfDay / 3600000));
    out += ':';
    appendTwo(out, int(msOfDay / 60000 % 60));
    out += ':';
    appendTwo(out, int(msOfDay / 1000 % 60));
    out += '.';
    out += char('0' + msOfDay % 1000 / 100);
    appendTwo(out, int(msOfDay % 100));
    out += "Z\"";
}

void appendJob(QByteArray& out, const Job& job)
{
    out += "{\"id\":\"";
    appendInteger(out, job.id);
    out += "\",\"type\":";
    appendString(out, job.type);
    out += ",\"queue\":";
    appendString(out, job.queue);
    out += ",\"status\":\"";
    out += statusName(job.status).data();
    out += "\",";
    appendKey(out, "priority");
    appendInteger(out, job.priority);
    out += ',';
    appendKey(out, "attempts");
    appendInteger(out, job.attempts);
    out += ',';
    appendKey(out, "max_attempts");
    appendInteger(out, job.maxAttempts);
    out += ',';
    appendKey(out, "payload");
    appendValue(out, job.payload);
    out += ',';
    appendKey(out, "result");
    appendValue(out, job.result);
    out += ',';
    appendKey(out, "error");
    appendError(out, job.error);
    out += ',';
    appendKey(out, "progress");
    appendDouble(out, job.progress);
    out += ',';
    appendKey(out, "created_at");
    appendTimestamp(out, job.createdAt);
    out += ',';
    appendKey(out, "run_at");
    appendTimestamp(out, job.runAt);
    out += ',';
    appendKey(out, "started_at");
    appendTimestamp(out, job.startedAt);
    out += ',';
    appendKey(out, "finished_at");
    appendTimestamp(out, job.finishedAt);
    out += ',';
    appendKey(out, "timeout_ms");
    if (job.timeoutMs >= 0)
        appendInteger(out, job.timeoutMs);
    else
        out += "null";
    out += ',';
    appendKey(out, "idempotency_key");
    if (job.idempotencyKey.isEmpty())
        out += "null";
    else
        appendString(out, job.idempotencyKey);
    out += ",\"history\":[";
    for (qsizetype i = 0; i < job.history.size(); ++i) {
        const JobAttempt& attempt = job.history[i];
        if (i)
            out += ',';
        out += "{\"attempt\":";
        appendInteger(out, attempt.number);
        out += ",\"started_at\":";
        appendTimestamp(out, attempt.startedAt);
        out += ",\"finished_at\":";
        appendTimestamp(out, attempt.finishedAt);
        out += ",\"error\":";
        appendError(out, attempt.error);
        out += '}';
    }
    out += "]}";
}

QByteArray job(const Job& job)
{
    QByteArray out;
    out.reserve(384);
    appendJob(out, job);
    return out;
}

QByteArray jobList(const QList<Job>& jobs, const std::optional<std::optional<JobId>>& nextCursor)
{
    QByteArray out;
    out.reserve(16 + jobs.size() * 384);
    out += "{\"jobs\":[";
    for (qsizetype i = 0; i < jobs.size(); ++i) {
        if (i)
            out += ',';
        appendJob(out, jobs[i]);
    }
    out += ']';
    if (nextCursor) {
        out += ",\"next_cursor\":";
        if (*nextCursor) {
            out += '"';
            appendInteger(out, **nextCursor);
            out += '"';
        } else {
            out += "null";
        }
    }
    out += '}';
    return out;
}

} // namespace JobJson
