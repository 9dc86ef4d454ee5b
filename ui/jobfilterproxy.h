#pragma once

#include "job.h"

#include <QSortFilterProxyModel>

#include <optional>

class JobModel;

// Narrows the job table by status, queue, type, error code and id. filterAcceptsRow() reads the job struct
// directly (no QVariant) so refiltering 100,000 rows stays in the low milliseconds.
class JobFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit JobFilterProxy(JobModel* source, QObject* parent = nullptr);

    void setStatus(std::optional<JobStatus> status);
    void setQueue(const QString& queue); // empty: any
    void setType(const QString& type); // empty: any
    void setErrorCode(const QString& code); // empty: any
    void setJobId(std::optional<JobId> id);
    bool isFiltering() const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    // set at construction, immutable
    JobModel* m_jobs;
    // GUI thread only
    std::optional<JobStatus> m_status;
    QString m_queue;
    QString m_type;
    QString m_errorCode;
    std::optional<JobId> m_id;
};
