#include "requestspanel.h"

#include "requestlogmodel.h"

#include <QHeaderView>
#include <QTableView>
#include <QVBoxLayout>

RequestsPanel::RequestsPanel(const RequestLog* log, QWidget* parent)
    : QWidget(parent)
    , m_log(log)
    , m_model(new RequestLogModel(2000, this))
    , m_view(new QTableView(this))
{
    m_view->setModel(m_model);
    m_view->setAccessibleName(tr("HTTP requests"));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    m_view->horizontalHeader()->setSectionResizeMode(RequestLogModel::BodyColumn, QHeaderView::Stretch);
    const int digit = fontMetrics().horizontalAdvance(QLatin1Char('0'));
    const QList<int> widths = { 13, 8, 24, 7, 10 };
    for (int column = 0; column < widths.size(); ++column)
        m_view->setColumnWidth(column, widths[column] * digit + 16);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_view);

    // The log is a bounded, thread-safe ring: copying what is new is cheap enough for the GUI thread.
    m_timer.setInterval(pollIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &RequestsPanel::poll);
    if (m_log)
        m_timer.start();
}

void RequestsPanel::poll()
{
    if (m_log)
        m_model->poll(*m_log);
}
