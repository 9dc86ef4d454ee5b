#pragma once

#include <QTableView>
#include <QTimer>

class WorkerModel;

// The worker table: a progress bar per busy slot, and elapsed times that tick between snapshots.
class WorkerView : public QTableView
{
    Q_OBJECT
public:
    explicit WorkerView(WorkerModel* model, QWidget* parent = nullptr);

private:
    // GUI thread only
    QTimer m_clock;
};
