#pragma once

#include "backgroundtask.h"
#include "engine.h"

#include <QTimer>
#include <QWidget>

class QLabel;
class QSpinBox;
class QTableView;
class QueueModel;

// The named queues: depth, scheduled, running, paused, concurrency and the figures of each,
// polled from the engine off the GUI thread while the panel is visible; Pause, Resume and a
// concurrency limit act on the selected queue, and "Pause all processing" on every queue at once.
class QueuesPanel : public QWidget
{
    Q_OBJECT
public:
    QueuesPanel(Engine* engine, QThreadPool* pool, QWidget* parent = nullptr);

    // Re-reads Engine::queues() off the GUI thread; refreshed() follows.
    void refresh();
    void selectQueue(const QString& name);
    QString selectedQueue() const; // empty when none is selected

    QueueModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }
    QAction* pauseAction() const { return m_pause; }
    QAction* resumeAction() const { return m_resume; }
    QSpinBox* concurrencyBox() const { return m_concurrency; }
    QAction* pauseAllAction() const { return m_pauseAll; } // checked while all processing is paused
    QLabel* pausedBanner() const { return m_pausedBanner; }

    static constexpr int pollIntervalMs = 500;

Q_SIGNALS:
    void message(const QString& text);
    void refreshed();
    // An action on a queue was answered (successfully or not).
    void applied();

protected:
    void showEvent(QShowEvent* event) override;

private:
    void setPaused(bool paused);
    void setConcurrency(int limit);
    void setProcessingPaused(bool paused);
    void showProcessingPaused(bool paused);
    void apply(std::function<EngineResult<QueueInfo>(Engine*)> operation, const QString& done);
    void updateControls();

    // set at construction, immutable
    Engine* m_engine;
    QueueModel* m_model;
    QTableView* m_view;
    QAction* m_pause;
    QAction* m_resume;
    QSpinBox* m_concurrency;
    QLabel* m_concurrencyLabel;
    QAction* m_pauseAll;
    QLabel* m_pausedBanner;
    // GUI thread only
    QTimer m_poll;
    BackgroundTask m_reader;
    BackgroundTask m_actions;
};
