#include "jobquery.h"

#include "wire/jobjson.h"

#include <algorithm>

using namespace Qt::StringLiterals;

qint64 sortKey(const Job& job, JobSort sort)
{
    switch (sort) {
    case JobSort::Created:
        return job.id;
    case JobSort::RunTime:
        return std::max<qint64>(job.finishedAt - job.startedAt, 0); // as the SQLite index computes it
    case JobSort::Attempts:
        return job.attempts;
    case JobSort::Priority:
        return job.priority;
    case JobSort::Due:
        return job.runAt;
    }
    return job.id;
}

bool isAfter(const Job& job, const JobCursor& cursor, JobSort sort, bool ascending)
{
    const qint64 key = sortKey(job, sort);
    if (key != cursor.key)
        return ascending ? key > cursor.key : key < cursor.key;
    return ascending ? job.id > cursor.id : job.id < cursor.id;
}

QLatin1StringView sortName(JobSort sort)
{
    switch (sort) {
    case JobSort::Created:
        return "created"_L1;
    case JobSort::RunTime:
        return "run_time"_L1;
    case JobSort::Attempts:
        return "attempts"_L1;
    case JobSort::Priority:
        return "priority"_L1;
    case JobSort::Due:
        return "due"_L1;
    }
    return "created"_L1;
}

std::optional<JobSort> jobSortFromString(QStringView name)
{
    for (JobSort sort : { JobSort::Created, JobSort::RunTime, JobSort::Attempts, JobSort::Priority, JobSort::Due }) {
        if (name == sortName(sort))
            return sort;
    }
    return std::nullopt;
}

QByteArray cursorText(const JobCursor& cursor, JobSort sort)
{
    if (sort == JobSort::Created)
        return QByteArray::number(cursor.id);
    return QByteArray::number(cursor.key) + ':' + QByteArray::number(cursor.id);
}

std::optional<JobCursor> parseCursor(QStringView text, JobSort sort)
{
    bool ok = false;
    if (sort == JobSort::Created) {
        const JobId id = text.toLongLong(&ok);
        return ok && id > 0 ? std::optional(JobCursor { id, id }) : std::nullopt;
    }
    const qsizetype colon = text.indexOf(u':');
    if (colon < 0)
        return std::nullopt;
    const qint64 key = text.first(colon).toLongLong(&ok);
    if (!ok)
        return std::nullopt;
    const JobId id = text.sliced(colon + 1).toLongLong(&ok);
    return ok && id > 0 ? std::optional(JobCursor { key, id }) : std::nullopt;
}

namespace {

char16_t foldAscii(char16_t c)
{
    return c >= u'A' && c <= u'Z' ? char16_t(c + (u'a' - u'A')) : c;
}

} // namespace

bool containsIgnoringAsciiCase(QStringView text, QStringView needle)
{
    if (needle.isEmpty())
        return true;
    const auto same = [](QChar a, QChar b) { return foldAscii(a.unicode()) == foldAscii(b.unicode()); };
    return std::search(text.begin(), text.end(), needle.begin(), needle.end(), same) != text.end();
}

bool jobSearchMatches(const Job& job, const QString& search)
{
    if (search.isEmpty())
        return true;
    if (job.error && containsIgnoringAsciiCase(job.error->message, search))
        return true;
    if (job.payload.isUndefined())
        return false;
    QByteArray payload;
    JobJson::appendValue(payload, job.payload);
    return containsIgnoringAsciiCase(QString::fromUtf8(payload), search);
}
