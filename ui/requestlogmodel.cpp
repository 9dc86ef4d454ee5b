#include "requestlogmodel.h"

#include "displayformat.h"
#include "jobstatusstyle.h"

RequestLogModel::RequestLogModel(int maxRows, QObject* parent)
    : QAbstractTableModel(parent)
    , m_maxRows(maxRows)
{ }

void RequestLogModel::poll(const RequestLog& log)
{
    const QList<RequestLogEntry> entries = log.since(m_lastSeq);
    if (entries.isEmpty())
        return;
    m_lastSeq = entries.last().seq;
    prependEntries(entries);
}

void RequestLogModel::prependEntries(const QList<RequestLogEntry>& entries)
{
    // More than fit would be trimmed at once: only the newest are inserted.
    const qsizetype count = std::min<qsizetype>(entries.size(), m_maxRows);
    if (count == 0)
        return;
    beginInsertRows({}, 0, int(count) - 1);
    for (qsizetype i = entries.size() - count; i < entries.size(); ++i)
        m_rows.push_front(entries[i]);
    endInsertRows();
    if (int(m_rows.size()) > m_maxRows) {
        beginRemoveRows({}, m_maxRows, int(m_rows.size()) - 1);
        m_rows.resize(std::size_t(m_maxRows));
        endRemoveRows();
    }
}

int RequestLogModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RequestLogModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RequestLogModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RequestLogEntry& row = m_rows[std::size_t(index.row())];

    if (role == IsErrorRole)
        return row.isError();
    if (role == Qt::ForegroundRole && (index.column() == StatusColumn || index.column() == ErrorColumn)) {
        if (row.status >= 500)
            return JobStatusStyle::color(JobStatus::Failed);
        if (row.status >= 400)
            return JobStatusStyle::color(JobStatus::Running);
        return JobStatusStyle::color(JobStatus::Succeeded);
    }
    if (role == Qt::TextAlignmentRole && (index.column() == StatusColumn || index.column() == LatencyColumn))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == BodyColumn)
        return row.bodyPreview;
    if (role == Qt::ToolTipRole && index.column() == AnswerColumn)
        return row.answerPreview;
    if (role == Qt::ToolTipRole && index.column() == ErrorColumn)
        return row.errorMessage;
    if (role != Qt::DisplayRole)
        return {};

    switch (Column(index.column())) {
    case TimeColumn:
        return DisplayFormat::clockTime(row.timeMs);
    case MethodColumn:
        return row.method;
    case PathColumn:
        return row.target;
    case StatusColumn:
        return row.status;
    case LatencyColumn:
        return DisplayFormat::duration(double(row.latencyUs) / 1000.0);
    case ErrorColumn:
        if (row.errorCode.isEmpty())
            return {};
        return row.errorMessage.isEmpty() ? row.errorCode : tr("%1: %2").arg(row.errorCode, row.errorMessage);
    case BodyColumn:
        return row.bodyPreview.simplified();
    case AnswerColumn:
        return row.answerPreview.simplified();
    case ColumnCount:
        break;
    }
    return {};
}

QVariant RequestLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case TimeColumn:
        return tr("Time");
    case MethodColumn:
        return tr("Method");
    case PathColumn:
        return tr("Path");
    case StatusColumn:
        return tr("Status");
    case LatencyColumn:
        return tr("Latency");
    case ErrorColumn:
        return tr("Error");
    case BodyColumn:
        return tr("Request body");
    case AnswerColumn:
        return tr("Answer");
    case ColumnCount:
        break;
    }
    return {};
}
