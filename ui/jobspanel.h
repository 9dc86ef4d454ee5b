#pragma once

#include "backgroundtask.h"
#include "engine.h"

#include <QSet>
#include <QUrl>
#include <QWidget>

class JobDetails;
class JobFilterProxy;
class JobModel;
class QComboBox;
class QLabel;
class QLineEdit;
class QSplitter;
class QTableView;

// The job list with its filters, the details of the selected job, and the actions on the
// selection (cancel, retry, copy id, copy as curl). Snapshots are merged in place; when the
// engine says its changes were truncated, the newest jobs are reloaded off the GUI thread.
class JobsPanel : public QWidget
{
    Q_OBJECT
public:
    JobsPanel(Engine* engine, QThreadPool* pool, QWidget* parent = nullptr);

    void applySnapshot(const EngineSnapshot& snapshot);
    // Re-reads the newest jobs (up to reloadRows) from the engine, off the GUI thread.
    void reload();
    bool isReloading() const { return m_reload.isBusy(); }

    void setServerUrl(const QUrl& url) { m_serverUrl = url; }
    void setUsesToken(bool usesToken) { m_usesToken = usesToken; }

    JobModel* model() const { return m_model; }
    JobFilterProxy* proxy() const { return m_proxy; }
    QTableView* view() const { return m_view; }
    JobDetails* details() const { return m_details; }
    QSplitter* splitter() const { return m_splitter; }
    QComboBox* statusFilter() const { return m_status; }
    QLineEdit* idSearch() const { return m_idSearch; }
    QAction* cancelAction() const { return m_cancel; }
    QAction* retryAction() const { return m_retry; }
    QAction* copyIdAction() const { return m_copyId; }
    QAction* copyCurlAction() const { return m_copyCurl; }
    QList<JobId> selectedIds() const;
    std::optional<Job> currentJob() const;

    static constexpr int reloadRows = 10000;

Q_SIGNALS:
    void message(const QString& text);
    void reloaded();

private:
    void merge(const QList<Job>& jobs);
    void onReloaded(QList<Job> jobs);
    void noteFilterValues(const QList<Job>& jobs);
    void applyFilters();
    void searchId();
    void updateDetails();
    void updateActions();
    void updateCount();
    void applyToSelection(EngineResult<Job> (Engine::*operation)(JobId), const QString& done);
    void copyCurl();

    // set at construction, immutable
    Engine* m_engine;
    JobModel* m_model;
    JobFilterProxy* m_proxy;
    QComboBox* m_status;
    QComboBox* m_queue;
    QComboBox* m_type;
    QLineEdit* m_idSearch;
    QLabel* m_count;
    QTableView* m_view;
    JobDetails* m_details;
    QSplitter* m_splitter;
    QAction* m_cancel;
    QAction* m_retry;
    QAction* m_copyId;
    QAction* m_copyCurl;
    // GUI thread only
    QUrl m_serverUrl;
    bool m_usesToken = false;
    BackgroundTask m_reload;
    BackgroundTask m_lookup;
    BackgroundTask m_actions;
    bool m_reloadAgain = false;
    QSet<JobId> m_changedDuringReload; // newer than what the running reload will return
    QSet<QString> m_knownQueues;
    QSet<QString> m_knownTypes;
};
