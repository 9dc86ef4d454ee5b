#include "mainwindow.h"

#include "clockbar.h"
#include "faultbanner.h"
#include "faulteditor.h"
#include "jobspanel.h"
#include "queuechart.h"
#include "queuespanel.h"
#include "requestspanel.h"
#include "server.h"
#include "servertoolbar.h"
#include "sinkpanel.h"
#include "submitpanel.h"
#include "summarytiles.h"
#include "uisettings.h"
#include "workermodel.h"
#include "workerview.h"

#include <QCloseEvent>
#include <QDockWidget>
#include <QHeaderView>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QTabWidget>
#include <QVBoxLayout>

// Outside any namespace, as Q_INIT_RESOURCE requires; resources of a static library need it.
static void initResources()
{
    Q_INIT_RESOURCE(ui);
}

MainWindow::MainWindow(Server* server, QWidget* parent)
    : QMainWindow(parent)
    , m_server(server)
    , m_toolBar(new ServerToolBar(server, this))
    , m_tiles(new SummaryTiles(this))
    , m_chart(new QueueChart(this))
    , m_workers(new WorkerModel(this))
    , m_workerView(new WorkerView(server->engine(), &m_pool, m_workers, this))
    , m_jobs(new JobsPanel(server->engine(), &m_pool, this))
    , m_queues(new QueuesPanel(server->engine(), &m_pool, this))
    , m_submit(new SubmitPanel(server->engine(), &m_pool, this))
    , m_requests(new RequestsPanel(server->requestLog(), this))
    , m_sink(new SinkPanel(server->sinks(), server->engine(), this))
    , m_submitDock(new QDockWidget(tr("Submit jobs"), this))
    , m_mainSplitter(new QSplitter(Qt::Vertical, this))
    , m_topSplitter(new QSplitter(Qt::Horizontal, this))
    , m_submitAction(new QAction(tr("Submit…"), this))
    , m_findAction(new QAction(tr("Search jobs"), this))
    , m_faultBanner(new FaultBanner(this))
    , m_faultsAction(new QAction(tr("Faults…"), this))
{
    // Two threads: a long listJobs must not hold up a submission, and more would compete with workers.
    m_pool.setMaxThreadCount(2);
    m_pool.setObjectName(QStringLiteral("QueueLab UI pool"));
    initResources();
    setWindowIcon(QIcon(QStringLiteral(":/icons/queuelab.svg")));
    addToolBar(m_toolBar);
    m_findAction->setShortcut(QKeySequence::Find);
    m_findAction->setShortcutContext(Qt::WindowShortcut);
    addAction(m_findAction);
    m_submitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_N));
    m_submitAction->setToolTip(tr("Show the submit form (Ctrl+N)"));
    m_toolBar->addSeparator();
    m_toolBar->addAction(m_submitAction);
    m_faultsAction->setToolTip(tr("Inject failures: fail attempts, add latency, refuse requests, take the store away"));
    m_toolBar->addAction(m_faultsAction);
    connect(m_faultsAction, &QAction::triggered, this, [this] {
        faultEditor()->show();
        faultEditor()->raise();
    });
    connect(m_faultBanner, &FaultBanner::editRequested, m_faultsAction, &QAction::trigger);
    connect(m_faultBanner, &FaultBanner::turnOffRequested, this, [this] {
        const int removed = m_server->engine()->clearFaults();
        statusBar()->showMessage(tr("%n fault(s) turned off", nullptr, removed), 8000);
        m_faultBanner->setFaults({}); // the next snapshot says the same
    });
    connect(m_submitAction, &QAction::triggered, this, [this] {
        m_submitDock->show();
        m_submitDock->raise();
        m_submit->focusEditor();
    });

    m_topSplitter->setObjectName(QStringLiteral("topSplitter"));
    m_topSplitter->addWidget(m_chart);
    m_topSplitter->addWidget(m_workerView);
    m_topSplitter->setStretchFactor(0, 3);
    m_topSplitter->setStretchFactor(1, 2);

    auto* tabs = new QTabWidget(this);
    tabs->setDocumentMode(true);
    tabs->setAccessibleName(tr("Jobs, queues, HTTP requests and the sink"));
    tabs->addTab(m_jobs, tr("Jobs"));
    tabs->addTab(m_queues, tr("Queues"));
    tabs->addTab(m_requests, tr("HTTP requests"));
    tabs->addTab(m_sink, tr("Sink"));
    m_clockBar = new ClockBar(server->engine(), &m_pool, this);
    tabs->setCornerWidget(m_clockBar); // beside the tabs: the window keeps its height
    connect(m_findAction, &QAction::triggered, this, [this, tabs] {
        tabs->setCurrentWidget(m_jobs);
        m_jobs->searchField()->setFocus(Qt::ShortcutFocusReason);
        m_jobs->searchField()->selectAll();
    });

    m_mainSplitter->setObjectName(QStringLiteral("mainSplitter"));
    m_mainSplitter->addWidget(m_topSplitter);
    m_mainSplitter->addWidget(tabs);
    m_mainSplitter->setStretchFactor(0, 2);
    m_mainSplitter->setStretchFactor(1, 3);

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->setContentsMargins(6, 6, 6, 0);
    layout->addWidget(m_faultBanner);
    layout->addWidget(m_tiles);
    layout->addWidget(m_mainSplitter, 1);
    setCentralWidget(central);

    m_submitDock->setObjectName(QStringLiteral("submitDock"));
    m_submitDock->setWidget(m_submit);
    m_submitDock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable);
    addDockWidget(Qt::RightDockWidgetArea, m_submitDock);

    const auto showMessage = [this](const QString& text) { statusBar()->showMessage(text, 8000); };
    connect(m_toolBar, &ServerToolBar::message, this, showMessage);
    connect(m_clockBar, &ClockBar::message, this, showMessage);
    connect(m_jobs, &JobsPanel::message, this, showMessage);
    connect(m_queues, &QueuesPanel::message, this, showMessage);
    connect(m_workerView, &WorkerView::message, this, showMessage);

    Engine* engine = server->engine();
    connect(engine, &Engine::snapshotReady, this, &MainWindow::applySnapshot);
    connect(engine, &Engine::stateChanged, this, [this](EngineState state) {
        if (m_closing && state == EngineState::Stopped)
            closeWhenStopped();
    });
    connect(server, &Server::listening, this, &MainWindow::updateTitle);
    connect(server, &Server::stopped, this, [this] {
        updateTitle();
        if (m_closing)
            closeWhenStopped();
    });
    updateTitle();

    // A first layout that gives the job table most of the room; the user's own one is restored.
    resize(1440, 900);
    m_topSplitter->setSizes({ 560, 440 });
    m_mainSplitter->setSizes({ 260, 640 });
    m_jobs->splitter()->setSizes({ 760, 290 });
    resizeDocks({ m_submitDock }, { 290 }, Qt::Horizontal);
    restoreSettings();
}

FaultEditor* MainWindow::faultEditor()
{
    if (!m_faultEditor)
        m_faultEditor = new FaultEditor(m_server->engine(), this);
    return m_faultEditor;
}

MainWindow::~MainWindow()
{
    // Queued lookups are pointless now; running ones (a submission) finish before the engine goes.
    m_pool.clear();
    m_pool.waitForDone();
}

void MainWindow::setUsesToken(bool usesToken)
{
    m_jobs->setUsesToken(usesToken);
}

void MainWindow::applySnapshot(const EngineSnapshot& snapshot)
{
    Q_ASSERT(QThread::currentThread() == thread());
    ++m_snapshotsApplied;
    m_toolBar->setSnapshot(snapshot);
    m_tiles->setSnapshot(snapshot);
    m_chart->setLatest(double(snapshot.queueDepth), snapshot.throughput.jobsPerSecond);
    m_workers->setWorkers(snapshot.workers, snapshot.externalWorkers);
    m_workers->setNow(snapshot.takenAt);
    m_jobs->applySnapshot(snapshot);
    m_faultBanner->setFaults(snapshot.faults);
    if (m_faultEditor)
        m_faultEditor->setFaults(snapshot.faults);
    // The jobs were merged above; the copy kept here only needs the figures.
    m_lastSnapshot = snapshot;
    m_lastSnapshot.changedJobs.clear();
}

void MainWindow::updateTitle()
{
    const QUrl url = m_server->url();
    m_jobs->setServerUrl(url);
    setWindowTitle(m_server->isListening() ? tr("QueueLab — %1").arg(url.toString())
                                           : tr("QueueLab — %1 (stopped)").arg(url.toString()));
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    const EngineState state = m_server->engine()->state();
    const qint64 running = m_lastSnapshot.counts[std::size_t(JobStatus::Running)];
    if (m_closing || state == EngineState::Stopped || running == 0) {
        saveSettings();
        event->accept();
        return;
    }
    event->ignore();
    askBeforeClosing();
}

void MainWindow::askBeforeClosing()
{
    const qint64 running = m_lastSnapshot.counts[std::size_t(JobStatus::Running)];
    auto* box = new QMessageBox(QMessageBox::Question, tr("Jobs are running"),
        running == 1 ? tr("1 job is still running.") : tr("%1 jobs are still running.").arg(running),
        QMessageBox::NoButton, this);
    box->setObjectName(QStringLiteral("closeQuestion"));
    box->setInformativeText(tr("Drain lets running jobs finish (queued jobs stay queued). Quit now cancels "
                               "them and puts them back in the queue."));
    QPushButton* drain = box->addButton(tr("Drain and quit"), QMessageBox::AcceptRole);
    QPushButton* now = box->addButton(tr("Quit now"), QMessageBox::DestructiveRole);
    box->addButton(QMessageBox::Cancel);
    box->setDefaultButton(drain);
    box->setAttribute(Qt::WA_DeleteOnClose);
    // Asynchronous: the window keeps painting while the question is open.
    connect(box, &QMessageBox::buttonClicked, this, [this, drain, now](QAbstractButton* button) {
        if (button != drain && button != now)
            return;
        m_closing = true;
        if (button == drain)
            m_server->stop();
        else
            m_server->stopNow();
        statusBar()->showMessage(tr("Quitting once the server has stopped…"));
        closeWhenStopped();
    });
    box->open();
}

void MainWindow::closeWhenStopped()
{
    if (m_server->engine()->state() == EngineState::Stopped && !m_server->isListening())
        close();
}

void MainWindow::restoreSettings()
{
    UiSettings settings;
    settings.beginGroup(QStringLiteral("window"));
    restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("state")).toByteArray());
    for (QSplitter* splitter : { m_mainSplitter, m_topSplitter, m_jobs->splitter() })
        splitter->restoreState(settings.value(splitter->objectName()).toByteArray());
    m_jobs->view()->horizontalHeader()->restoreState(settings.value(QStringLiteral("jobColumns")).toByteArray());
}

void MainWindow::saveSettings() const
{
    UiSettings settings;
    settings.beginGroup(QStringLiteral("window"));
    settings.setValue(QStringLiteral("geometry"), saveGeometry());
    settings.setValue(QStringLiteral("state"), saveState());
    for (const QSplitter* splitter : { m_mainSplitter, m_topSplitter, m_jobs->splitter() })
        settings.setValue(splitter->objectName(), splitter->saveState());
    settings.setValue(QStringLiteral("jobColumns"), m_jobs->view()->horizontalHeader()->saveState());
}
