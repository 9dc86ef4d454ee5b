#include "workermodel.h"

#include "displayformat.h"
#include "progressdelegate.h"
#include "rowranges.h"

#include <QCoreApplication>

#include <algorithm>
#include <tuple>

namespace {

// The identity of a row across updates, in the order rows are listed.
auto keyOf(const WorkerRow& row)
{
    return std::make_tuple(row.external, row.slot, row.workerId, row.leaseIndex);
}

QString ago(qint64 ms)
{
    return QCoreApplication::translate("WorkerModel", "%1 ago")
        .arg(DisplayFormat::duration(double(std::max<qint64>(0, ms))));
}

} // namespace

bool WorkerRow::operator==(const WorkerRow& other) const
{
    return external == other.external && slot == other.slot && workerId == other.workerId && protocol == other.protocol
        && hostname == other.hostname && pid == other.pid && labels == other.labels && state == other.state
        && lastSeenAt == other.lastSeenAt && leaseIndex == other.leaseIndex && jobId == other.jobId
        && jobType == other.jobType && startedAt == other.startedAt && progress == other.progress
        && progressMessage == other.progressMessage && expiresAt == other.expiresAt
        && cancelRequested == other.cancelRequested;
}

QList<WorkerRow> WorkerModel::rowsOf(const QList<WorkerStatus>& slots, const QList<ExternalWorkerStatus>& external)
{
    QList<WorkerRow> rows;
    rows.reserve(slots.size() + external.size());
    for (const WorkerStatus& slot : slots) {
        WorkerRow row;
        row.slot = slot.slot;
        row.state = slot.busy ? WorkerState::Busy : WorkerState::Idle;
        if (slot.busy) {
            row.jobId = slot.jobId;
            row.jobType = slot.jobType;
            row.startedAt = slot.startedAt;
            row.progress = slot.progress;
        }
        rows.append(row);
    }
    for (const ExternalWorkerStatus& worker : external) {
        WorkerRow row;
        row.external = true;
        row.workerId = worker.registration.id;
        row.protocol = worker.registration.protocol;
        row.hostname = worker.registration.hostname;
        row.pid = worker.registration.pid;
        row.labels = worker.registration.labels;
        row.state = worker.state;
        row.lastSeenAt = worker.lastSeenAt;
        if (worker.leases.isEmpty()) {
            rows.append(row);
            continue;
        }
        for (int i = 0; i < worker.leases.size(); ++i) {
            const Lease& lease = worker.leases[i];
            row.leaseIndex = i;
            row.jobId = lease.jobId;
            row.jobType = lease.jobType;
            row.startedAt = lease.leasedAt;
            row.progress = lease.progress;
            row.progressMessage = lease.progressMessage;
            row.expiresAt = lease.expiresAt;
            row.cancelRequested = lease.cancelRequested;
            rows.append(row);
        }
    }
    // Slots come sorted by number, workers by id and leases by job: already in key order.
    Q_ASSERT(std::is_sorted(
        rows.cbegin(), rows.cend(), [](const WorkerRow& a, const WorkerRow& b) { return keyOf(a) < keyOf(b); }));
    return rows;
}

void WorkerModel::setWorkers(const QList<WorkerStatus>& slots, const QList<ExternalWorkerStatus>& external)
{
    const QList<WorkerRow> next = rowsOf(slots, external);
    // A merge of two lists sorted by key: keys only in the old list are removed, keys only in
    // the new one inserted, and the rows of common keys updated in place.
    QList<int> changedRows;
    int row = 0;
    qsizetype j = 0;
    while (j < next.size()) {
        if (row < m_rows.size() && keyOf(m_rows[row]) < keyOf(next[j])) {
            beginRemoveRows({}, row, row);
            m_rows.removeAt(row);
            endRemoveRows();
            continue;
        }
        if (row < m_rows.size() && keyOf(m_rows[row]) == keyOf(next[j])) {
            if (!(m_rows[row] == next[j])) {
                m_rows[row] = next[j];
                changedRows.append(row);
            }
        } else {
            beginInsertRows({}, row, row);
            m_rows.insert(row, next[j]);
            endInsertRows();
        }
        ++row;
        ++j;
    }
    if (row < m_rows.size()) {
        beginRemoveRows({}, row, int(m_rows.size()) - 1);
        m_rows.resize(row);
        endRemoveRows();
    }
    forEachRowRange(changedRows,
        [this](int first, int last) { Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1)); });
    Q_ASSERT(m_rows == next);
}

void WorkerModel::setNow(qint64 msecsSinceEpoch)
{
    if (m_now == msecsSinceEpoch)
        return;
    m_now = msecsSinceEpoch;
    // Only the relative times move: the last beat of external workers, elapsed and expiry of jobs.
    QList<int> timedRows;
    for (int row = 0; row < m_rows.size(); ++row) {
        if (m_rows[row].jobId != 0 || m_rows[row].external)
            timedRows.append(row);
    }
    forEachRowRange(timedRows, [this](int first, int last) {
        Q_EMIT dataChanged(index(first, LastBeatColumn), index(last, ExpiresColumn), { Qt::DisplayRole });
    });
}

int WorkerModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int WorkerModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant WorkerModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const WorkerRow& row = m_rows[index.row()];
    switch (role) {
    case WorkerIdRole:
        return row.workerId;
    case JobIdRole:
        return row.jobId;
    case ExternalRole:
        return row.external;
    case StateRole:
        return int(row.state);
    case ProgressDelegate::ProgressRole:
        return index.column() == ProgressColumn && row.jobId != 0 ? QVariant(row.progress) : QVariant();
    case Qt::TextAlignmentRole:
        if (index.column() == PidColumn || index.column() == JobColumn || index.column() == ElapsedColumn)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (index.column() == ProgressColumn && !row.progressMessage.isEmpty())
            return row.progressMessage;
        if (index.column() == ExpiresColumn && row.expiresAt > 0)
            return DisplayFormat::dateTime(row.expiresAt);
        if (index.column() == LastBeatColumn && row.lastSeenAt > 0)
            return DisplayFormat::dateTime(row.lastSeenAt);
        return {};
    case Qt::DisplayRole:
        return display(row, index.column());
    default:
        return {};
    }
}

QVariant WorkerModel::display(const WorkerRow& row, int column) const
{
    // A worker's second and further leases show only the job: the rows read as a group.
    const bool workerColumn = column < JobColumn;
    if (workerColumn && row.leaseIndex > 0)
        return {};
    switch (Column(column)) {
    case WorkerColumn:
        return row.external ? row.workerId : tr("built-in %1").arg(row.slot + 1);
    case ProtocolColumn:
        return row.external ? row.protocol : QString();
    case HostColumn:
        return row.hostname;
    case PidColumn:
        return row.pid > 0 ? QVariant(row.pid) : QVariant();
    case LabelsColumn:
        return row.labels.join(QStringLiteral(", "));
    case StateColumn:
        return QString(workerStateName(row.state));
    case LastBeatColumn:
        return row.external && row.lastSeenAt > 0 ? ago(m_now - row.lastSeenAt) : QString();
    case JobColumn:
        return row.jobId != 0 ? QString::number(row.jobId) : QString();
    case TypeColumn:
        return row.jobId != 0 ? row.jobType : QString();
    case ElapsedColumn:
        if (row.jobId != 0 && row.startedAt > 0)
            return DisplayFormat::duration(double(std::max<qint64>(0, m_now - row.startedAt)));
        return {};
    case ExpiresColumn:
        if (row.expiresAt <= 0)
            return {};
        if (row.cancelRequested)
            return tr("cancelling");
        return row.expiresAt > m_now ? tr("in %1").arg(DisplayFormat::duration(double(row.expiresAt - m_now)))
                                     : tr("expired");
    case ProgressColumn:
    case ColumnCount:
        break;
    }
    return {};
}

QVariant WorkerModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case WorkerColumn:
        return tr("Worker");
    case ProtocolColumn:
        return tr("Protocol");
    case HostColumn:
        return tr("Host");
    case PidColumn:
        return tr("PID");
    case LabelsColumn:
        return tr("Labels");
    case StateColumn:
        return tr("State");
    case LastBeatColumn:
        return tr("Last beat");
    case JobColumn:
        return tr("Job");
    case TypeColumn:
        return tr("Type");
    case ElapsedColumn:
        return tr("Elapsed");
    case ProgressColumn:
        return tr("Progress");
    case ExpiresColumn:
        return tr("Lease expires");
    case ColumnCount:
        break;
    }
    return {};
}
