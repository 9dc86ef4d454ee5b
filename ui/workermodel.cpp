#include "workermodel.h"

#include "displayformat.h"
#include "progressdelegate.h"
#include "rowranges.h"

void WorkerModel::setWorkers(const QList<WorkerStatus>& workers)
{
    const int common = int(std::min(workers.size(), m_workers.size()));
    QList<int> changedRows;
    for (int row = 0; row < common; ++row) {
        if (!(m_workers[row] == workers[row])) {
            m_workers[row] = workers[row];
            changedRows.append(row);
        }
    }
    forEachRowRange(changedRows,
        [this](int first, int last) { Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1)); });

    if (workers.size() > m_workers.size()) {
        beginInsertRows({}, int(m_workers.size()), int(workers.size()) - 1);
        m_workers.append(workers.mid(m_workers.size()));
        endInsertRows();
    } else if (workers.size() < m_workers.size()) {
        beginRemoveRows({}, int(workers.size()), int(m_workers.size()) - 1);
        m_workers.resize(workers.size());
        endRemoveRows();
    }
    Q_ASSERT(m_workers == workers);
}

void WorkerModel::setNow(qint64 msecsSinceEpoch)
{
    m_now = msecsSinceEpoch;
    QList<int> busyRows;
    for (int row = 0; row < m_workers.size(); ++row) {
        if (m_workers[row].busy)
            busyRows.append(row);
    }
    forEachRowRange(busyRows, [this](int first, int last) {
        Q_EMIT dataChanged(index(first, ElapsedColumn), index(last, ElapsedColumn), { Qt::DisplayRole });
    });
}

int WorkerModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_workers.size());
}

int WorkerModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant WorkerModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const WorkerStatus& worker = m_workers[index.row()];

    if (role == ProgressDelegate::ProgressRole)
        return index.column() == ProgressColumn && worker.busy ? QVariant(worker.progress) : QVariant();
    if (role == Qt::TextAlignmentRole && (index.column() == SlotColumn || index.column() == ElapsedColumn))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};

    switch (Column(index.column())) {
    case SlotColumn:
        return worker.slot + 1;
    case StateColumn:
        return worker.busy ? tr("busy") : tr("idle");
    case JobColumn:
        return worker.busy ? QString::number(worker.jobId) : QString();
    case TypeColumn:
        return worker.busy ? worker.jobType : QString();
    case ElapsedColumn:
        if (worker.busy && worker.startedAt > 0)
            return DisplayFormat::duration(double(std::max<qint64>(0, m_now - worker.startedAt)));
        return {};
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
    case SlotColumn:
        return tr("#");
    case StateColumn:
        return tr("State");
    case JobColumn:
        return tr("Job");
    case TypeColumn:
        return tr("Type");
    case ElapsedColumn:
        return tr("Elapsed");
    case ProgressColumn:
        return tr("Progress");
    case ColumnCount:
        break;
    }
    return {};
}
