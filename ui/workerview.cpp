#include "workerview.h"

#include "engineclock.h"
#include "progressdelegate.h"
#include "workermodel.h"

#include <QAction>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

namespace {

QString errorText(const EngineError& error)
{
    return error.message;
}

} // namespace

WorkerView::WorkerView(Engine* engine, QThreadPool* pool, WorkerModel* model, QWidget* parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_model(model)
    , m_view(new QTableView(this))
    , m_quiet(new QAction(tr("Quiet"), this))
    , m_stop(new QAction(tr("Stop"), this))
    , m_resume(new QAction(tr("Resume"), this))
    , m_quietAll(new QAction(tr("Quiet all"), this))
    , m_stopAll(new QAction(tr("Stop all"), this))
    , m_resumeAll(new QAction(tr("Resume all"), this))
    , m_expire(new QAction(tr("Expire lease now"), this))
    , m_jobType(new QLineEdit(this))
    , m_declare(new QPushButton(tr("Declare"), this))
    , m_declared(new QLabel(this))
    , m_actions(pool, this)
    , m_reader(pool, this)
{
    m_quiet->setToolTip(tr("The selected worker takes no new jobs and finishes the ones it holds"));
    m_stop->setToolTip(tr("The selected worker is told to stop at its next beat"));
    m_resume->setToolTip(tr("The selected worker takes jobs again"));
    m_quietAll->setToolTip(tr("Every external worker takes no new jobs"));
    m_stopAll->setToolTip(tr("Every external worker is told to stop at its next beat"));
    m_resumeAll->setToolTip(tr("Every external worker takes jobs again"));
    m_expire->setToolTip(tr("End the selected job's lease now: the attempt fails with lease_expired and the "
                            "job follows its retries"));
    connect(m_quiet, &QAction::triggered, this, [this] { setDirective(WorkerDirective::Quiet); });
    connect(m_stop, &QAction::triggered, this, [this] { setDirective(WorkerDirective::Terminate); });
    connect(m_resume, &QAction::triggered, this, [this] { setDirective(WorkerDirective::Ok); });
    connect(m_quietAll, &QAction::triggered, this, [this] { setDirectiveForAll(WorkerDirective::Quiet); });
    connect(m_stopAll, &QAction::triggered, this, [this] { setDirectiveForAll(WorkerDirective::Terminate); });
    connect(m_resumeAll, &QAction::triggered, this, [this] { setDirectiveForAll(WorkerDirective::Ok); });
    connect(m_expire, &QAction::triggered, this, &WorkerView::expireSelectedLease);

    auto* actions = new QToolBar(this);
    actions->setIconSize(QSize(16, 16));
    actions->addActions({ m_quiet, m_stop, m_resume });
    actions->addSeparator();
    actions->addActions({ m_quietAll, m_stopAll, m_resumeAll });
    actions->addSeparator();
    actions->addAction(m_expire);

    m_view->setModel(model);
    m_view->setAccessibleName(tr("Workers"));
    m_view->setItemDelegateForColumn(WorkerModel::ProgressColumn, new ProgressDelegate(this));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_view->addActions({ m_quiet, m_stop, m_resume, m_expire });
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    QHeaderView* columns = m_view->horizontalHeader();
    columns->setHighlightSections(false);
    columns->setSectionResizeMode(QHeaderView::ResizeToContents);
    columns->setSectionResizeMode(WorkerModel::ProgressColumn, QHeaderView::Interactive);
    columns->setMinimumSectionSize(40);
    m_view->setColumnWidth(WorkerModel::ProgressColumn, 120);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &WorkerView::updateControls);
    connect(model, &QAbstractItemModel::dataChanged, this, &WorkerView::updateControls);
    connect(model, &QAbstractItemModel::rowsInserted, this, &WorkerView::updateControls);
    connect(model, &QAbstractItemModel::rowsRemoved, this, &WorkerView::updateControls);

    // The same as --job-type: jobs of a declared type wait for an external worker.
    auto* typeLabel = new QLabel(tr("Job &type for your workers:"), this);
    typeLabel->setBuddy(m_jobType);
    m_jobType->setAccessibleName(tr("Job type for your workers"));
    m_jobType->setPlaceholderText(tr("e.g. resize-image"));
    m_jobType->setToolTip(tr("Accept jobs of this type for external workers (remembered in the database, as "
                             "--job-type is)"));
    m_declare->setAccessibleName(tr("Declare job type"));
    m_declare->setEnabled(false);
    m_declared->setAccessibleName(tr("Declared job types"));
    m_declared->setTextInteractionFlags(Qt::TextSelectableByMouse);
    connect(m_jobType, &QLineEdit::textChanged, this,
        [this](const QString& text) { m_declare->setEnabled(!text.trimmed().isEmpty()); });
    connect(m_jobType, &QLineEdit::returnPressed, this, &WorkerView::declareType);
    connect(m_declare, &QPushButton::clicked, this, &WorkerView::declareType);

    auto* types = new QHBoxLayout;
    types->addWidget(typeLabel);
    types->addWidget(m_jobType);
    types->addWidget(m_declare);
    types->addWidget(m_declared, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(actions);
    layout->addWidget(m_view, 1);
    layout->addLayout(types);

    // Elapsed times, last beats and expiries move between snapshots.
    m_clock.setInterval(500);
    // In the jobs' own time, which the virtual clock may move.
    connect(&m_clock, &QTimer::timeout, model, [this, model] { model->setNow(m_engine->clock().now()); });
    m_clock.start();
    updateControls();
}

void WorkerView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    refreshDeclaredTypes();
}

bool WorkerView::selectWorker(const QString& workerId)
{
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const WorkerRow& r = m_model->rows().at(row);
        if (r.external && r.workerId == workerId) {
            m_view->selectRow(row);
            return true;
        }
    }
    return false;
}

bool WorkerView::selectJob(JobId id)
{
    for (int row = 0; row < m_model->rowCount(); ++row) {
        if (m_model->rows().at(row).jobId == id) {
            m_view->selectRow(row);
            return true;
        }
    }
    return false;
}

QString WorkerView::selectedWorker() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.constFirst().data(WorkerModel::WorkerIdRole).toString();
}

JobId WorkerView::selectedJob() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? 0 : rows.constFirst().data(WorkerModel::JobIdRole).toLongLong();
}

void WorkerView::setDirective(WorkerDirective directive)
{
    const QString id = selectedWorker();
    if (id.isEmpty())
        return;
    m_actions.run([engine = m_engine, id, directive] { return engine->setWorkerDirective(id, directive); },
        [this, id, directive](const EngineResult<ExternalWorkerStatus>& result) {
            if (const auto* error = std::get_if<EngineError>(&result))
                Q_EMIT message(errorText(*error));
            else if (directive == WorkerDirective::Ok)
                Q_EMIT message(tr("Worker %1 takes jobs again").arg(id));
            else
                Q_EMIT message(directive == WorkerDirective::Quiet
                        ? tr("Worker %1 takes no new jobs").arg(id)
                        : tr("Worker %1 is told to stop at its next beat").arg(id));
            Q_EMIT applied();
        });
}

void WorkerView::setDirectiveForAll(WorkerDirective directive)
{
    m_actions.run(
        [engine = m_engine, directive] {
            engine->setAllWorkersDirective(directive);
            return true;
        },
        [this, directive](bool) {
            Q_EMIT message(directive == WorkerDirective::Ok ? tr("All external workers take jobs again")
                    : directive == WorkerDirective::Quiet   ? tr("All external workers take no new jobs")
                                                            : tr("All external workers are told to stop"));
            Q_EMIT applied();
        });
}

void WorkerView::expireSelectedLease()
{
    const JobId id = selectedJob();
    if (id == 0 || selectedWorker().isEmpty())
        return;
    m_actions.run([engine = m_engine, id] { return engine->expireLease(id); },
        [this, id](const EngineResult<Job>& result) {
            if (const auto* error = std::get_if<EngineError>(&result))
                Q_EMIT message(errorText(*error));
            else
                Q_EMIT message(tr("Expired the lease of job %1: it is %2")
                                   .arg(id)
                                   .arg(QString(statusName(std::get<Job>(result).status))));
            Q_EMIT applied();
        });
}

void WorkerView::declareType()
{
    const QString type = m_jobType->text().trimmed();
    if (type.isEmpty())
        return;
    m_actions.run([engine = m_engine, type] { return engine->declareJobType(type); },
        [this, type](const EngineResult<QString>& result) {
            if (const auto* error = std::get_if<EngineError>(&result)) {
                Q_EMIT message(errorText(*error));
            } else {
                m_jobType->clear();
                Q_EMIT message(tr("Jobs of type %1 are accepted and wait for your workers").arg(type));
            }
            refreshDeclaredTypes();
            Q_EMIT applied();
        });
}

void WorkerView::refreshDeclaredTypes()
{
    m_reader.run([engine = m_engine] { return engine->declaredJobTypes(); },
        [this](const QStringList& types) {
            m_declared->setText(
                types.isEmpty() ? tr("none declared") : tr("declared: %1").arg(types.join(QStringLiteral(", "))));
        });
}

void WorkerView::updateControls()
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    const QModelIndex row = rows.isEmpty() ? QModelIndex() : rows.constFirst();
    const bool external = row.isValid() && row.data(WorkerModel::ExternalRole).toBool();
    const auto state = WorkerState(row.data(WorkerModel::StateRole).toInt());
    m_quiet->setEnabled(external && state != WorkerState::Gone);
    m_stop->setEnabled(external && state != WorkerState::Gone);
    m_resume->setEnabled(external);
    m_expire->setEnabled(external && row.data(WorkerModel::JobIdRole).toLongLong() != 0);
    bool anyExternal = false;
    for (const WorkerRow& r : m_model->rows())
        anyExternal = anyExternal || r.external;
    m_quietAll->setEnabled(anyExternal);
    m_stopAll->setEnabled(anyExternal);
    m_resumeAll->setEnabled(anyExternal);
}
