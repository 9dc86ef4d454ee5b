#include "workerview.h"

#include "progressdelegate.h"
#include "workermodel.h"

#include <QDateTime>
#include <QHeaderView>

WorkerView::WorkerView(WorkerModel* model, QWidget* parent)
    : QTableView(parent)
{
    setModel(model);
    setAccessibleName(tr("Workers"));
    setItemDelegateForColumn(WorkerModel::ProgressColumn, new ProgressDelegate(this));
    setSelectionMode(QAbstractItemView::NoSelection);
    setAlternatingRowColors(true);
    setShowGrid(false);
    verticalHeader()->hide();
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    horizontalHeader()->setSectionResizeMode(WorkerModel::ProgressColumn, QHeaderView::Stretch);
    horizontalHeader()->setMinimumSectionSize(40);

    m_clock.setInterval(500);
    connect(&m_clock, &QTimer::timeout, model, [model] { model->setNow(QDateTime::currentMSecsSinceEpoch()); });
    m_clock.start();
}
