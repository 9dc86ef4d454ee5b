#include "faulteditor.h"

#include "defaultlimits.h"
#include "faultdescription.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

FaultEditor::FaultEditor(Engine* engine, QWidget* parent)
    : QDialog(parent)
    , m_engine(engine)
    , m_list(new QListWidget(this))
    , m_remove(new QPushButton(tr("Remove"), this))
    , m_removeAll(new QPushButton(tr("Remove all"), this))
    , m_kind(new QComboBox(this))
    , m_queue(new QLineEdit(this))
    , m_type(new QLineEdit(this))
    , m_worker(new QLineEdit(this))
    , m_percent(new QDoubleSpinBox(this))
    , m_duration(new QSpinBox(this))
    , m_errorCode(new QLineEdit(QStringLiteral("injected"), this))
    , m_errorMessage(new QLineEdit(this))
    , m_phase(new QComboBox(this))
    , m_latencyMin(new QSpinBox(this))
    , m_latencyMax(new QSpinBox(this))
    , m_retryAfter(new QSpinBox(this))
    , m_add(new QPushButton(tr("Add fault"), this))
    , m_message(new QLabel(this))
{
    setWindowTitle(tr("Faults"));
    for (int i = 0; i < faultKindCount; ++i)
        m_kind->addItem(faultKindName(FaultKind(i)), i);
    m_queue->setPlaceholderText(tr("every queue"));
    m_type->setPlaceholderText(tr("every type"));
    m_worker->setPlaceholderText(tr("the worker's id"));
    m_percent->setRange(0, 100);
    m_percent->setValue(100);
    m_percent->setSuffix(QStringLiteral(" %"));
    m_duration->setRange(0, int(Limits::maxFaultDurationMs / 1000));
    m_duration->setSpecialValueText(tr("until removed"));
    m_duration->setSuffix(tr(" s"));
    m_phase->addItem(tr("before the run"), false);
    m_phase->addItem(tr("after the run"), true);
    for (QSpinBox* box : { m_latencyMin, m_latencyMax }) {
        box->setRange(0, int(Limits::maxFaultLatencyMs));
        box->setSuffix(tr(" ms"));
        box->setValue(500);
    }
    m_retryAfter->setRange(1, Limits::maxFaultRetryAfterSecs);
    m_retryAfter->setSuffix(tr(" s"));
    m_message->setWordWrap(true);

    const QList<std::pair<QWidget*, QString>> names { { m_list, tr("Faults on now") }, { m_kind, tr("Kind") },
        { m_queue, tr("Queue") }, { m_type, tr("Job type") }, { m_worker, tr("Worker") }, { m_percent, tr("Share") },
        { m_duration, tr("Duration") }, { m_errorCode, tr("Error code") }, { m_errorMessage, tr("Error message") },
        { m_phase, tr("When") }, { m_latencyMin, tr("Latency") }, { m_latencyMax, tr("Latency up to") },
        { m_retryAfter, tr("Retry-After") }, { m_add, tr("Add fault") }, { m_remove, tr("Remove the selected fault") },
        { m_removeAll, tr("Remove all faults") } };
    for (const auto& [widget, name] : names)
        widget->setAccessibleName(name);

    auto* form = new QFormLayout;
    form->addRow(tr("Kind"), m_kind);
    form->addRow(tr("Queue"), m_queue);
    form->addRow(tr("Job type"), m_type);
    form->addRow(tr("Worker"), m_worker);
    form->addRow(tr("Share"), m_percent);
    form->addRow(tr("Duration"), m_duration);
    form->addRow(tr("Error code"), m_errorCode);
    form->addRow(tr("Error message"), m_errorMessage);
    form->addRow(tr("When"), m_phase);
    form->addRow(tr("Latency"), m_latencyMin);
    form->addRow(tr("Latency up to"), m_latencyMax);
    form->addRow(tr("Retry-After"), m_retryAfter);

    auto* listButtons = new QHBoxLayout;
    listButtons->addStretch();
    listButtons->addWidget(m_remove);
    listButtons->addWidget(m_removeAll);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("On now (in memory only: a restart starts without faults)"), this));
    layout->addWidget(m_list);
    layout->addLayout(listButtons);
    layout->addLayout(form);
    layout->addWidget(m_message);
    layout->addWidget(m_add, 0, Qt::AlignRight);
    layout->addWidget(close);

    connect(m_kind, &QComboBox::currentIndexChanged, this, &FaultEditor::kindChanged);
    connect(m_add, &QPushButton::clicked, this, &FaultEditor::addFault);
    connect(m_remove, &QPushButton::clicked, this, &FaultEditor::removeSelected);
    connect(m_removeAll, &QPushButton::clicked, this, [this] {
        m_message->setText(tr("%n fault(s) removed", nullptr, m_engine->clearFaults()));
        setFaults(m_engine->faults());
    });
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    kindChanged();
    setFaults(m_engine->faults());
}

void FaultEditor::kindChanged()
{
    // Only the fields the kind takes are enabled; the engine refuses the others anyway.
    const auto kind = FaultKind(m_kind->currentData().toInt());
    const bool scoped = kind == FaultKind::FailAttempts || kind == FaultKind::RunLatency
        || kind == FaultKind::RefuseSubmissions || kind == FaultKind::ExpireLeases;
    const bool latency = kind == FaultKind::RunLatency || kind == FaultKind::HttpLatency;
    m_queue->setEnabled(scoped || kind == FaultKind::EmptyLeases);
    m_type->setEnabled(scoped);
    m_worker->setEnabled(kind == FaultKind::DropWorker);
    m_percent->setEnabled(kind != FaultKind::StoreUnavailable);
    m_errorCode->setEnabled(kind == FaultKind::FailAttempts);
    m_errorMessage->setEnabled(kind == FaultKind::FailAttempts);
    m_phase->setEnabled(kind == FaultKind::FailAttempts);
    m_latencyMin->setEnabled(latency);
    m_latencyMax->setEnabled(latency);
    m_retryAfter->setEnabled(kind == FaultKind::RefuseSubmissions);
}

FaultSpec FaultEditor::spec() const
{
    FaultSpec spec;
    spec.kind = FaultKind(m_kind->currentData().toInt());
    if (m_queue->isEnabled())
        spec.queue = m_queue->text().trimmed();
    if (m_type->isEnabled())
        spec.jobType = m_type->text().trimmed();
    if (m_worker->isEnabled())
        spec.worker = m_worker->text().trimmed();
    spec.share = m_percent->isEnabled() ? m_percent->value() / 100.0 : 1.0;
    spec.durationMs = qint64(m_duration->value()) * 1000;
    if (spec.kind == FaultKind::FailAttempts) {
        spec.errorCode = m_errorCode->text().trimmed();
        spec.errorMessage = m_errorMessage->text();
        spec.afterRun = m_phase->currentData().toBool();
    }
    if (m_latencyMin->isEnabled()) {
        spec.minMs = m_latencyMin->value();
        spec.maxMs = std::max(m_latencyMin->value(), m_latencyMax->value());
    }
    spec.retryAfterSecs = m_retryAfter->value();
    return spec;
}

bool FaultEditor::addFault()
{
    const EngineResult<Fault> result = m_engine->addFault(spec());
    if (const auto* error = std::get_if<EngineError>(&result)) {
        m_message->setText(error->field.isEmpty() ? error->message : error->field + QLatin1Char(' ') + error->message);
        return false;
    }
    const Fault& fault = std::get<Fault>(result);
    m_message->setText(tr("Fault %1 is on: %2").arg(fault.id, describeFault(fault)));
    setFaults(m_engine->faults());
    return true;
}

void FaultEditor::removeSelected()
{
    const QListWidgetItem* item = m_list->currentItem();
    if (!item)
        return;
    const auto result = m_engine->removeFault(item->data(Qt::UserRole).toString());
    if (const auto* error = std::get_if<EngineError>(&result))
        m_message->setText(error->message);
    setFaults(m_engine->faults());
}

void FaultEditor::setFaults(const QList<Fault>& faults)
{
    const QString selected = m_list->currentItem() ? m_list->currentItem()->data(Qt::UserRole).toString() : QString();
    m_list->clear();
    for (const Fault& fault : faults) {
        auto* item = new QListWidgetItem(describeFault(fault), m_list);
        item->setData(Qt::UserRole, fault.id);
        if (fault.id == selected)
            m_list->setCurrentItem(item);
    }
    m_remove->setEnabled(!faults.isEmpty());
    m_removeAll->setEnabled(!faults.isEmpty());
}
