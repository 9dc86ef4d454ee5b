#include "requestspanel.h"

#include "requestlogmodel.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

RequestsPanel::RequestsPanel(const RequestLog* log, QWidget* parent)
    : QWidget(parent)
    , m_log(log)
    , m_model(new RequestLogModel(2000, this))
    , m_filter(new QSortFilterProxyModel(this))
    , m_view(new QTableView(this))
    , m_errorsOnly(new QCheckBox(tr("Errors only"), this))
    , m_count(new QLabel(this))
{
    // The model says which rows are errors; the proxy keeps those with "true" while filtering.
    m_filter->setSourceModel(m_model);
    m_filter->setFilterRole(RequestLogModel::IsErrorRole);
    m_filter->setFilterKeyColumn(RequestLogModel::StatusColumn);
    m_errorsOnly->setToolTip(tr("Show only the requests answered with a 4xx or 5xx status"));
    connect(m_errorsOnly, &QCheckBox::toggled, this, [this](bool on) {
        m_filter->setFilterFixedString(on ? QStringLiteral("true") : QString());
        updateCount();
    });
    m_count->setAccessibleName(tr("Requests shown"));

    m_view->setModel(m_filter);
    m_view->setAccessibleName(tr("HTTP requests"));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    m_view->horizontalHeader()->setSectionResizeMode(RequestLogModel::AnswerColumn, QHeaderView::Stretch);
    const int digit = fontMetrics().horizontalAdvance(QLatin1Char('0'));
    const QList<int> widths = { 13, 8, 24, 7, 10, 28, 20 };
    for (int column = 0; column < widths.size(); ++column)
        m_view->setColumnWidth(column, widths[column] * digit + 16);

    auto* controls = new QHBoxLayout;
    controls->addWidget(m_errorsOnly);
    controls->addStretch(1);
    controls->addWidget(m_count);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(controls);
    layout->addWidget(m_view);

    for (auto signal : { &QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved })
        connect(m_filter, signal, this, &RequestsPanel::updateCount);
    updateCount();

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

void RequestsPanel::updateCount()
{
    const QLocale locale = QLocale::system();
    const int held = m_model->rowCount();
    const QString heldText = held == 1 ? tr("1 request") : tr("%1 requests").arg(locale.toString(held));
    if (m_errorsOnly->isChecked()) {
        const int errors = m_filter->rowCount();
        m_count->setText(errors == 1 ? tr("1 error of %1").arg(heldText)
                                     : tr("%1 errors of %2").arg(locale.toString(errors), heldText));
    } else {
        m_count->setText(heldText);
    }
}
