#pragma once

#include <QTimer>
#include <QWidget>

class Engine;
class QListWidget;
class QPlainTextEdit;
class QTableWidget;
class SinkReader;

// The Sink tab: the built-in sink's endpoints, what each received (method, target, answer,
// signature mark) and the selected request's headers and body. Polled from the thread-safe
// sink a few times a second, and redrawn only when its change number moved. With an engine,
// a button beside the sinks opens the delivery settings (allowed targets, webhook secret).
class SinkPanel : public QWidget
{
    Q_OBJECT
public:
    explicit SinkPanel(const SinkReader* store, Engine* engine = nullptr, QWidget* parent = nullptr);

    void poll();
    QListWidget* sinkList() const { return m_sinks; }
    QTableWidget* requestTable() const { return m_requests; }
    QPlainTextEdit* detail() const { return m_detail; }
    void openDeliverySettings(); // modeless, one at a time

    static constexpr int pollIntervalMs = 250;

private:
    void showSinks();
    void showRequests();
    void showDetail();

    // set at construction, immutable
    const SinkReader* m_store;
    Engine* m_engine;
    QListWidget* m_sinks;
    QTableWidget* m_requests;
    QPlainTextEdit* m_detail;
    // GUI thread only
    QTimer m_timer;
    quint64 m_shownChange = 0;
    bool m_shownOnce = false;
};
