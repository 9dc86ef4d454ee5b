#include "queuemodel.h"

#include "displayformat.h"
#include "rowranges.h"

#include <QSet>

#include <algorithm>

namespace {

// "default" first, the rest by name: the order the engine reports may change as queues are used.
bool sortsBefore(const QueueInfo& a, const QueueInfo& b)
{
    const bool aDefault = a.name == QLatin1StringView("default");
    const bool bDefault = b.name == QLatin1StringView("default");
    if (aDefault != bDefault)
        return aDefault;
    return a.name < b.name;
}

bool sameState(const QueueInfo& a, const QueueInfo& b)
{
    return a.name == b.name && a.depth == b.depth && a.scheduled == b.scheduled && a.running == b.running
        && a.paused == b.paused && a.concurrency == b.concurrency && a.processed == b.processed && a.failed == b.failed
        && a.finishedLastMinute == b.finishedLastMinute && a.oldestQueuedMs == b.oldestQueuedMs;
}

} // namespace

void QueueModel::setQueues(QList<QueueInfo> queues)
{
    std::sort(queues.begin(), queues.end(), sortsBefore);
    QSet<QString> names;
    for (const QueueInfo& queue : std::as_const(queues))
        names.insert(queue.name);
    for (int row = int(m_queues.size()) - 1; row >= 0; --row) {
        if (!names.contains(m_queues[row].name)) {
            beginRemoveRows({}, row, row);
            m_queues.removeAt(row);
            endRemoveRows();
        }
    }
    // Both lists are sorted the same way and every remaining row is in `queues`: walking them
    // together, a row either matches or a new queue goes in before it.
    QList<int> changedRows;
    for (int i = 0; i < queues.size(); ++i) {
        if (i < m_queues.size() && m_queues[i].name == queues[i].name) {
            if (!sameState(m_queues[i], queues[i])) {
                m_queues[i] = queues[i];
                changedRows.append(i);
            }
            continue;
        }
        beginInsertRows({}, i, i);
        m_queues.insert(i, queues[i]);
        endInsertRows();
    }
    forEachRowRange(changedRows,
        [this](int first, int last) { Q_EMIT dataChanged(index(first, 0), index(last, ColumnCount - 1)); });
}

void QueueModel::updateQueue(const QueueInfo& queue)
{
    const int row = rowOf(queue.name);
    if (row < 0) {
        const auto at = std::lower_bound(m_queues.cbegin(), m_queues.cend(), queue, sortsBefore);
        const int inserted = int(at - m_queues.cbegin());
        beginInsertRows({}, inserted, inserted);
        m_queues.insert(inserted, queue);
        endInsertRows();
    } else if (!sameState(m_queues[row], queue)) {
        m_queues[row] = queue;
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
}

void QueueModel::setProcessingPaused(bool paused)
{
    if (paused == m_processingPaused)
        return;
    m_processingPaused = paused;
    if (!m_queues.isEmpty())
        Q_EMIT dataChanged(index(0, StateColumn), index(int(m_queues.size()) - 1, StateColumn));
}

int QueueModel::rowOf(const QString& name) const
{
    for (int row = 0; row < m_queues.size(); ++row) {
        if (m_queues[row].name == name)
            return row;
    }
    return -1;
}

int QueueModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_queues.size());
}

int QueueModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant QueueModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QueueInfo& queue = m_queues[index.row()];

    switch (role) {
    case NameRole:
        return queue.name;
    case PausedRole:
        return queue.paused;
    case ConcurrencyRole:
        return queue.concurrency;
    case Qt::TextAlignmentRole:
        if (index.column() == NameColumn || index.column() == StateColumn)
            return {};
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (index.column() == StateColumn && queue.paused)
            return tr("Paused: its jobs wait; running ones finish");
        if (index.column() == StateColumn && m_processingPaused)
            return tr("All processing is paused: its jobs wait; running ones finish");
        if (index.column() == ConcurrencyColumn && queue.concurrency == 0)
            return tr("No limit beyond the worker count");
        if (index.column() == ProcessedColumn)
            return tr("Jobs of this queue that succeeded or failed, as stored");
        if (index.column() == LastMinuteColumn)
            return tr("Jobs of this queue that succeeded or failed in the last 60 seconds");
        if (index.column() == OldestColumn)
            return tr("How long ago the oldest queued job of this queue was submitted");
        return {};
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }

    switch (Column(index.column())) {
    case NameColumn:
        return queue.name;
    case StateColumn:
        if (queue.paused)
            return tr("paused");
        return m_processingPaused ? tr("held") : tr("active");
    case DepthColumn:
        return DisplayFormat::count(queue.depth);
    case ScheduledColumn:
        return DisplayFormat::count(queue.scheduled);
    case RunningColumn:
        return DisplayFormat::count(queue.running);
    case ConcurrencyColumn:
        return queue.concurrency > 0 ? QString::number(queue.concurrency) : tr("no limit");
    case ProcessedColumn:
        return DisplayFormat::count(queue.processed);
    case FailedColumn:
        return DisplayFormat::count(queue.failed);
    case LastMinuteColumn:
        return DisplayFormat::count(queue.finishedLastMinute);
    case OldestColumn:
        return queue.oldestQueuedMs >= 0 ? DisplayFormat::duration(double(queue.oldestQueuedMs)) : QStringLiteral("–");
    case ColumnCount:
        break;
    }
    return {};
}

QVariant QueueModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case NameColumn:
        return tr("Queue");
    case StateColumn:
        return tr("State");
    case DepthColumn:
        return tr("Queued");
    case ScheduledColumn:
        return tr("Scheduled");
    case RunningColumn:
        return tr("Running");
    case ConcurrencyColumn:
        return tr("Concurrency");
    case ProcessedColumn:
        return tr("Processed");
    case FailedColumn:
        return tr("Failed");
    case LastMinuteColumn:
        return tr("Last 60 s");
    case OldestColumn:
        return tr("Oldest queued");
    case ColumnCount:
        break;
    }
    return {};
}
