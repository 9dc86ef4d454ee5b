#pragma once

#include "engine.h"

#include <QAbstractTableModel>

// One row per named queue (Engine::queues()): "default" first, then by name, with its state and
// figures. Rows are updated in place, so the selection survives the panel's polling.
class QueueModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        StateColumn,
        DepthColumn,
        ScheduledColumn,
        RunningColumn,
        ConcurrencyColumn,
        ProcessedColumn,
        FailedColumn,
        LastMinuteColumn,
        OldestColumn,
        ColumnCount
    };
    enum Role { NameRole = Qt::UserRole, PausedRole, ConcurrencyRole };

    using QAbstractTableModel::QAbstractTableModel;

    // The engine's current list: known rows change in place (one dataChanged per run of changed
    // rows), new queues are inserted where they sort, vanished ones are removed.
    void setQueues(QList<QueueInfo> queues);
    // One queue's new state, e.g. the answer to a pause; unknown names are inserted.
    void updateQueue(const QueueInfo& queue);
    // While all processing is paused, queues that are not paused themselves show as held.
    void setProcessingPaused(bool paused);

    int rowOf(const QString& name) const; // -1 when not held
    const QueueInfo& queueAt(int row) const { return m_queues.at(row); }
    const QList<QueueInfo>& queues() const { return m_queues; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    // GUI thread only; sorted by sortsBefore()
    QList<QueueInfo> m_queues;
    bool m_processingPaused = false;
};
