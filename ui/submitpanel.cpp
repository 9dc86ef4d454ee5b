#include "submitpanel.h"

#include "defaultlimits.h"
#include "displayformat.h"
#include "jsontext.h"
#include "uisettings.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSpinBox>
#include <QVBoxLayout>

#include <limits>

namespace {

QSpinBox* spinBox(int min, int max, const QString& suffix, QWidget* parent)
{
    auto* box = new QSpinBox(parent);
    box->setRange(min, max);
    box->setSuffix(suffix);
    box->setGroupSeparatorShown(true);
    return box;
}

} // namespace

SubmitPanel::SubmitPanel(Engine* engine, QThreadPool* pool, QWidget* parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_type(new QComboBox(this))
    , m_payload(new QPlainTextEdit(this))
    , m_error(new QLabel(this))
    , m_queue(new QLineEdit(QStringLiteral("default"), this))
    , m_priority(spinBox(-Limits::maxPriority, Limits::maxPriority, {}, this))
    , m_delay(spinBox(0, std::numeric_limits<int>::max(), tr(" ms"), this))
    , m_timeout(spinBox(-1, int(Limits::maxTimeoutMs), tr(" ms"), this))
    , m_attempts(spinBox(1, Limits::maxAttempts, {}, this))
    , m_count(spinBox(1, Limits::maxBatchJobs, {}, this))
    , m_callback(new QLineEdit(this))
    , m_submitButton(new QPushButton(tr("Submit"), this))
    , m_result(new QLabel(this))
    , m_submit(pool, this)
{
    m_type->addItems(m_engine->jobTypes());
    m_payload->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_payload->setTabChangesFocus(true);
    m_payload->setPlaceholderText(tr("JSON payload, e.g. {\"ms\": 500}"));
    m_payload->setMinimumHeight(120);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c62828;"));
    m_result->setWordWrap(true);
    m_result->setAccessibleName(tr("Submission result"));
    m_error->setAccessibleName(tr("Problem with the form"));
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_timeout->setSpecialValueText(tr("none"));
    m_timeout->setValue(-1);
    m_count->setToolTip(tr("Submit this many copies as one batch (all stored or none)"));
    m_callback->setPlaceholderText(tr("none, or e.g. http://127.0.0.1:8080/sink/done"));
    m_callback->setToolTip(tr("POST the job's final JSON here once it finishes, as an http job"));
    m_callback->setClearButtonEnabled(true);
    m_submitButton->setDefault(true);
    m_submitButton->setToolTip(tr("Submit (Ctrl+Return)"));

    // Each label is its field's buddy and, for screen readers, its accessible name.
    auto* form = new QFormLayout;
    const auto addField = [&](const QString& label, QWidget* field) {
        form->addRow(label, field);
        field->setAccessibleName(QString(label).remove(QLatin1Char('&')));
    };
    addField(tr("&Type"), m_type);
    addField(tr("&Queue"), m_queue);
    addField(tr("&Priority"), m_priority);
    addField(tr("&Delay"), m_delay);
    addField(tr("T&imeout"), m_timeout);
    addField(tr("Max &attempts"), m_attempts);
    addField(tr("&Copies"), m_count);
    addField(tr("Call&back URL"), m_callback);

    auto* payloadLabel = new QLabel(tr("Pa&yload"), this);
    payloadLabel->setBuddy(m_payload);
    m_payload->setAccessibleName(tr("Payload"));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(payloadLabel);
    layout->addWidget(m_payload, 1);
    layout->addWidget(m_error);
    layout->addWidget(m_submitButton);
    layout->addWidget(m_result);

    loadSettings();

    connect(m_type, &QComboBox::currentTextChanged, this, &SubmitPanel::useExample);
    // The last submission's result speaks of the form as it was: an edit makes it stale.
    const auto formChanged = [this] {
        if (!m_submit.isBusy())
            m_result->clear();
        validate();
    };
    connect(m_payload, &QPlainTextEdit::textChanged, this, formChanged);
    connect(m_queue, &QLineEdit::textChanged, this, formChanged);
    connect(m_callback, &QLineEdit::textChanged, this, formChanged);
    for (QSpinBox* box : { m_priority, m_delay, m_timeout, m_attempts, m_count })
        connect(box, &QSpinBox::valueChanged, this, formChanged);
    connect(m_submitButton, &QPushButton::clicked, this, &SubmitPanel::submit);
    auto* shortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), this);
    shortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(shortcut, &QShortcut::activated, this, &SubmitPanel::submit);
    validate();
}

void SubmitPanel::useExample()
{
    m_payload->setPlainText(JsonText::format(m_engine->examplePayload(m_type->currentText())));
}

QJsonObject SubmitPanel::specObject() const
{
    QJsonObject object {
        { QStringLiteral("type"), m_type->currentText() },
        { QStringLiteral("queue"), m_queue->text() },
        { QStringLiteral("priority"), m_priority->value() },
        { QStringLiteral("delay_ms"), m_delay->value() },
        { QStringLiteral("max_attempts"), m_attempts->value() },
    };
    if (m_timeout->value() >= 0)
        object.insert(QStringLiteral("timeout_ms"), m_timeout->value());
    if (const QString callback = m_callback->text().trimmed(); !callback.isEmpty())
        object.insert(QStringLiteral("callback_url"), callback);
    const JsonText::ParseResult payload = JsonText::parse(m_payload->toPlainText());
    if (payload.isValid())
        object.insert(QStringLiteral("payload"), payload.value);
    return object;
}

QString SubmitPanel::validationError() const
{
    return m_validationError;
}

void SubmitPanel::validate()
{
    m_spec.reset();
    m_validationError.clear();
    const JsonText::ParseResult payload = JsonText::parse(m_payload->toPlainText());
    if (!payload.isValid()) {
        m_validationError = tr("Payload: %1").arg(payload.errorText());
    } else {
        // The engine's own validation, so the form refuses exactly what the API would.
        const SpecResult spec = parseJobSpec(specObject());
        if (const auto* error = std::get_if<SpecError>(&spec))
            m_validationError = error->field + QLatin1Char(' ') + error->message;
        else
            m_spec = std::get<JobSpec>(spec);
    }
    m_error->setText(m_validationError);
    m_error->setVisible(!m_validationError.isEmpty());
    m_submitButton->setEnabled(m_spec && !m_submit.isBusy());
    m_submitButton->setText(
        m_count->value() > 1 ? tr("Submit %1 jobs").arg(DisplayFormat::count(m_count->value())) : tr("Submit job"));
}

void SubmitPanel::submit()
{
    if (!m_spec || m_submit.isBusy())
        return;
    const int count = m_count->value();
    m_submitButton->setEnabled(false);
    m_result->setStyleSheet({});
    m_result->setText(
        tr("Submitting %1…").arg(count == 1 ? tr("1 job") : tr("%1 jobs").arg(DisplayFormat::count(count))));
    saveSettings();
    // Building N specs and storing N jobs can take a while: both happen on the UI's pool.
    m_submit.run([engine = m_engine, spec = *m_spec,
                     count] { return engine->submit(QList<JobSpec>(count, spec), {}, count > 1); },
        [this, count](const EngineResult<QList<Job>>& result) { showResult(result, count); });
}

void SubmitPanel::showResult(const EngineResult<QList<Job>>& result, int count)
{
    validate();
    if (const auto* error = std::get_if<EngineError>(&result)) {
        m_result->setStyleSheet(QStringLiteral("color: #c62828;"));
        const QString field = error->field.isEmpty() ? QString() : error->field + QStringLiteral(": ");
        m_result->setText(tr("Refused (%1): %2%3").arg(error->code, field, error->message));
        return;
    }
    const QList<Job>& jobs = std::get<QList<Job>>(result);
    if (jobs.size() == 1)
        m_result->setText(tr("Submitted job %1").arg(jobs.first().id));
    else if (!jobs.isEmpty())
        m_result->setText(tr("Submitted %1 jobs (%2 … %3)")
                              .arg(DisplayFormat::count(jobs.size()))
                              .arg(jobs.first().id)
                              .arg(jobs.last().id));
    Q_EMIT submitted(count);
}

void SubmitPanel::focusEditor()
{
    m_payload->setFocus();
}

void SubmitPanel::loadSettings()
{
    UiSettings s;
    s.beginGroup(QStringLiteral("submit"));
    const int typeIndex = m_type->findText(s.value(QStringLiteral("type")).toString());
    if (typeIndex >= 0)
        m_type->setCurrentIndex(typeIndex);
    const QString payload = s.value(QStringLiteral("payload")).toString();
    if (typeIndex >= 0 && !payload.isEmpty())
        m_payload->setPlainText(payload);
    else
        useExample();
    m_queue->setText(s.value(QStringLiteral("queue"), m_queue->text()).toString());
    m_priority->setValue(s.value(QStringLiteral("priority"), 0).toInt());
    m_delay->setValue(s.value(QStringLiteral("delay_ms"), 0).toInt());
    m_timeout->setValue(s.value(QStringLiteral("timeout_ms"), -1).toInt());
    m_attempts->setValue(s.value(QStringLiteral("max_attempts"), 1).toInt());
    m_count->setValue(s.value(QStringLiteral("count"), 1).toInt());
    m_callback->setText(s.value(QStringLiteral("callback_url")).toString());
}

void SubmitPanel::saveSettings() const
{
    UiSettings s;
    s.beginGroup(QStringLiteral("submit"));
    s.setValue(QStringLiteral("type"), m_type->currentText());
    s.setValue(QStringLiteral("payload"), m_payload->toPlainText());
    s.setValue(QStringLiteral("queue"), m_queue->text());
    s.setValue(QStringLiteral("priority"), m_priority->value());
    s.setValue(QStringLiteral("delay_ms"), m_delay->value());
    s.setValue(QStringLiteral("timeout_ms"), m_timeout->value());
    s.setValue(QStringLiteral("max_attempts"), m_attempts->value());
    s.setValue(QStringLiteral("count"), m_count->value());
    s.setValue(QStringLiteral("callback_url"), m_callback->text().trimmed());
}
