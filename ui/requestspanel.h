#pragma once

#include <QTimer>
#include <QWidget>

class QCheckBox;
class QLabel;
class QSortFilterProxyModel;
class QTableView;
class RequestLog;
class RequestLogModel;

// The table of recent HTTP requests and their answers (status, a 4xx or 5xx's error code and
// message, the first bytes of both bodies), polled from the server's request log a few times a
// second; "Errors only" hides the answers below 400.
class RequestsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit RequestsPanel(const RequestLog* log, QWidget* parent = nullptr);

    RequestLogModel* model() const { return m_model; }
    QTableView* view() const { return m_view; } // shows the filtered rows
    QCheckBox* errorsOnlyBox() const { return m_errorsOnly; }
    QLabel* countLabel() const { return m_count; }
    void poll();

    static constexpr int pollIntervalMs = 250;

private:
    // set at construction, immutable
    const RequestLog* m_log;
    void updateCount();

    RequestLogModel* m_model;
    QSortFilterProxyModel* m_filter;
    QTableView* m_view;
    QCheckBox* m_errorsOnly;
    QLabel* m_count;
    // GUI thread only
    QTimer m_timer;
};
