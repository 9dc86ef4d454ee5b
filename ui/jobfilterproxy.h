#pragma once

#include "job.h"
#include "jobquery.h"

#include <QSortFilterProxyModel>

#include <optional>

class JobModel;

// Narrows the job table by status, queue, type, error code, search text and id, and orders it.
// filterAcceptsRow() and lessThan() read the job struct directly (no QVariant) so refiltering and
// sorting 100,000 rows stays in the low milliseconds.
class JobFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit JobFilterProxy(JobModel* source, QObject* parent = nullptr);

    void setStatus(std::optional<JobStatus> status);
    void setQueue(const QString& queue); // empty: any
    void setType(const QString& type); // empty: any
    void setErrorCode(const QString& code); // empty: any
    void setSearch(const QString& text); // empty: any; else as JobQuery::search
    QString search() const { return m_search; }
    void setJobId(std::optional<JobId> id);
    bool isFiltering() const;

    // The order a column stands for in a job query, if it stands for one: the run time column
    // is the due time while only scheduled jobs are shown (it shows their due time then).
    std::optional<JobSort> querySort(int column) const;
    // Newest first is the source's own order: no sorting then, which costs nothing per update.
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    // set at construction, immutable
    JobModel* m_jobs;
    // GUI thread only
    std::optional<JobStatus> m_status;
    QString m_queue;
    QString m_type;
    QString m_errorCode;
    QString m_search;
    std::optional<JobId> m_id;
};
