#pragma once

#include "engine.h"

#include <QDialog>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;

// The faults editor: the faults on now (remove one, or all) and a form for a new one: kind,
// queue and type scope, share, duration, and what its kind takes (error, latency, Retry-After,
// worker). Adding and removing are quick in-memory calls on the engine.
class FaultEditor : public QDialog
{
    Q_OBJECT
public:
    explicit FaultEditor(Engine* engine, QWidget* parent = nullptr);

    void setFaults(const QList<Fault>& faults); // from the engine's snapshots
    // The form as a spec (what "Add" submits).
    FaultSpec spec() const;
    // Adds the form's fault; false with the engine's message shown.
    bool addFault();

    QComboBox* kindBox() const { return m_kind; }
    QLineEdit* queueEdit() const { return m_queue; }
    QLineEdit* typeEdit() const { return m_type; }
    QDoubleSpinBox* percentBox() const { return m_percent; }
    QSpinBox* durationBox() const { return m_duration; }
    QListWidget* faultList() const { return m_list; }
    QPushButton* addButton() const { return m_add; }
    QPushButton* removeButton() const { return m_remove; }
    QLabel* messageLabel() const { return m_message; }

private:
    void kindChanged();
    void removeSelected();

    Engine* const m_engine;
    QListWidget* m_list;
    QPushButton* m_remove;
    QPushButton* m_removeAll;
    QComboBox* m_kind;
    QLineEdit* m_queue;
    QLineEdit* m_type;
    QLineEdit* m_worker;
    QDoubleSpinBox* m_percent;
    QSpinBox* m_duration; // seconds; 0: until removed
    QLineEdit* m_errorCode;
    QLineEdit* m_errorMessage;
    QComboBox* m_phase;
    QSpinBox* m_latencyMin;
    QSpinBox* m_latencyMax;
    QSpinBox* m_retryAfter;
    QPushButton* m_add;
    QLabel* m_message;
};
