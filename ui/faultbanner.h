#pragma once

#include "faults.h"

#include <QFrame>

class QLabel;
class QPushButton;

// A strip above the dashboard, shown only while injected faults are on: which ones, a button
// that turns them all off and one that opens the faults editor. Fed from the engine's snapshots.
class FaultBanner : public QFrame
{
    Q_OBJECT
public:
    explicit FaultBanner(QWidget* parent = nullptr);

    void setFaults(const QList<Fault>& faults);
    QString text() const;
    QPushButton* turnOffButton() const { return m_turnOff; }
    QPushButton* editButton() const { return m_edit; }

Q_SIGNALS:
    void turnOffRequested();
    void editRequested();

private:
    QLabel* m_label;
    QPushButton* m_turnOff;
    QPushButton* m_edit;
};
