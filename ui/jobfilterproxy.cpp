#include "jobfilterproxy.h"

#include "jobmodel.h"

JobFilterProxy::JobFilterProxy(JobModel* source, QObject* parent)
    : QSortFilterProxyModel(parent)
    , m_jobs(source)
{
    setSourceModel(source);
}

void JobFilterProxy::setStatus(std::optional<JobStatus> status)
{
    const bool dueOrderChanges = (m_status == JobStatus::Scheduled) != (status == JobStatus::Scheduled);
    m_status = status;
    invalidateRowsFilter();
    if (dueOrderChanges && sortColumn() == JobModel::DurationColumn)
        invalidate(); // the run time column now orders by another key
}

void JobFilterProxy::setQueue(const QString& queue)
{
    m_queue = queue;
    invalidateRowsFilter();
}

void JobFilterProxy::setType(const QString& type)
{
    m_type = type;
    invalidateRowsFilter();
}

void JobFilterProxy::setErrorCode(const QString& code)
{
    m_errorCode = code;
    invalidateRowsFilter();
}

void JobFilterProxy::setSearch(const QString& text)
{
    if (text == m_search)
        return;
    m_search = text;
    invalidateRowsFilter();
}

void JobFilterProxy::setJobId(std::optional<JobId> id)
{
    m_id = id;
    invalidateRowsFilter();
}

bool JobFilterProxy::isFiltering() const
{
    return m_status || !m_queue.isEmpty() || !m_type.isEmpty() || !m_errorCode.isEmpty() || !m_search.isEmpty() || m_id;
}

std::optional<JobSort> JobFilterProxy::querySort(int column) const
{
    switch (column) {
    case JobModel::IdColumn:
    case JobModel::CreatedColumn:
        return JobSort::Created;
    case JobModel::PriorityColumn:
        return JobSort::Priority;
    case JobModel::AttemptsColumn:
        return JobSort::Attempts;
    case JobModel::DurationColumn:
        return m_status == JobStatus::Scheduled ? JobSort::Due : JobSort::RunTime;
    default:
        return std::nullopt;
    }
}

void JobFilterProxy::sort(int column, Qt::SortOrder order)
{
    if (querySort(column) == JobSort::Created && order == Qt::DescendingOrder)
        column = -1;
    QSortFilterProxyModel::sort(column, order);
}

bool JobFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    Q_UNUSED(sourceParent);
    const Job& job = m_jobs->jobAt(sourceRow);
    return (!m_id || job.id == *m_id) && (!m_status || job.status == *m_status)
        && (m_queue.isEmpty() || job.queue == m_queue) && (m_type.isEmpty() || job.type == m_type)
        && (m_errorCode.isEmpty() || (job.error && job.error->code == m_errorCode))
        && jobSearchMatches(job, m_search); // last: it writes the payload out
}

bool JobFilterProxy::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    const std::optional<JobSort> sort = querySort(left.column());
    if (!sort)
        return QSortFilterProxyModel::lessThan(left, right);
    // The query's order, ties by id, so that the rows a query brought in sit where it put them.
    const Job& a = m_jobs->jobAt(left.row());
    const Job& b = m_jobs->jobAt(right.row());
    return isAfter(b, cursorOf(a, *sort), *sort, true);
}
