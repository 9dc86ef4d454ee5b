#pragma once

#include "backgroundtask.h"
#include "engine.h"

#include <QObject>

#include <functional>

class QAction;
class QMessageBox;
class QWidget;

// "Act on every job that matches the filters": retry the failed ones, cancel the queued and
// scheduled ones, delete the finished ones. Each first counts what it would touch (a dry run,
// off the GUI thread), says how many and asks; only a yes acts, through Engine::bulk().
class BulkActions : public QObject
{
    Q_OBJECT
public:
    using FilterSource = std::function<JobQuery()>; // the table's filters, read when triggered
    BulkActions(Engine* engine, QThreadPool* pool, FilterSource filter, QWidget* dialogParent);

    QAction* action(BulkAction which) const { return m_actions[int(which)]; }
    QList<QAction*> actions() const { return m_actions; }
    // Enables the actions that apply to jobs of `status` (the status filter; nullopt: any).
    void setStatusFilter(std::optional<JobStatus> status);
    bool isBusy() const { return m_work.isBusy(); }

    // What a question says, e.g. "Retry 3 failed jobs of queue “mail”?". Public for tests.
    static QString question(BulkAction which, const JobQuery& filter, qint64 count);

Q_SIGNALS:
    void message(const QString& text);
    void applied(); // jobs changed: views may reconcile

private:
    void count(BulkAction which);
    void ask(BulkAction which, const JobQuery& filter, qint64 count);
    void apply(BulkAction which, const JobQuery& filter);

    // set at construction, immutable
    Engine* m_engine;
    FilterSource m_filter;
    QWidget* m_dialogParent;
    QList<QAction*> m_actions; // indexed by BulkAction
    // GUI thread only
    BackgroundTask m_work;
};
