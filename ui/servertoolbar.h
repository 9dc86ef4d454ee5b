#pragma once

#include "snapshot.h"

#include <QTimer>
#include <QToolBar>

class QCheckBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class Server;

// Start, Stop and Stop now, the server state (Stopped, Running, Draining with the jobs still
// running and the seconds left), the listening URL with a copy button, the worker count, and the
// Faktory-compatible listener: on or off, its port, and its address while it listens.
class ServerToolBar : public QToolBar
{
    Q_OBJECT
public:
    explicit ServerToolBar(Server* server, QWidget* parent = nullptr);

    void setSnapshot(const EngineSnapshot& snapshot);

    QAction* startAction() const { return m_start; }
    QAction* stopAction() const { return m_stop; }
    QAction* stopNowAction() const { return m_stopNow; }
    QSpinBox* workerSpinBox() const { return m_workers; }
    QLineEdit* urlField() const { return m_url; }
    QCheckBox* faktoryCheckBox() const { return m_faktory; }
    QSpinBox* faktoryPortSpinBox() const { return m_faktoryPort; }
    QLineEdit* faktoryAddressField() const { return m_faktoryAddress; }
    EngineState state() const { return m_state; }
    QString stateText() const;
    QString drainText() const;

Q_SIGNALS:
    void message(const QString& text);

private:
    void start();
    void setState(EngineState state);
    void updateDrainText();
    void updateUrl();
    void setFaktoryOn(bool on);
    void updateFaktoryAddress(const QString& address);

    // set at construction, immutable
    Server* m_server;
    QAction* m_start;
    QAction* m_stop;
    QAction* m_stopNow;
    QLabel* m_stateLabel;
    QLabel* m_drainLabel;
    QLineEdit* m_url;
    QSpinBox* m_workers;
    QCheckBox* m_faktory;
    QSpinBox* m_faktoryPort;
    QLineEdit* m_faktoryAddress;
    QAction* m_faktoryAddressAction = nullptr; // a tool bar shows and hides its widgets by their actions
    // GUI thread only
    EngineState m_state = EngineState::Stopped;
    int m_runningJobs = 0;
    qint64 m_drainDeadline = 0;
    QTimer m_drainClock;
};
