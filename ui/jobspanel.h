#pragma once

#include "backgroundtask.h"
#include "engine.h"

#include <QSet>
#include <QTimer>
#include <QUrl>
#include <QWidget>

class BulkActions;
class JobDetails;
class JobFilterProxy;
class JobModel;
class QComboBox;
class QLabel;
class QLineEdit;
class QSplitter;
class QTableView;

// The job list with its filters, the details of the selected job, and the actions on the
// selection (cancel, retry, copy id, copy as curl). Snapshots are merged in place; when one
// lacks changes (the engine truncated it, or the change numbers skip some), every row held and
// the newest jobs are reconciled with the engine, one range of ids at a time off the GUI thread.
class JobsPanel : public QWidget
{
    Q_OBJECT
public:
    JobsPanel(Engine* engine, QThreadPool* pool, QWidget* parent = nullptr);

    void applySnapshot(const EngineSnapshot& snapshot);
    // Reads the current state of every job the table holds and of the newest ones (up to
    // newestRows), idsPerRead ids at a time, and merges each range as it arrives. Asked again
    // while it runs, it runs once more afterwards.
    void reconcile();
    bool isReconciling() const { return m_reconciling; }

    void setServerUrl(const QUrl& url);
    void setUsesToken(bool usesToken) { m_usesToken = usesToken; }

    JobModel* model() const { return m_model; }
    JobFilterProxy* proxy() const { return m_proxy; }
    QTableView* view() const { return m_view; }
    JobDetails* details() const { return m_details; }
    QSplitter* splitter() const { return m_splitter; }
    QComboBox* statusFilter() const { return m_status; }
    QComboBox* queueFilter() const { return m_queue; }
    QComboBox* typeFilter() const { return m_type; }
    QLineEdit* idSearch() const { return m_idSearch; }
    QLineEdit* errorCodeFilter() const { return m_errorCode; }
    QLineEdit* searchField() const { return m_search; } // Ctrl+F (MainWindow::findAction())
    BulkActions* bulkActions() const { return m_bulk; }
    // The table's filters (status, queue, type, error code, search) as an engine query.
    JobQuery filter() const;
    // filter() in the order of the sorted column, where it is one a query can sort by.
    JobQuery sortedQuery() const;
    bool isQuerying() const { return m_queryRead.isBusy(); }
    QLabel* emptyHint() const { return m_emptyHint; }
    QLabel* countLabel() const { return m_count; }
    QAction* cancelAction() const { return m_cancel; }
    QAction* retryAction() const { return m_retry; }
    QAction* runNowAction() const { return m_runNow; }
    QAction* copyIdAction() const { return m_copyId; }
    QAction* copyCurlAction() const { return m_copyCurl; }
    QList<JobId> selectedIds() const;
    std::optional<Job> currentJob() const;

    static constexpr int newestRows = 10000;
    static constexpr int idsPerRead = 1000; // a few milliseconds of reading and merging each
    // Rows a filter, search or sort brings in from the store beside the newest ones.
    static constexpr int queryRows = 1000;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

Q_SIGNALS:
    void message(const QString& text);
    void reconciled();
    void queryRowsArrived(); // the rows of the current filters and sort are in the table

private:
    struct IdRange
    {
        JobId from = 0;
        JobId to = 0;
        bool insertMissing = true; // false: only the rows held in it are checked
    };
    QList<IdRange> planReconcile() const;
    void readNextRange();
    void noteFilterValues(const Job& job);
    void applyFilters();
    void searchId();
    void applySearch();
    void sortChanged(int column, Qt::SortOrder order);
    // Brings in the first rows of sortedQuery() from the store, so that the table shows them
    // whether or not they are among the newest; pins them against trimming.
    void fetchQueryRows();
    void updateDetails();
    void updateActions();
    void updateCount();
    void updateEmptyHint();
    void applyToSelection(EngineResult<Job> (Engine::*operation)(JobId), const QString& done, const QList<JobId>& ids);
    // Asks first when the action would touch more than `askAbove` jobs (0: always).
    void confirmThenApply(
        EngineResult<Job> (Engine::*operation)(JobId), const QString& verb, const QString& done, int askAbove);
    void copyCurl();

    // set at construction, immutable
    Engine* m_engine;
    JobModel* m_model;
    JobFilterProxy* m_proxy;
    QComboBox* m_status;
    QComboBox* m_queue;
    QComboBox* m_type;
    QLineEdit* m_idSearch;
    QLineEdit* m_errorCode;
    QLineEdit* m_search;
    QLabel* m_count;
    QLabel* m_emptyHint = nullptr; // on the table's viewport
    QTableView* m_view;
    JobDetails* m_details;
    QSplitter* m_splitter;
    QAction* m_cancel;
    QAction* m_retry;
    QAction* m_runNow;
    QAction* m_copyId;
    QAction* m_copyCurl;
    BulkActions* m_bulk;
    // GUI thread only
    QUrl m_serverUrl;
    bool m_usesToken = false;
    BackgroundTask m_reconcileRead;
    BackgroundTask m_lookup;
    BackgroundTask m_actions;
    BackgroundTask m_queryRead;
    QTimer m_searchDelay; // typing: the search runs once the text rests
    QList<IdRange> m_reconcilePlan; // the ranges still to read
    bool m_reconciling = false;
    bool m_reconcileAgain = false;
    quint64 m_lastChangeSeq = 0; // of the last snapshot applied
    QSet<QString> m_knownQueues;
    QSet<QString> m_knownTypes;
};
