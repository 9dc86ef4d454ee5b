#include "jobspanel.h"

#include "bulkactions.h"
#include "curlcommand.h"
#include "jobdetails.h"
#include "jobfilterproxy.h"
#include "jobmodel.h"
#include "jobstatusstyle.h"
#include "progressdelegate.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QSplitter>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <optional>
#include <utility>

namespace {

// Adds `name` to a filter combo, keeping the entries after the "any" item sorted.
void addSorted(QComboBox* combo, const QString& name)
{
    int row = 1;
    while (row < combo->count() && QString::compare(combo->itemText(row), name, Qt::CaseInsensitive) < 0)
        ++row;
    combo->insertItem(row, name, name);
}

struct ActionOutcome
{
    int done = 0;
    QStringList errors;
};

} // namespace

JobsPanel::JobsPanel(Engine* engine, QThreadPool* pool, QWidget* parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_model(new JobModel(100000, this))
    , m_proxy(new JobFilterProxy(m_model, this))
    , m_status(new QComboBox(this))
    , m_queue(new QComboBox(this))
    , m_type(new QComboBox(this))
    , m_idSearch(new QLineEdit(this))
    , m_errorCode(new QLineEdit(this))
    , m_search(new QLineEdit(this))
    , m_count(new QLabel(this))
    , m_view(new QTableView(this))
    , m_details(new JobDetails(this))
    , m_splitter(new QSplitter(Qt::Horizontal, this))
    , m_cancel(new QAction(tr("Cancel"), this))
    , m_retry(new QAction(tr("Retry"), this))
    , m_runNow(new QAction(tr("Run now"), this))
    , m_copyId(new QAction(tr("Copy ID"), this))
    , m_copyCurl(new QAction(tr("Copy as curl"), this))
    , m_bulk(new BulkActions(
          engine, pool, [this] { return filter(); }, this))
    , m_reconcileRead(pool, this)
    , m_lookup(pool, this)
    , m_actions(pool, this)
    , m_queryRead(pool, this)
{
    m_status->addItem(tr("All statuses"));
    for (int i = 0; i < jobStatusCount; ++i) {
        const auto status = JobStatus(i);
        m_status->addItem(JobStatusStyle::icon(status), QString(statusName(status)), i);
    }
    m_queue->addItem(tr("All queues"));
    m_type->addItem(tr("All types"));
    for (const QString& type : m_engine->jobTypes()) {
        m_knownTypes.insert(type);
        addSorted(m_type, type);
    }
    m_queue->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_type->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_status->setAccessibleName(tr("Filter by status"));
    m_queue->setAccessibleName(tr("Filter by queue"));
    m_type->setAccessibleName(tr("Filter by type"));
    m_idSearch->setAccessibleName(tr("Find job by id"));
    m_idSearch->setPlaceholderText(tr("Find job by id"));
    m_idSearch->setClearButtonEnabled(true);
    m_idSearch->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9]{0,18}")), this));
    m_idSearch->setMaximumWidth(180);
    m_errorCode->setAccessibleName(tr("Filter by error code"));
    m_errorCode->setPlaceholderText(tr("Error code"));
    m_errorCode->setToolTip(tr("Only jobs whose error has this code, e.g. timeout or job_failed"));
    m_errorCode->setClearButtonEnabled(true);
    m_errorCode->setMaximumWidth(160);
    m_search->setAccessibleName(tr("Search jobs"));
    m_search->setPlaceholderText(tr("Search payloads and errors"));
    m_search->setToolTip(tr("Jobs whose payload or error message contains this text, in any case of A to Z (Ctrl+F); "
                            "from %1 characters on, the whole store is searched")
                             .arg(minSearchLength));
    m_search->setClearButtonEnabled(true);
    m_search->setMaxLength(maxSearchLength);
    m_search->setMaximumWidth(220);
    m_searchDelay.setSingleShot(true);
    m_searchDelay.setInterval(250);
    connect(&m_searchDelay, &QTimer::timeout, this, &JobsPanel::applySearch);
    connect(m_search, &QLineEdit::textChanged, this, [this] { m_searchDelay.start(); });
    connect(m_search, &QLineEdit::returnPressed, this, &JobsPanel::applySearch);
    for (QComboBox* combo : { m_status, m_queue, m_type })
        connect(combo, &QComboBox::currentIndexChanged, this, &JobsPanel::applyFilters);
    connect(m_errorCode, &QLineEdit::textChanged, this, &JobsPanel::applyFilters);
    connect(m_idSearch, &QLineEdit::textChanged, this, &JobsPanel::searchId);

    m_cancel->setToolTip(tr("Cancel the selected jobs (Delete)"));
    m_cancel->setShortcut(QKeySequence::Delete);
    m_cancel->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_retry->setToolTip(tr("Run the selected failed or cancelled jobs again"));
    m_runNow->setToolTip(tr("Put the selected scheduled jobs into their queues now, without waiting for their time"));
    connect(m_runNow, &QAction::triggered, this,
        [this] { confirmThenApply(&Engine::runNow, tr("Run now"), tr("Queued now"), 1); });
    m_copyId->setShortcut(QKeySequence::Copy);
    m_copyId->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_copyCurl->setToolTip(tr("Copy a curl command that submits a copy of the current job"));
    // Cancel always asks (Delete is easy to hit, and after Ctrl+A it means every row); Retry asks
    // for more than one job.
    connect(m_cancel, &QAction::triggered, this,
        [this] { confirmThenApply(&Engine::cancel, tr("Cancel"), tr("Cancelled"), 0); });
    connect(m_retry, &QAction::triggered, this,
        [this] { confirmThenApply(&Engine::retry, tr("Retry"), tr("Retried"), 1); });
    connect(m_bulk, &BulkActions::message, this, &JobsPanel::message);
    connect(m_bulk, &BulkActions::applied, this, &JobsPanel::reconcile);
    connect(m_copyId, &QAction::triggered, this, [this] {
        QStringList ids;
        for (JobId id : selectedIds())
            ids.append(QString::number(id));
        QApplication::clipboard()->setText(ids.join(QLatin1Char('\n')));
        Q_EMIT message(
            ids.size() == 1 ? tr("Copied the id %1").arg(ids.constFirst()) : tr("Copied %1 ids").arg(ids.size()));
    });
    connect(m_copyCurl, &QAction::triggered, this, &JobsPanel::copyCurl);

    auto* actions = new QToolBar(this);
    actions->setIconSize(QSize(16, 16));
    actions->addActions({ m_cancel, m_retry, m_runNow, m_copyId, m_copyCurl });
    auto* bulkButton = new QToolButton(this);
    bulkButton->setText(tr("All matching"));
    bulkButton->setToolTip(tr("Act on every job that matches the filters, not only the rows shown"));
    bulkButton->setAccessibleName(tr("Act on all matching jobs"));
    bulkButton->setPopupMode(QToolButton::InstantPopup);
    auto* bulkMenu = new QMenu(bulkButton);
    bulkMenu->addActions(m_bulk->actions());
    bulkButton->setMenu(bulkMenu);
    actions->addWidget(bulkButton);

    m_view->setModel(m_proxy);
    m_emptyHint = new QLabel(m_view->viewport());
    m_emptyHint->setObjectName(QStringLiteral("emptyJobsHint"));
    m_emptyHint->setAccessibleName(tr("How to begin"));
    m_emptyHint->setAlignment(Qt::AlignCenter);
    m_emptyHint->setWordWrap(true);
    m_emptyHint->setTextFormat(Qt::RichText);
    m_emptyHint->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_emptyHint->setOpenExternalLinks(true);
    m_emptyHint->setContentsMargins(16, 16, 16, 16);
    m_view->viewport()->installEventFilter(this);
    m_view->setAccessibleName(tr("Jobs"));
    m_count->setAccessibleName(tr("Jobs shown"));
    m_view->setItemDelegateForColumn(JobModel::ProgressColumn, new ProgressDelegate(m_view));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_view->addActions({ m_cancel, m_retry, m_runNow, m_copyId, m_copyCurl });
    // Fixed row heights and no resize-to-contents: the view never measures 100,000 rows.
    QHeaderView* rows = m_view->verticalHeader();
    rows->hide();
    rows->setSectionResizeMode(QHeaderView::Fixed);
    rows->setDefaultSectionSize(fontMetrics().height() + 8);
    QHeaderView* columns = m_view->horizontalHeader();
    columns->setHighlightSections(false);
    // Newest first until a header is clicked; the columns a query can sort by bring in the
    // store's first rows in that order (fetchQueryRows()), the others order the rows held.
    columns->setSortIndicator(JobModel::IdColumn, Qt::DescendingOrder);
    m_view->setSortingEnabled(true);
    connect(columns, &QHeaderView::sortIndicatorChanged, this, &JobsPanel::sortChanged);
    columns->setSectionResizeMode(JobModel::ErrorColumn, QHeaderView::Stretch); // fills, and shrinks to fit
    const int digit = fontMetrics().horizontalAdvance(QLatin1Char('0'));
    const QList<int> widths = { 6, 10, 7, 7, 5, 6, 10, 11, 12 }; // run time: also "due 14:03:07"
    for (int column = 0; column < widths.size(); ++column)
        m_view->setColumnWidth(column, widths[column] * digit + 16);

    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &JobsPanel::updateActions);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &JobsPanel::updateDetails);
    connect(m_model, &QAbstractItemModel::dataChanged, this,
        [this](const QModelIndex& topLeft, const QModelIndex& bottomRight) {
            const int current = m_proxy->mapToSource(m_view->currentIndex()).row();
            if (current >= topLeft.row() && current <= bottomRight.row())
                updateDetails();
            if (m_view->selectionModel()->hasSelection())
                updateActions(); // a selected job may have changed state
        });
    for (auto signal : { &QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved })
        connect(m_proxy, signal, this, &JobsPanel::updateCount);
    connect(m_proxy, &QAbstractItemModel::modelReset, this, &JobsPanel::updateCount);
    // A callback job, or the job a callback reports on: found as "Find job by id" finds it.
    connect(m_details, &JobDetails::jobLinkActivated, this, [this](JobId id) {
        const QString text = QString::number(id);
        if (m_idSearch->text() == text)
            searchId();
        else
            m_idSearch->setText(text); // searches
    });

    auto* filters = new QHBoxLayout;
    filters->addWidget(m_status);
    filters->addWidget(m_queue);
    filters->addWidget(m_type);
    filters->addWidget(m_errorCode);
    filters->addWidget(m_search);
    filters->addWidget(m_idSearch);
    filters->addWidget(actions);
    filters->addStretch(1);
    filters->addWidget(m_count);

    m_splitter->addWidget(m_view);
    m_splitter->addWidget(m_details);
    m_splitter->setStretchFactor(0, 2);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setObjectName(QStringLiteral("jobsSplitter"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(filters);
    layout->addWidget(m_splitter, 1);

    updateActions();
    updateCount();
    reconcile();
}

void JobsPanel::applySnapshot(const EngineSnapshot& snapshot)
{
    const bool missedChanges = snapshot.changesTruncated || snapshot.previousChangeSeq != m_lastChangeSeq;
    m_lastChangeSeq = snapshot.changeSeq;
    if (!snapshot.changedJobs.isEmpty()) {
        for (const JobChange& change : snapshot.changedJobs)
            noteFilterValues(change.job);
        m_model->applyChanges(snapshot.changedJobs);
        updateCount();
    }
    if (missedChanges)
        reconcile();
}

void JobsPanel::reconcile()
{
    // One pass at a time, and a whole one: restarting on every truncated snapshot of a long
    // burst would never reach the oldest rows.
    if (m_reconciling) {
        m_reconcileAgain = true;
        return;
    }
    m_reconciling = true;
    m_reconcilePlan = planReconcile();
    readNextRange();
}

QList<JobsPanel::IdRange> JobsPanel::planReconcile() const
{
    // Every id from the newest job down to the oldest row held (ids are dense: a job the table
    // lacks in between is missing from it), at most as many as the table holds...
    QList<IdRange> plan;
    const JobId top = m_engine->lastJobId();
    const int rows = m_model->rowCount();
    JobId low = top - newestRows + 1;
    if (rows > 0)
        low = std::min(low, m_model->jobAt(rows - 1).id);
    low = std::max({ low, top - JobId(m_model->maxRows()) + 1, JobId(1) });
    for (JobId to = top; to >= low; to -= idsPerRead)
        plan.append({ std::max(low, to - idsPerRead + 1), to, true });
    // ...and the rows below that (old jobs found by id), in ranges around them only.
    int row = 0;
    while (row < rows && m_model->jobAt(row).id >= low)
        ++row;
    while (row < rows) {
        const JobId to = m_model->jobAt(row).id;
        JobId from = to;
        for (++row; row < rows && to - m_model->jobAt(row).id < idsPerRead; ++row)
            from = m_model->jobAt(row).id;
        plan.append({ from, to, false });
    }
    return plan;
}

void JobsPanel::readNextRange()
{
    if (m_reconcilePlan.isEmpty()) {
        m_reconciling = false;
        updateCount();
        Q_EMIT reconciled();
        if (std::exchange(m_reconcileAgain, false))
            reconcile();
        return;
    }
    const IdRange range = m_reconcilePlan.takeFirst();
    m_reconcileRead.run([engine = m_engine, range] { return engine->currentJobs(range.from, range.to); },
        [this, range](const CurrentJobs& current) {
            for (const Job& job : current.jobs)
                noteFilterValues(job);
            m_model->reconcile(range.from, range.to, current, range.insertMissing);
            updateCount();
            readNextRange();
        });
}

void JobsPanel::noteFilterValues(const Job& job)
{
    if (!m_knownQueues.contains(job.queue)) {
        m_knownQueues.insert(job.queue);
        addSorted(m_queue, job.queue);
    }
    if (!m_knownTypes.contains(job.type)) {
        m_knownTypes.insert(job.type);
        addSorted(m_type, job.type);
    }
}

void JobsPanel::applyFilters()
{
    const std::optional<JobStatus> status = filter().status;
    const bool toScheduled
        = status == JobStatus::Scheduled && m_proxy->querySort(JobModel::DurationColumn) != JobSort::Due;
    const bool fromScheduled
        = status != JobStatus::Scheduled && m_proxy->querySort(JobModel::DurationColumn) == JobSort::Due;
    m_proxy->setStatus(status);
    m_proxy->setQueue(m_queue->currentData().toString());
    m_proxy->setType(m_type->currentData().toString());
    m_proxy->setErrorCode(m_errorCode->text().trimmed());
    m_bulk->setStatusFilter(status);
    updateCount();
    // The scheduled view: soonest due first, as they will run. Left, the due order goes too.
    QHeaderView* columns = m_view->horizontalHeader();
    std::optional<std::pair<int, Qt::SortOrder>> sort;
    if (toScheduled)
        sort = std::make_pair(int(JobModel::DurationColumn), Qt::AscendingOrder);
    else if (fromScheduled && columns->sortIndicatorSection() == JobModel::DurationColumn)
        sort = std::make_pair(int(JobModel::IdColumn), Qt::DescendingOrder);
    if (sort && (sort->first != columns->sortIndicatorSection() || sort->second != columns->sortIndicatorOrder()))
        columns->setSortIndicator(sort->first, sort->second); // fetches, through sortChanged()
    else
        fetchQueryRows();
}

void JobsPanel::applySearch()
{
    m_searchDelay.stop();
    m_proxy->setSearch(m_search->text());
    updateCount();
    fetchQueryRows();
}

void JobsPanel::sortChanged(int column, Qt::SortOrder order)
{
    Q_UNUSED(column);
    Q_UNUSED(order);
    fetchQueryRows();
}

JobQuery JobsPanel::sortedQuery() const
{
    JobQuery query = filter();
    const QHeaderView* columns = m_view->horizontalHeader();
    if (const std::optional<JobSort> sort = m_proxy->querySort(columns->sortIndicatorSection())) {
        query.sort = *sort;
        query.ascending = columns->sortIndicatorOrder() == Qt::AscendingOrder;
    }
    query.limit = queryRows;
    return query;
}

void JobsPanel::fetchQueryRows()
{
    const JobQuery query = sortedQuery();
    const bool newestOfAll = !query.status && query.queue.isEmpty() && query.type.isEmpty() && query.errorCode.isEmpty()
        && query.search.isEmpty() && query.sort == JobSort::Created && !query.ascending;
    // A short search has no index in the store: the rows held are searched, not every job.
    if (newestOfAll || (!query.search.isEmpty() && searchLength(query.search) < minSearchLength)) {
        m_queryRead.cancel();
        m_model->adopt({}); // the newest rows are the table's own; earlier query rows may go
        updateCount();
        Q_EMIT queryRowsArrived();
        return;
    }
    m_queryRead.run([engine = m_engine, query] { return engine->findJobs(query); },
        [this](const CurrentJobs& found) {
            for (const Job& job : found.jobs)
                noteFilterValues(job);
            m_model->adopt(found);
            updateCount();
            Q_EMIT queryRowsArrived();
        });
}

JobQuery JobsPanel::filter() const
{
    JobQuery query;
    const QVariant status = m_status->currentData();
    if (status.isValid())
        query.status = JobStatus(status.toInt());
    query.queue = m_queue->currentData().toString();
    query.type = m_type->currentData().toString();
    query.errorCode = m_errorCode->text().trimmed();
    query.search = m_proxy->search(); // as applied, once the typing rested
    return query;
}

void JobsPanel::searchId()
{
    bool ok = false;
    const JobId id = m_idSearch->text().toLongLong(&ok);
    m_proxy->setJobId(ok ? std::optional(id) : std::nullopt);
    updateCount();
    if (!ok)
        return;
    const auto select = [this] {
        if (m_proxy->rowCount() > 0)
            m_view->setCurrentIndex(m_proxy->index(0, 0));
    };
    if (m_model->rowOf(id) >= 0) {
        select();
        return;
    }
    // Not among the recent rows: ask the engine, which may hold it in its store.
    m_lookup.run([engine = m_engine, id] { return engine->currentJobs(id, id); },
        [this, id, select](const CurrentJobs& current) {
            if (current.jobs.isEmpty()) {
                Q_EMIT message(tr("No job with id %1").arg(id));
                return;
            }
            noteFilterValues(current.jobs.constFirst());
            m_model->reconcile(id, id, current, true);
            updateCount();
            select();
        });
}

QList<JobId> JobsPanel::selectedIds() const
{
    QList<JobId> ids;
    for (const QModelIndex& index : m_view->selectionModel()->selectedRows())
        ids.append(index.data(JobModel::JobIdRole).toLongLong());
    return ids;
}

std::optional<Job> JobsPanel::currentJob() const
{
    const QModelIndex source = m_proxy->mapToSource(m_view->currentIndex());
    if (!source.isValid())
        return std::nullopt;
    return m_model->jobAt(source.row());
}

void JobsPanel::updateDetails()
{
    m_details->setJob(currentJob());
}

void JobsPanel::updateActions()
{
    // Cancel and Retry only when some selected job is in a state they apply to. Walks the
    // selection's ranges and stops once both are known: Ctrl+A on 100,000 rows stays cheap.
    const bool any = m_view->selectionModel()->hasSelection();
    bool cancellable = false;
    bool retryable = false;
    bool scheduled = false;
    const auto allKnown = [&] { return cancellable && retryable && scheduled; };
    for (const QItemSelectionRange& range : m_view->selectionModel()->selection()) {
        for (int row = range.top(); row <= range.bottom() && !allKnown(); ++row) {
            const JobStatus status = m_model->jobAt(m_proxy->mapToSource(m_proxy->index(row, 0)).row()).status;
            cancellable = cancellable || !isFinished(status);
            retryable = retryable || status == JobStatus::Failed || status == JobStatus::Cancelled;
            scheduled = scheduled || status == JobStatus::Scheduled;
        }
        if (allKnown())
            break;
    }
    m_cancel->setEnabled(cancellable);
    m_retry->setEnabled(retryable);
    m_runNow->setEnabled(scheduled);
    m_copyId->setEnabled(any);
    m_copyCurl->setEnabled(m_view->currentIndex().isValid());
}

void JobsPanel::updateCount()
{
    const int held = m_model->rowCount();
    const QString heldText
        = held == 1 ? tr("1 recent job") : tr("%1 recent jobs").arg(QLocale::system().toString(held));
    if (m_proxy->isFiltering())
        m_count->setText(tr("%1 of %2").arg(QLocale::system().toString(m_proxy->rowCount()), heldText));
    else
        m_count->setText(heldText);
    updateEmptyHint();
}

void JobsPanel::confirmThenApply(
    EngineResult<Job> (Engine::*operation)(JobId), const QString& verb, const QString& done, int askAbove)
{
    const QList<JobId> ids = selectedIds(); // as asked about, whatever the selection becomes
    const qsizetype count = ids.size();
    if (count == 0)
        return;
    if (count <= askAbove) {
        applyToSelection(operation, done, ids);
        return;
    }
    const QString jobs
        = count == 1 ? tr("the selected job") : tr("the %1 selected jobs").arg(QLocale::system().toString(count));
    auto* box = new QMessageBox(QMessageBox::Question, verb, tr("%1 %2?").arg(verb, jobs), QMessageBox::No, this);
    box->setObjectName(QStringLiteral("selectionQuestion"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton* yes = box->addButton(
        count == 1 ? tr("%1 1 job").arg(verb) : tr("%1 %2 jobs").arg(verb, QLocale::system().toString(count)),
        QMessageBox::YesRole);
    box->setDefaultButton(QMessageBox::No);
    connect(box, &QMessageBox::buttonClicked, this, [this, yes, operation, done, ids](QAbstractButton* clicked) {
        if (clicked == yes)
            applyToSelection(operation, done, ids);
    });
    box->open();
}

void JobsPanel::applyToSelection(
    EngineResult<Job> (Engine::*operation)(JobId), const QString& done, const QList<JobId>& ids)
{
    if (ids.isEmpty())
        return;
    m_actions.run(
        [engine = m_engine, ids, operation] {
            ActionOutcome outcome;
            for (JobId id : ids) {
                const EngineResult<Job> result = (engine->*operation)(id);
                if (const auto* error = std::get_if<EngineError>(&result))
                    outcome.errors.append(QStringLiteral("%1: %2").arg(id).arg(error->message));
                else
                    ++outcome.done;
            }
            return outcome;
        },
        [this, done](const ActionOutcome& outcome) {
            const qsizetype asked = outcome.done + outcome.errors.size();
            QString text = asked == 1 ? tr("%1 %2 of 1 job").arg(done).arg(outcome.done)
                                      : tr("%1 %2 of %3 jobs").arg(done).arg(outcome.done).arg(asked);
            if (!outcome.errors.isEmpty())
                text += QStringLiteral(" — ") + outcome.errors.mid(0, 3).join(QStringLiteral("; "));
            Q_EMIT message(text);
        });
}

bool JobsPanel::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_view->viewport() && event->type() == QEvent::Resize)
        m_emptyHint->resize(m_view->viewport()->size());
    return QWidget::eventFilter(watched, event);
}

void JobsPanel::setServerUrl(const QUrl& url)
{
    m_serverUrl = url;
    updateEmptyHint();
}

void JobsPanel::updateEmptyHint()
{
    // Over the empty table: how to begin, with this server's real address.
    const bool empty = m_proxy->rowCount() == 0 && !m_reconciling;
    m_emptyHint->setVisible(empty);
    if (!empty)
        return;
    if (m_proxy->isFiltering() || m_model->rowCount() > 0) {
        m_emptyHint->setText(tr("No recent job matches the filters."));
    } else {
        const QString url = m_serverUrl.toString();
        m_emptyHint->setText(tr("<p><b>No jobs yet.</b> Submit one with the Submit form (Ctrl+N), or over HTTP:</p>"
                                "<pre>curl -s %1/jobs -H 'Content-Type: application/json' \\\n"
                                "     -d '{\"type\":\"echo\",\"payload\":{\"hello\":\"world\"}}'</pre>"
                                "<p>The whole API is described at <a href=\"%1/openapi.json\">%1/openapi.json</a>.</p>")
                                 .arg(url.toHtmlEscaped()));
    }
    m_emptyHint->resize(m_view->viewport()->size());
}

void JobsPanel::copyCurl()
{
    if (const std::optional<Job> job = currentJob()) {
        QApplication::clipboard()->setText(curlCommand(m_serverUrl, *job, m_usesToken));
        Q_EMIT message(tr("Copied a curl command that submits a copy of job %1").arg(job->id));
    }
}
