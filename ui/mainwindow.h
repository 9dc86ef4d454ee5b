#pragma once

#include "snapshot.h"

#include <QMainWindow>
#include <QThreadPool>

class ClockBar;
class FaultBanner;
class FaultEditor;
class JobsPanel;
class QDockWidget;
class QSplitter;
class QueueChart;
class QueuesPanel;
class RequestsPanel;
class SinkPanel;
class Server;
class ServerToolBar;
class SubmitPanel;
class SummaryTiles;
class WorkerModel;
class WorkerView;

// The dashboard: server controls, live overview, workers, jobs, submission and recent requests.
// It only paints and forwards: the engine's snapshots arrive queued, at most ~10 per second,
// and every potentially slow engine call runs on the window's own thread pool.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(Server* server, QWidget* parent = nullptr);
    ~MainWindow() override;

    // The server requires a token: "Copy as curl" then adds an Authorization header placeholder.
    void setUsesToken(bool usesToken);

    // The parts, for tests and for the app's hooks.
    ServerToolBar* serverControls() const { return m_toolBar; }
    ClockBar* clockControls() const { return m_clockBar; }
    SummaryTiles* summaryTiles() const { return m_tiles; }
    QueueChart* chart() const { return m_chart; }
    WorkerModel* workerModel() const { return m_workers; }
    WorkerView* workerView() const { return m_workerView; }
    JobsPanel* jobsPanel() const { return m_jobs; }
    QueuesPanel* queuesPanel() const { return m_queues; }
    SubmitPanel* submitPanel() const { return m_submit; }
    RequestsPanel* requestsPanel() const { return m_requests; }
    SinkPanel* sinkPanel() const { return m_sink; }
    QAction* submitAction() const { return m_submitAction; }
    QAction* findAction() const { return m_findAction; } // Ctrl+F: the jobs' search field
    FaultBanner* faultBanner() const { return m_faultBanner; }
    QAction* faultsAction() const { return m_faultsAction; }
    FaultEditor* faultEditor(); // created on first use
    quint64 snapshotsApplied() const { return m_snapshotsApplied; }

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void applySnapshot(const EngineSnapshot& snapshot);
    void updateTitle();
    void askBeforeClosing();
    void closeWhenStopped();
    void restoreSettings();
    void saveSettings() const;

    // Declared first so that it is destroyed last: tasks on it use the panels' engine calls.
    QThreadPool m_pool;
    // set at construction, immutable
    Server* m_server;
    ServerToolBar* m_toolBar;
    SummaryTiles* m_tiles;
    QueueChart* m_chart;
    WorkerModel* m_workers;
    WorkerView* m_workerView;
    JobsPanel* m_jobs;
    QueuesPanel* m_queues;
    SubmitPanel* m_submit;
    RequestsPanel* m_requests;
    SinkPanel* m_sink;
    QDockWidget* m_submitDock;
    QSplitter* m_mainSplitter;
    QSplitter* m_topSplitter;
    QAction* m_submitAction;
    QAction* m_findAction;
    ClockBar* m_clockBar = nullptr;
    FaultBanner* m_faultBanner;
    QAction* m_faultsAction;
    FaultEditor* m_faultEditor = nullptr;
    // GUI thread only
    EngineSnapshot m_lastSnapshot;
    quint64 m_snapshotsApplied = 0;
    bool m_closing = false; // the user chose to quit; close once the server stopped
};
