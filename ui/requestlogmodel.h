#pragma once

#include "requestlog.h"

#include <QAbstractTableModel>

#include <deque>

// Recent HTTP requests, newest first, bounded. poll() copies what the server's log gained since
// the previous poll and inserts it at the top as one block.
class RequestLogModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        TimeColumn,
        MethodColumn,
        PathColumn,
        StatusColumn,
        LatencyColumn,
        ErrorColumn, // a 4xx or 5xx answer's code and message
        BodyColumn, // the request's body, its first bytes
        AnswerColumn, // the answer's body, its first bytes
        ColumnCount
    };
    enum Role { IsErrorRole = Qt::UserRole }; // bool: the answer was a 4xx or 5xx

    explicit RequestLogModel(int maxRows = 2000, QObject* parent = nullptr);

    void poll(const RequestLog& log);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Entries oldest first, as RequestLog::since() gives them; they end up newest first.
    void prependEntries(const QList<RequestLogEntry>& entries);

private:
    // set at construction, immutable
    const int m_maxRows;
    // GUI thread only
    std::deque<RequestLogEntry> m_rows;
    quint64 m_lastSeq = 0;
};
