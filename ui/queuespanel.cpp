#include "queuespanel.h"

#include "defaultlimits.h"
#include "queuemodel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSpinBox>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

QueuesPanel::QueuesPanel(Engine* engine, QThreadPool* pool, QWidget* parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_model(new QueueModel(this))
    , m_view(new QTableView(this))
    , m_pause(new QAction(tr("Pause"), this))
    , m_resume(new QAction(tr("Resume"), this))
    , m_concurrency(new QSpinBox(this))
    , m_concurrencyLabel(new QLabel(tr("Concurrency:"), this))
    , m_pauseAll(new QAction(tr("Pause all processing"), this))
    , m_pausedBanner(new QLabel(this))
    , m_reader(pool, this)
    , m_actions(pool, this)
{
    m_pause->setToolTip(tr("Stop starting jobs from the selected queue; running ones finish"));
    m_resume->setToolTip(tr("Start jobs from the selected queue again"));
    connect(m_pause, &QAction::triggered, this, [this] { setPaused(true); });
    connect(m_resume, &QAction::triggered, this, [this] { setPaused(false); });

    // 0 is "no limit"; applied on Enter, arrow clicks and focus loss, not on every keystroke.
    m_concurrency->setRange(0, Limits::maxWorkers);
    m_concurrency->setSpecialValueText(tr("no limit"));
    m_concurrency->setKeyboardTracking(false);
    m_concurrency->setToolTip(tr("How many jobs of the selected queue may run at once"));
    m_concurrencyLabel->setBuddy(m_concurrency);
    m_concurrency->setAccessibleName(tr("Concurrency"));
    connect(m_concurrency, &QSpinBox::valueChanged, this, &QueuesPanel::setConcurrency);

    m_pauseAll->setCheckable(true);
    m_pauseAll->setToolTip(tr("No job starts in any queue, nor through a lease, until unchecked; submissions are "
                              "still accepted and wait. Running jobs finish."));
    connect(m_pauseAll, &QAction::triggered, this, &QueuesPanel::setProcessingPaused);
    m_pausedBanner->setObjectName(QStringLiteral("processingPausedBanner"));
    m_pausedBanner->setText(
        tr("All processing is paused: new jobs are accepted and wait in their queues; none starts until resumed."));
    m_pausedBanner->setWordWrap(true);
    m_pausedBanner->setStyleSheet(
        QStringLiteral("QLabel { background: #fff3e0; color: #8a4b00; border: 1px solid #ffb74d; padding: 4px; }"));
    m_pausedBanner->setAccessibleName(tr("Processing state"));
    m_pausedBanner->hide();

    auto* actions = new QToolBar(this);
    actions->setIconSize(QSize(16, 16));
    actions->addActions({ m_pause, m_resume });
    auto* allActions = new QToolBar(this);
    allActions->addAction(m_pauseAll);

    m_view->setModel(m_model);
    m_view->setAccessibleName(tr("Queues"));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_view->addActions({ m_pause, m_resume });
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    // Names fit their column; the figures get room for large counts and "no limit".
    const int digit = fontMetrics().horizontalAdvance(QLatin1Char('0'));
    QHeaderView* columns = m_view->horizontalHeader();
    columns->setHighlightSections(false);
    columns->setMinimumSectionSize(10 * digit);
    columns->setSectionResizeMode(QueueModel::NameColumn, QHeaderView::ResizeToContents);
    for (int column = QueueModel::StateColumn; column < QueueModel::ColumnCount; ++column)
        m_view->setColumnWidth(column, 10 * digit + 16);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &QueuesPanel::updateControls);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &QueuesPanel::updateControls);

    auto* controls = new QHBoxLayout;
    controls->addWidget(actions);
    controls->addSpacing(12);
    controls->addWidget(m_concurrencyLabel);
    controls->addWidget(m_concurrency);
    controls->addStretch(1);
    controls->addWidget(allActions);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(controls);
    layout->addWidget(m_pausedBanner);
    layout->addWidget(m_view, 1);

    // Queue figures are not in the snapshots: poll, but only while someone looks.
    m_poll.setInterval(pollIntervalMs);
    connect(&m_poll, &QTimer::timeout, this, [this] {
        if (isVisible())
            refresh();
    });
    m_poll.start();
    updateControls();
    refresh();
}

void QueuesPanel::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    refresh();
}

void QueuesPanel::refresh()
{
    // Engine::queues() is quick, but it takes the engine's lock: never on the GUI thread.
    if (m_reader.isBusy())
        return;
    m_reader.run([engine = m_engine] { return std::pair(engine->queues(), engine->isProcessingPaused()); },
        [this](std::pair<QList<QueueInfo>, bool> state) {
            m_model->setQueues(std::move(state.first));
            showProcessingPaused(state.second);
            if (selectedQueue().isEmpty() && m_model->rowCount() > 0)
                selectQueue(m_model->queueAt(0).name);
            Q_EMIT refreshed();
        });
}

void QueuesPanel::selectQueue(const QString& name)
{
    const int row = m_model->rowOf(name);
    if (row >= 0)
        m_view->selectRow(row);
}

QString QueuesPanel::selectedQueue() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.constFirst().data(QueueModel::NameRole).toString();
}

void QueuesPanel::setPaused(bool paused)
{
    const QString name = selectedQueue();
    if (name.isEmpty())
        return;
    apply([name, paused](Engine* engine) { return engine->setQueuePaused(name, paused); },
        paused ? tr("Paused queue %1").arg(name) : tr("Resumed queue %1").arg(name));
}

void QueuesPanel::setConcurrency(int limit)
{
    const QString name = selectedQueue();
    const int row = m_model->rowOf(name);
    if (row < 0 || m_model->queueAt(row).concurrency == limit)
        return;
    apply([name, limit](Engine* engine) { return engine->setQueueConcurrency(name, limit); },
        limit > 0 ? tr("Queue %1 runs at most %2 jobs at once").arg(name).arg(limit)
                  : tr("Queue %1 has no concurrency limit").arg(name));
}

void QueuesPanel::setProcessingPaused(bool paused)
{
    m_actions.run(
        [engine = m_engine, paused] {
            engine->setProcessingPaused(paused);
            return engine->isProcessingPaused();
        },
        [this](bool nowPaused) {
            m_reader.cancel();
            showProcessingPaused(nowPaused);
            Q_EMIT message(
                nowPaused ? tr("Paused all processing: jobs are accepted and wait") : tr("Resumed processing"));
            refresh();
            Q_EMIT applied();
        });
}

void QueuesPanel::showProcessingPaused(bool paused)
{
    m_pauseAll->setChecked(paused);
    m_pauseAll->setText(paused ? tr("Resume all processing") : tr("Pause all processing"));
    m_pausedBanner->setVisible(paused);
    m_model->setProcessingPaused(paused);
}

void QueuesPanel::apply(std::function<EngineResult<QueueInfo>(Engine*)> operation, const QString& done)
{
    m_actions.run([engine = m_engine, operation = std::move(operation)] { return operation(engine); },
        [this, done](const EngineResult<QueueInfo>& result) {
            // A poll still under way may have read the queues before this change: drop it.
            m_reader.cancel();
            if (const auto* error = std::get_if<EngineError>(&result)) {
                Q_EMIT message(error->message);
            } else {
                m_model->updateQueue(std::get<QueueInfo>(result));
                Q_EMIT message(done);
            }
            updateControls();
            refresh();
            Q_EMIT applied();
        });
}

void QueuesPanel::updateControls()
{
    const int row = m_model->rowOf(selectedQueue());
    const bool selected = row >= 0;
    m_pause->setEnabled(selected && !m_model->queueAt(row).paused);
    m_resume->setEnabled(selected && m_model->queueAt(row).paused);
    m_concurrency->setEnabled(selected);
    m_concurrencyLabel->setEnabled(selected);
    // Follow the engine, but never overwrite what the user is typing.
    if (selected && !m_concurrency->hasFocus()) {
        const QSignalBlocker blocker(m_concurrency);
        m_concurrency->setValue(m_model->queueAt(row).concurrency);
    }
}
