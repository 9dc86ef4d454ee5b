#pragma once

#include <QTimer>
#include <QWidget>

class QTableView;
class RequestLog;
class RequestLogModel;

// The table of recent HTTP requests, polled from the server's request log a few times a second.
class RequestsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit RequestsPanel(const RequestLog* log, QWidget* parent = nullptr);

    RequestLogModel* model() const { return m_model; }
    void poll();

    static constexpr int pollIntervalMs = 250;

private:
    // set at construction, immutable
    const RequestLog* m_log;
    RequestLogModel* m_model;
    QTableView* m_view;
    // GUI thread only
    QTimer m_timer;
};
