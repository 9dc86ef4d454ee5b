#pragma once

#include "snapshot.h"

#include <QAbstractTableModel>

// One row of the Workers view: a built-in slot, or an external worker with one of its leases
// (a worker holding three jobs has three rows; one holding none has one).
struct WorkerRow
{
    bool external = false;
    int slot = 0; // built-in: the slot's number from 0
    QString workerId; // external
    QString protocol;
    QString hostname;
    qint64 pid = 0;
    QStringList labels;
    WorkerState state = WorkerState::Idle;
    qint64 lastSeenAt = 0; // external: its last call of any kind
    int leaseIndex = 0; // which of the worker's leases this row shows; 0 for its first row
    JobId jobId = 0; // 0: no job on this row
    QString jobType;
    qint64 startedAt = 0; // the job's start, or the lease's
    double progress = 0.0;
    QString progressMessage;
    qint64 expiresAt = 0; // the lease's expiry; 0 for a built-in slot
    bool cancelRequested = false;

    bool operator==(const WorkerRow& other) const;
};

// Built-in slots first, then external workers by id, each with its leases by job id. Rows keep
// their place across updates (a key of slot, or worker and lease index), so that a selection
// stays on its worker; rows that come or go are inserted or removed, the others change in place.
class WorkerModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        WorkerColumn,
        ProtocolColumn,
        HostColumn,
        PidColumn,
        LabelsColumn,
        StateColumn,
        LastBeatColumn,
        JobColumn,
        TypeColumn,
        ElapsedColumn,
        ProgressColumn,
        ExpiresColumn,
        ColumnCount
    };
    enum Role {
        WorkerIdRole = Qt::UserRole + 1, // external worker's id; empty for a built-in slot
        JobIdRole, // the job on this row, 0 for none
        ExternalRole, // bool
        StateRole, // WorkerState as int
    };

    using QAbstractTableModel::QAbstractTableModel;

    // From one engine snapshot: its slots and its external workers.
    void setWorkers(const QList<WorkerStatus>& slots, const QList<ExternalWorkerStatus>& external);
    // The clock that elapsed times, last beats and expiries are measured against (ms since the epoch).
    void setNow(qint64 msecsSinceEpoch);

    const QList<WorkerRow>& rows() const { return m_rows; }
    static QList<WorkerRow> rowsOf(const QList<WorkerStatus>& slots, const QList<ExternalWorkerStatus>& external);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVariant display(const WorkerRow& row, int column) const;

    // GUI thread only
    QList<WorkerRow> m_rows;
    qint64 m_now = 0;
};
