#pragma once

#include "job.h"

#include <QAbstractTableModel>

#include <deque>

// The recent jobs, newest (highest id) first, as the engine last described them. Rows are kept in
// place across merges so selection and scroll survive 10 Hz updates; the size is bounded.
class JobModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        IdColumn,
        StatusColumn,
        TypeColumn,
        QueueColumn,
        PriorityColumn,
        AttemptsColumn,
        ProgressColumn,
        CreatedColumn,
        DurationColumn,
        ErrorColumn,
        ColumnCount
    };
    enum Role { JobIdRole = Qt::UserRole, StatusRole, QueueRole, TypeRole };

    explicit JobModel(int maxRows = 100000, QObject* parent = nullptr);

    // The newest state of some jobs: known rows are updated in place (one dataChanged per run of
    // changed rows), unknown jobs are inserted in id order (new ones at the top), and the oldest
    // rows beyond maxRows() are removed.
    void mergeJobs(const QList<Job>& jobs);
    void clear();

    int maxRows() const { return m_maxRows; }
    int rowOf(JobId id) const; // -1 when not held
    const Job& jobAt(int row) const { return m_jobs.at(std::size_t(row)); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void insertJob(const Job& job);

    // set at construction, immutable
    const int m_maxRows;
    // GUI thread only; sorted by id, descending
    std::deque<Job> m_jobs;
};
