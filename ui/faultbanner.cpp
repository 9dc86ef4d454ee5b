#include "faultbanner.h"

#include "faultdescription.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

FaultBanner::FaultBanner(QWidget* parent)
    : QFrame(parent)
    , m_label(new QLabel(this))
    , m_turnOff(new QPushButton(tr("Turn all off"), this))
    , m_edit(new QPushButton(tr("Faults…"), this))
{
    setObjectName(QStringLiteral("faultBanner"));
    setAccessibleName(tr("Injected faults"));
    // Amber like a warning, so that failures caused on purpose are never mistaken for real ones.
    setStyleSheet(QStringLiteral("#faultBanner { background: #fff3cd; border: 1px solid #e0b400; border-radius: 3px; }"
                                 "#faultBanner QLabel { color: #5c4400; }"));
    m_label->setAccessibleName(tr("Faults on now"));
    m_label->setWordWrap(true);
    m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_turnOff->setAccessibleName(tr("Turn all faults off"));
    m_edit->setAccessibleName(tr("Edit faults"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 8, 4);
    layout->addWidget(m_label, 1);
    layout->addWidget(m_edit);
    layout->addWidget(m_turnOff);
    connect(m_turnOff, &QPushButton::clicked, this, &FaultBanner::turnOffRequested);
    connect(m_edit, &QPushButton::clicked, this, &FaultBanner::editRequested);
    setVisible(false);
}

void FaultBanner::setFaults(const QList<Fault>& faults)
{
    QStringList lines;
    for (const Fault& fault : faults)
        lines.append(describeFault(fault));
    m_label->setText(tr("Faults on: %1").arg(lines.join(QStringLiteral("; "))));
    setVisible(!faults.isEmpty());
}

QString FaultBanner::text() const
{
    return m_label->text();
}
