#include "jobmodel.h"

#include "displayformat.h"
#include "jobstatusstyle.h"
#include "progressdelegate.h"
#include "rowranges.h"

#include <QDateTime>
#include <QHash>

#include <algorithm>

JobModel::JobModel(int maxRows, QObject* parent)
    : QAbstractTableModel(parent)
    , m_maxRows(maxRows)
{ }

int JobModel::rowOf(JobId id) const
{
    const auto it = std::lower_bound(
        m_jobs.begin(), m_jobs.end(), id, [](const Job& job, JobId value) { return job.id > value; });
    return it != m_jobs.end() && it->id == id ? int(it - m_jobs.begin()) : -1;
}

void JobModel::mergeJobs(const QList<Job>& jobs)
{
    QList<int> changedRows;
    QHash<JobId, Job> fresh; // unknown ids; a later entry for the same id wins
    for (const Job& job : jobs) {
        const int row = rowOf(job.id);
        if (row < 0) {
            fresh.insert(job.id, job);
        } else if (!(m_jobs[std::size_t(row)] == job)) {
            m_jobs[std::size_t(row)] = job;
            changedRows.append(row);
        }
    }
    forEachRowRange(changedRows,
        [this](int first, int last) { Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1)); });

    QList<Job> inserts = fresh.values();
    std::sort(inserts.begin(), inserts.end(), [](const Job& a, const Job& b) { return a.id > b.id; });
    // Jobs newer than every row (the usual case) go in as one block at the top.
    const auto olderBegin = std::find_if(inserts.begin(), inserts.end(),
        [this](const Job& job) { return !m_jobs.empty() && job.id < m_jobs.front().id; });
    const int topCount = std::min(int(olderBegin - inserts.begin()), m_maxRows);
    if (topCount > 0) {
        beginInsertRows({}, 0, topCount - 1);
        for (int i = topCount - 1; i >= 0; --i)
            m_jobs.push_front(inserts[i]);
        endInsertRows();
    }
    // Older ones (a reload, a search by id) land where their id belongs, unless they would be
    // trimmed at once.
    for (auto it = olderBegin; it != inserts.end(); ++it) {
        if (int(m_jobs.size()) >= m_maxRows && it->id < m_jobs.back().id)
            break;
        insertJob(*it);
    }

    if (int(m_jobs.size()) > m_maxRows) {
        beginRemoveRows({}, m_maxRows, int(m_jobs.size()) - 1);
        m_jobs.resize(std::size_t(m_maxRows));
        endRemoveRows();
    }
}

void JobModel::insertJob(const Job& job)
{
    const auto it = std::lower_bound(
        m_jobs.begin(), m_jobs.end(), job.id, [](const Job& row, JobId value) { return row.id > value; });
    const int row = int(it - m_jobs.begin());
    beginInsertRows({}, row, row);
    m_jobs.insert(it, job);
    endInsertRows();
}

void JobModel::clear()
{
    beginResetModel();
    m_jobs.clear();
    endResetModel();
}

int JobModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_jobs.size());
}

int JobModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant JobModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Job& job = m_jobs[std::size_t(index.row())];

    switch (role) {
    case JobIdRole:
        return job.id;
    case StatusRole:
        return int(job.status);
    case QueueRole:
        return job.queue;
    case TypeRole:
        return job.type;
    case ProgressDelegate::ProgressRole:
        if (index.column() == ProgressColumn && job.status == JobStatus::Running)
            return job.progress;
        return {};
    case Qt::DecorationRole:
        if (index.column() == StatusColumn)
            return JobStatusStyle::icon(job.status);
        return {};
    case Qt::TextAlignmentRole:
        switch (index.column()) {
        case IdColumn:
        case PriorityColumn:
        case AttemptsColumn:
        case DurationColumn:
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return {};
        }
    case Qt::ToolTipRole:
        if (index.column() == CreatedColumn)
            return DisplayFormat::dateTime(job.createdAt);
        if ((index.column() == StatusColumn || index.column() == DurationColumn) && job.status == JobStatus::Scheduled)
            return tr("Due at %1").arg(DisplayFormat::dateTime(job.runAt));
        if (index.column() == ErrorColumn && job.error)
            return job.error->message;
        return {};
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }

    switch (Column(index.column())) {
    case IdColumn:
        return QString::number(job.id);
    case StatusColumn:
        return QString(statusName(job.status));
    case TypeColumn:
        return job.type;
    case QueueColumn:
        return job.queue;
    case PriorityColumn:
        return job.priority;
    case AttemptsColumn:
        return QStringLiteral("%1/%2").arg(job.attempts).arg(job.maxAttempts);
    case ProgressColumn:
        return {};
    case CreatedColumn:
        return DisplayFormat::clockTime(job.createdAt);
    case DurationColumn:
        // A scheduled job has not run yet: say when it will (its delay or its retry backoff).
        // Seconds fit the column; the tooltip and the details have the milliseconds.
        if (job.status == JobStatus::Scheduled && job.runAt > 0)
            return tr("due %1").arg(QDateTime::fromMSecsSinceEpoch(job.runAt).toString(QStringLiteral("HH:mm:ss")));
        if (job.startedAt > 0 && job.finishedAt >= job.startedAt)
            return DisplayFormat::duration(double(job.finishedAt - job.startedAt));
        return {};
    case ErrorColumn:
        return job.error ? job.error->code : QString();
    case ColumnCount:
        break;
    }
    return {};
}

QVariant JobModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case IdColumn:
        return tr("ID");
    case StatusColumn:
        return tr("Status");
    case TypeColumn:
        return tr("Type");
    case QueueColumn:
        return tr("Queue");
    case PriorityColumn:
        return tr("Priority");
    case AttemptsColumn:
        return tr("Attempts");
    case ProgressColumn:
        return tr("Progress");
    case CreatedColumn:
        return tr("Created");
    case DurationColumn:
        return tr("Run time");
    case ErrorColumn:
        return tr("Error");
    case ColumnCount:
        break;
    }
    return {};
}
