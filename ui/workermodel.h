#pragma once

#include "snapshot.h"

#include <QAbstractTableModel>

// One row per worker slot: idle or busy, and the job it runs with its elapsed time and progress.
class WorkerModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { SlotColumn, StateColumn, JobColumn, TypeColumn, ElapsedColumn, ProgressColumn, ColumnCount };

    using QAbstractTableModel::QAbstractTableModel;

    // Rows are added or removed at the end when the pool size changes; the others are updated in
    // place, with dataChanged only for the rows that differ.
    void setWorkers(const QList<WorkerStatus>& workers);
    // The clock that elapsed times are measured against (ms since the epoch).
    void setNow(qint64 msecsSinceEpoch);

    const QList<WorkerStatus>& workers() const { return m_workers; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    // GUI thread only
    QList<WorkerStatus> m_workers;
    qint64 m_now = 0;
};
