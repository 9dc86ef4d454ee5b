#include "servertoolbar.h"

#include "defaultlimits.h"
#include "jobstatusstyle.h"
#include "server.h"
#include "uisettings.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDateTime>
#include <QLabel>
#include <QLineEdit>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStyle>

#include <cmath>

namespace {

QColor stateColor(EngineState state)
{
    switch (state) {
    case EngineState::Stopped:
        return JobStatusStyle::color(JobStatus::Cancelled);
    case EngineState::Running:
        return JobStatusStyle::color(JobStatus::Succeeded);
    case EngineState::Draining:
        return JobStatusStyle::color(JobStatus::Running);
    }
    Q_UNREACHABLE();
}

} // namespace

ServerToolBar::ServerToolBar(Server* server, QWidget* parent)
    : QToolBar(tr("Server"), parent)
    , m_server(server)
    , m_start(new QAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("Start"), this))
    , m_stop(new QAction(style()->standardIcon(QStyle::SP_MediaStop), tr("Stop"), this))
    , m_stopNow(new QAction(style()->standardIcon(QStyle::SP_BrowserStop), tr("Stop now"), this))
    , m_stateLabel(new QLabel(this))
    , m_drainLabel(new QLabel(this))
    , m_url(new QLineEdit(this))
    , m_workers(new QSpinBox(this))
    , m_faktory(new QCheckBox(tr("&Faktory"), this))
    , m_faktoryPort(new QSpinBox(this))
    , m_faktoryAddress(new QLineEdit(this))
{
    setObjectName(QStringLiteral("serverToolBar"));
    setMovable(false);
    setToolButtonStyle(Qt::ToolButtonTextBesideIcon);

    m_start->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_start->setToolTip(tr("Start the server: listen and run jobs (Ctrl+R)"));
    m_stop->setShortcuts({ QKeySequence(Qt::CTRL | Qt::Key_Period), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S) });
    m_stop->setToolTip(tr("Stop gracefully: refuse new jobs, let running jobs finish, keep queued ones (Ctrl+.)"));
    m_stopNow->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_X));
    m_stopNow->setToolTip(
        tr("Skip the drain wait: cancel running jobs now and put them back in the queue (Ctrl+Shift+X)"));
    connect(m_start, &QAction::triggered, this, &ServerToolBar::start);
    connect(m_stop, &QAction::triggered, this, [this] { m_server->stop(); });
    connect(m_stopNow, &QAction::triggered, this, [this] { m_server->stopNow(); });
    addAction(m_start);
    addAction(m_stop);
    addAction(m_stopNow);
    addSeparator();

    m_stateLabel->setObjectName(QStringLiteral("serverState"));
    m_stateLabel->setAccessibleName(tr("Server state"));
    m_stateLabel->setMinimumWidth(90);
    m_stateLabel->setAlignment(Qt::AlignCenter);
    addWidget(m_stateLabel);
    m_drainLabel->setContentsMargins(8, 0, 8, 0);
    addWidget(m_drainLabel);

    auto* spacer = new QWidget(this);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    addWidget(spacer);

    m_url->setReadOnly(true);
    m_url->setMinimumWidth(190);
    m_url->setToolTip(tr("Where the HTTP API listens"));
    m_url->setAccessibleName(tr("Listening URL"));
    addWidget(m_url);
    QAction* copyUrl = addAction(tr("Copy URL"));
    copyUrl->setToolTip(tr("Copy the listening URL"));
    connect(copyUrl, &QAction::triggered, this, [this] {
        QApplication::clipboard()->setText(m_url->text());
        Q_EMIT message(tr("Copied %1").arg(m_url->text()));
    });
    addSeparator();

    auto* workersLabel = new QLabel(tr("&Workers "), this);
    workersLabel->setBuddy(m_workers);
    addWidget(workersLabel);
    m_workers->setAccessibleName(tr("Workers"));
    m_workers->setRange(1, Limits::maxWorkers);
    m_workers->setKeyboardTracking(false); // one change per Enter or arrow click, not per digit
    m_workers->setToolTip(tr("Worker pool size; changes apply while running"));
    m_workers->setValue(std::max(1, m_server->engine()->workerCount()));
    connect(m_workers, &QSpinBox::valueChanged, this, [this](int count) { m_server->engine()->setWorkerCount(count); });
    addWidget(m_workers);

    addSeparator();

    // Faktory's default port unless the command line or an earlier choice says otherwise.
    const int configuredPort = m_server->faktoryPort();
    m_faktory->setChecked(configuredPort >= 0);
    m_faktory->setToolTip(tr("Also speak Faktory's work protocol, for Faktory client libraries"));
    m_faktoryPort->setAccessibleName(tr("Faktory port"));
    m_faktoryPort->setRange(0, 65535);
    m_faktoryPort->setSpecialValueText(tr("any"));
    m_faktoryPort->setKeyboardTracking(false);
    m_faktoryPort->setToolTip(tr("The port Faktory clients connect to; \"any\" picks a free one"));
    m_faktoryPort->setValue(
        configuredPort >= 0 ? configuredPort : UiSettings().value(QStringLiteral("faktory/port"), 7419).toInt());
    m_faktoryAddress->setReadOnly(true);
    m_faktoryAddress->setMinimumWidth(170);
    m_faktoryAddress->setAccessibleName(tr("Faktory address"));
    m_faktoryAddress->setToolTip(tr("Where Faktory clients connect (FAKTORY_URL)"));
    addWidget(m_faktory);
    addWidget(m_faktoryPort);
    m_faktoryAddressAction = addWidget(m_faktoryAddress);
    connect(m_faktory, &QCheckBox::toggled, this, &ServerToolBar::setFaktoryOn);
    connect(m_faktoryPort, &QSpinBox::valueChanged, this, [this](int port) {
        UiSettings().setValue(QStringLiteral("faktory/port"), port);
        if (m_faktory->isChecked())
            setFaktoryOn(true);
    });
    connect(m_server, &Server::faktoryAddressChanged, this, &ServerToolBar::updateFaktoryAddress);
    updateFaktoryAddress(m_server->faktoryAddress());

    m_drainClock.setInterval(250);
    connect(&m_drainClock, &QTimer::timeout, this, &ServerToolBar::updateDrainText);

    Engine* engine = m_server->engine();
    connect(engine, &Engine::stateChanged, this, &ServerToolBar::setState);
    connect(m_server, &Server::listening, this, &ServerToolBar::updateUrl);
    connect(m_server, &Server::stopped, this, [this] { setState(m_server->engine()->state()); });
    updateUrl();
    setState(engine->state());
}

void ServerToolBar::start()
{
    QString error;
    if (!m_server->start(&error))
        Q_EMIT message(tr("Could not start the server: %1").arg(error));
    setState(m_server->engine()->state());
}

void ServerToolBar::setSnapshot(const EngineSnapshot& snapshot)
{
    m_runningJobs = int(snapshot.counts[std::size_t(JobStatus::Running)]);
    m_drainDeadline = snapshot.drainDeadline;
    if (!m_workers->hasFocus() && snapshot.workerCount > 0) {
        const QSignalBlocker blocker(m_workers);
        m_workers->setValue(snapshot.workerCount);
    }
    setState(snapshot.state);
}

void ServerToolBar::setState(EngineState state)
{
    // Snapshots repeat the state ten times a second; restyling is only worth it on a change.
    const bool changed = state != m_state || m_stateLabel->text().isEmpty();
    m_state = state;
    m_start->setEnabled(state == EngineState::Stopped);
    m_stop->setEnabled(state == EngineState::Running);
    m_stopNow->setEnabled(state != EngineState::Stopped);
    if (changed) {
        m_stateLabel->setText(stateText());
        m_stateLabel->setStyleSheet(QStringLiteral(
            "QLabel { color: white; background: %1; border-radius: 9px; padding: 2px 10px; font-weight: bold; }")
                                        .arg(stateColor(state).name()));
    }
    if (state == EngineState::Draining)
        m_drainClock.start();
    else
        m_drainClock.stop();
    updateDrainText();
}

QString ServerToolBar::stateText() const
{
    switch (m_state) {
    case EngineState::Stopped:
        return tr("Stopped");
    case EngineState::Running:
        return tr("Running");
    case EngineState::Draining:
        return tr("Draining");
    }
    Q_UNREACHABLE();
}

QString ServerToolBar::drainText() const
{
    return m_drainLabel->text();
}

void ServerToolBar::updateDrainText()
{
    if (m_state != EngineState::Draining) {
        m_drainLabel->clear();
        return;
    }
    QString text = m_runningJobs == 1 ? tr("1 job still running") : tr("%1 jobs still running").arg(m_runningJobs);
    if (m_drainDeadline > 0) {
        // The deadline is the engine clock's: a virtual clock's countdown stands still until advanced.
        const qint64 leftMs = std::max<qint64>(0, m_drainDeadline - m_server->engine()->clock().now());
        text += tr(", cancelled in %1 s").arg(std::ceil(double(leftMs) / 1000.0));
    }
    m_drainLabel->setText(text);
}

void ServerToolBar::updateUrl()
{
    m_url->setText(m_server->url().toString());
}

void ServerToolBar::setFaktoryOn(bool on)
{
    QString error;
    if (!m_server->setFaktoryPort(on ? m_faktoryPort->value() : -1, &error)) {
        Q_EMIT message(tr("Could not start the Faktory listener: %1").arg(error));
        const QSignalBlocker blocker(m_faktory);
        m_faktory->setChecked(m_server->faktoryPort() >= 0);
    }
    updateFaktoryAddress(m_server->faktoryAddress());
}

void ServerToolBar::updateFaktoryAddress(const QString& address)
{
    m_faktoryAddress->setText(address);
    m_faktoryAddressAction->setVisible(!address.isEmpty());
}
