#include "jobmodel.h"

#include "displayformat.h"
#include "jobstatusstyle.h"
#include "progressdelegate.h"

#include <QDateTime>

#include <algorithm>

JobModel::JobModel(int maxRows, QObject* parent)
    : QAbstractTableModel(parent)
    , m_maxRows(maxRows)
{ }

namespace {

// m_rows is sorted by id, descending: the first row at or after `from` whose id is at most `id`.
template <typename Rows> int firstRowAtMost(const Rows& rows, int from, JobId id)
{
    const auto it = std::lower_bound(
        rows.begin() + from, rows.end(), id, [](const auto& row, JobId value) { return row.job.id > value; });
    return int(it - rows.begin());
}

} // namespace

int JobModel::rowOf(JobId id) const
{
    const int row = firstRowAtMost(m_rows, 0, id);
    return row < int(m_rows.size()) && m_rows[std::size_t(row)].job.id == id ? row : -1;
}

void JobModel::applyChanges(const QList<JobChange>& changes)
{
    std::vector<Row> incoming;
    incoming.reserve(std::size_t(changes.size()));
    for (const JobChange& change : changes)
        incoming.push_back(Row { change.job, change.seq, false });
    std::stable_sort(incoming.begin(), incoming.end(), [](const Row& a, const Row& b) { return a.job.id > b.job.id; });
    // Of two changes of one job, the newer one; of equal ones, the later.
    std::vector<Row> unique;
    unique.reserve(incoming.size());
    for (Row& row : incoming) {
        if (!unique.empty() && unique.back().job.id == row.job.id) {
            if (row.changeSeq >= unique.back().changeSeq)
                unique.back() = std::move(row);
        } else {
            unique.push_back(std::move(row));
        }
    }
    merge(std::move(unique), MergeRule {});
}

void JobModel::reconcile(JobId fromId, JobId toId, const CurrentJobs& current, bool insertMissing)
{
    std::vector<Row> incoming;
    incoming.reserve(std::size_t(current.jobs.size()));
    for (const Job& job : current.jobs) {
        if (job.id >= fromId && job.id <= toId)
            incoming.push_back(Row { job, current.changeSeq, false });
    }
    std::sort(incoming.begin(), incoming.end(), [](const Row& a, const Row& b) { return a.job.id > b.job.id; });
    incoming.erase(
        std::unique(incoming.begin(), incoming.end(), [](const Row& a, const Row& b) { return a.job.id == b.job.id; }),
        incoming.end());
    merge(std::move(incoming), MergeRule { true, current.changeSeq, fromId, toId, insertMissing, true, false });
}

void JobModel::adopt(const CurrentJobs& found)
{
    for (Row& row : m_rows)
        row.pinned = false;
    std::vector<Row> incoming;
    incoming.reserve(std::size_t(found.jobs.size()));
    for (const Job& job : found.jobs)
        incoming.push_back(Row { job, found.changeSeq, true });
    std::sort(incoming.begin(), incoming.end(), [](const Row& a, const Row& b) { return a.job.id > b.job.id; });
    incoming.erase(
        std::unique(incoming.begin(), incoming.end(), [](const Row& a, const Row& b) { return a.job.id == b.job.id; }),
        incoming.end());
    if (incoming.empty()) {
        trim(); // the rows pinned before may go now
        return;
    }
    const MergeRule rule { true, found.changeSeq, incoming.back().job.id, incoming.front().job.id, true, false, true };
    merge(std::move(incoming), rule);
}

void JobModel::merge(std::vector<Row> incoming, const MergeRule& rule)
{
    // Consecutive changed rows become one dataChanged, sent before any insert or removal below
    // them moves the rows.
    int changedFirst = -1;
    int changedLast = -1;
    const auto flushChanged = [&] {
        if (changedFirst >= 0)
            Q_EMIT dataChanged(index(changedFirst, 0), index(changedLast, ColumnCount - 1));
        changedFirst = -1;
    };
    const auto markChanged = [&](int row) {
        if (changedFirst >= 0 && row == changedLast + 1) {
            changedLast = row;
        } else {
            flushChanged();
            changedFirst = changedLast = row;
        }
    };
    // Reconcile: rows [first, end) lie in the range read but their jobs were not found (pruned,
    // or never stored): removed, in runs, unless a later change brought them. Returns the new end.
    const auto removeGone = [&](int first, int end) {
        int row = first;
        while (row < end) {
            if (m_rows[std::size_t(row)].changeSeq > rule.asOf) {
                ++row;
                continue;
            }
            int runEnd = row;
            while (runEnd < end && m_rows[std::size_t(runEnd)].changeSeq <= rule.asOf)
                ++runEnd;
            flushChanged();
            removeRows(row, runEnd - 1);
            end -= runEnd - row;
        }
        return end;
    };

    int row = rule.reconcile ? firstRowAtMost(m_rows, 0, rule.toId) : 0;
    std::size_t i = 0;
    while (i < incoming.size()) {
        const JobId id = incoming[i].job.id;
        int at = firstRowAtMost(m_rows, row, id);
        if (rule.reconcile && rule.removeGone && at > row)
            at = removeGone(row, at);
        row = at;
        if (row < int(m_rows.size()) && m_rows[std::size_t(row)].job.id == id) {
            Row& held = m_rows[std::size_t(row)];
            Row& fresh = incoming[i];
            const bool take = rule.reconcile ? held.changeSeq <= rule.asOf : fresh.changeSeq > held.changeSeq;
            held.pinned = held.pinned || rule.pin;
            if (take) {
                held.changeSeq = fresh.changeSeq;
                if (!(held.job == fresh.job)) {
                    held.job = std::move(fresh.job);
                    markChanged(row);
                }
            }
            ++row;
            ++i;
            continue;
        }
        // A run of jobs the table lacks, all of them above the row at `row`: one insertion.
        const JobId below = row < int(m_rows.size()) ? m_rows[std::size_t(row)].job.id : 0;
        std::size_t j = i;
        while (j < incoming.size() && incoming[j].job.id > below)
            ++j;
        if (!rule.insertMissing || (row >= m_maxRows && !rule.pin)) { // the latter would be trimmed at once
            i = j;
            continue;
        }
        flushChanged();
        const int count = int(j - i);
        beginInsertRows({}, row, row + count - 1);
        m_rows.insert(m_rows.begin() + row, std::make_move_iterator(incoming.begin() + qsizetype(i)),
            std::make_move_iterator(incoming.begin() + qsizetype(j)));
        endInsertRows();
        row += count;
        i = j;
    }
    if (rule.reconcile && rule.removeGone)
        removeGone(row, firstRowAtMost(m_rows, row, rule.fromId - 1));
    flushChanged();
    trim();
}

void JobModel::removeRows(int first, int last)
{
    beginRemoveRows({}, first, last);
    m_rows.erase(m_rows.begin() + first, m_rows.begin() + last + 1);
    endRemoveRows();
}

void JobModel::trim()
{
    // The oldest rows beyond maxRows(), in runs, sparing the pinned ones.
    int excess = int(m_rows.size()) - m_maxRows;
    int last = int(m_rows.size()) - 1;
    while (excess > 0 && last >= 0) {
        if (m_rows[std::size_t(last)].pinned) {
            --last;
            continue;
        }
        int first = last;
        while (first > 0 && !m_rows[std::size_t(first - 1)].pinned && last - first + 1 < excess)
            --first;
        removeRows(first, last);
        excess -= last - first + 1;
        last = first - 1;
    }
}

void JobModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

int JobModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int JobModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant JobModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Job& job = m_rows[std::size_t(index.row())].job;

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
    if (orientation == Qt::Horizontal && role == Qt::InitialSortOrderRole) {
        // A first click shows the newest, highest, most or longest first.
        switch (Column(section)) {
        case IdColumn:
        case PriorityColumn:
        case AttemptsColumn:
        case CreatedColumn:
        case DurationColumn:
            return int(Qt::DescendingOrder);
        default:
            return {};
        }
    }
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
