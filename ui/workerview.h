#pragma once

#include "backgroundtask.h"
#include "engine.h"

#include <QTimer>
#include <QWidget>

class QAction;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class WorkerModel;

// The Workers view: built-in slots and external workers together, each worker's leased jobs
// with elapsed time, progress and lease expiry. Quiet, Stop and Resume act on the selected
// external worker or on all of them, "Expire lease now" on the selected leased job; job types
// for external workers are declared here as with --job-type. The model is fed from the
// engine's coalesced snapshots; engine calls run on the window's pool.
class WorkerView : public QWidget
{
    Q_OBJECT
public:
    WorkerView(Engine* engine, QThreadPool* pool, WorkerModel* model, QWidget* parent = nullptr);

    QTableView* view() const { return m_view; }
    QAction* quietAction() const { return m_quiet; }
    QAction* stopAction() const { return m_stop; }
    QAction* resumeAction() const { return m_resume; }
    QAction* quietAllAction() const { return m_quietAll; }
    QAction* stopAllAction() const { return m_stopAll; }
    QAction* resumeAllAction() const { return m_resumeAll; }
    QAction* expireAction() const { return m_expire; }
    QLineEdit* jobTypeEdit() const { return m_jobType; }
    QPushButton* declareButton() const { return m_declare; }
    QLabel* declaredTypesLabel() const { return m_declared; }

    // Selects the row of an external worker (its first) or of a job; false if none shows it.
    bool selectWorker(const QString& workerId);
    bool selectJob(JobId id);
    QString selectedWorker() const; // empty: none, or a built-in slot
    JobId selectedJob() const; // 0: none, or a row without a job
    // Re-reads the declared types off the GUI thread.
    void refreshDeclaredTypes();

Q_SIGNALS:
    void message(const QString& text);
    // An action was answered (successfully or not).
    void applied();

protected:
    void showEvent(QShowEvent* event) override;

private:
    void setDirective(WorkerDirective directive);
    void setDirectiveForAll(WorkerDirective directive);
    void expireSelectedLease();
    void declareType();
    void updateControls();

    // set at construction, immutable
    Engine* m_engine;
    WorkerModel* m_model;
    QTableView* m_view;
    QAction* m_quiet;
    QAction* m_stop;
    QAction* m_resume;
    QAction* m_quietAll;
    QAction* m_stopAll;
    QAction* m_resumeAll;
    QAction* m_expire;
    QLineEdit* m_jobType;
    QPushButton* m_declare;
    QLabel* m_declared;
    // GUI thread only
    QTimer m_clock;
    BackgroundTask m_actions;
    BackgroundTask m_reader;
};
