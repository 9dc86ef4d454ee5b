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
    m_status = status;
    invalidateRowsFilter();
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

void JobFilterProxy::setJobId(std::optional<JobId> id)
{
    m_id = id;
    invalidateRowsFilter();
}

bool JobFilterProxy::isFiltering() const
{
    return m_status || !m_queue.isEmpty() || !m_type.isEmpty() || !m_errorCode.isEmpty() || m_id;
}

bool JobFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    Q_UNUSED(sourceParent);
    const Job& job = m_jobs->jobAt(sourceRow);
    return (!m_id || job.id == *m_id) && (!m_status || job.status == *m_status)
        && (m_queue.isEmpty() || job.queue == m_queue) && (m_type.isEmpty() || job.type == m_type)
        && (m_errorCode.isEmpty() || (job.error && job.error->code == m_errorCode));
}
