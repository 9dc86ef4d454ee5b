#include "jobdetails.h"

#include "displayformat.h"
#include "jobstatusstyle.h"
#include "jsontext.h"

#include <QCoreApplication>
#include <QFontDatabase>
#include <QFormLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <utility>

namespace {

// Results may be up to a megabyte; laying out more than this would stall the GUI thread.
constexpr qsizetype maxShownChars = 200000;

QPlainTextEdit* jsonView(QWidget* parent)
{
    auto* view = new QPlainTextEdit(parent);
    view->setReadOnly(true);
    view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    view->setLineWrapMode(QPlainTextEdit::NoWrap);
    return view;
}

void setJson(QPlainTextEdit* view, const QJsonValue& value)
{
    QString text = JsonText::format(value);
    if (text.size() > maxShownChars)
        text = text.left(maxShownChars) + QStringLiteral("\n… (truncated)");
    view->setPlainText(text);
}

QString between(qint64 from, qint64 to)
{
    return from > 0 && to >= from ? DisplayFormat::duration(double(to - from)) : QString();
}

// An attempt's worker: an external worker's id, or a built-in slot's (the engine leaves it empty).
QString workerName(const QString& worker)
{
    return worker.isEmpty() ? QCoreApplication::translate("JobDetails", "built-in") : worker;
}

// Who runs the job now, or ran its last attempt; empty when it never ran.
QString workerOf(const Job& job)
{
    if (job.status == JobStatus::Running)
        return workerName(job.worker);
    if (job.history.isEmpty())
        return {};
    return workerName(job.history.constLast().worker);
}

} // namespace

JobDetails::JobDetails(QWidget* parent)
    : QWidget(parent)
    , m_title(new QLabel(this))
    , m_timeline(new QFormLayout)
    , m_tabs(new QTabWidget(this))
    , m_payload(jsonView(this))
    , m_result(jsonView(this))
    , m_error(jsonView(this))
    , m_history(new QTreeWidget(this))
{
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.15);
    m_title->setFont(titleFont);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_title->setWordWrap(true);

    m_timeline->setLabelAlignment(Qt::AlignRight);
    m_timeline->setHorizontalSpacing(12);
    m_timeline->setVerticalSpacing(2);

    m_history->setHeaderLabels({ tr("Attempt"), tr("Worker"), tr("Started"), tr("Finished"), tr("Took"), tr("Error") });
    m_history->setRootIsDecorated(false);
    m_history->setAlternatingRowColors(true);

    m_payload->setAccessibleName(tr("Payload"));
    m_result->setAccessibleName(tr("Result"));
    m_error->setAccessibleName(tr("Error"));
    m_history->setAccessibleName(tr("Attempts"));
    m_tabs->setAccessibleName(tr("Job details"));
    m_tabs->addTab(m_payload, tr("Payload"));
    m_tabs->addTab(m_result, tr("Result"));
    m_tabs->addTab(m_error, tr("Error"));
    m_tabs->addTab(m_history, tr("Attempts"));

    // The timeline scrolls in a short pane rather than being cut off, and leaves the tabs room.
    auto* timeline = new QWidget;
    timeline->setLayout(m_timeline);
    auto* timelineArea = new QScrollArea(this);
    timelineArea->setWidget(timeline);
    timelineArea->setWidgetResizable(true);
    timelineArea->setFrameShape(QFrame::NoFrame);
    timelineArea->setMinimumHeight(2 * fontMetrics().lineSpacing());
    timelineArea->setAccessibleName(tr("Timeline"));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(timelineArea, 1);
    layout->addWidget(m_tabs, 1);
    setJob(std::nullopt);
}

void JobDetails::setJob(const std::optional<Job>& job)
{
    if (job == m_job && job)
        return;
    const std::optional<Job> previous = std::exchange(m_job, job);
    m_tabs->setEnabled(bool(job));
    if (!job) {
        m_title->setText(tr("Select a job to see its timeline, payload, result and attempts"));
        while (m_timeline->rowCount() > 0)
            m_timeline->removeRow(0);
        m_payload->clear();
        m_result->clear();
        m_error->clear();
        m_history->clear();
        return;
    }
    m_title->setText(tr("Job %1 · %2 · %3").arg(job->id).arg(job->type, statusName(job->status)));
    showTimeline(*job);
    // A running job changes ten times a second, mostly its progress: reformat only what changed.
    const bool sameJob = previous && previous->id == job->id;
    if (!sameJob || previous->payload != job->payload)
        setJson(m_payload, job->payload);
    if (!sameJob || previous->result != job->result)
        setJson(m_result, job->result);
    if (!sameJob || !(previous->error == job->error))
        setJson(m_error, job->error ? QJsonValue(job->error->toJson()) : QJsonValue(QJsonValue::Null));
    if (!sameJob || !(previous->history == job->history))
        showHistory(*job);
}

void JobDetails::showTimeline(const Job& job)
{
    const QList<QPair<QString, QString>> rows = {
        { tr("Status"), QString(statusName(job.status)) },
        { tr("Queue"), job.queue },
        { tr("Priority"), QString::number(job.priority) },
        { tr("Attempts"), tr("%1 of %2").arg(job.attempts).arg(job.maxAttempts) },
        { tr("Created"), DisplayFormat::dateTime(job.createdAt) },
        { tr("Runs at"), job.runAt > job.createdAt ? DisplayFormat::dateTime(job.runAt) : QString() },
        { tr("Started"), DisplayFormat::dateTime(job.startedAt) },
        { tr("Worker"), workerOf(job) },
        { tr("Finished"), DisplayFormat::dateTime(job.finishedAt) },
        { tr("Waited"), between(job.createdAt, job.startedAt) },
        { tr("Ran"), between(job.startedAt, job.finishedAt) },
        { tr("Timeout"), job.timeoutMs >= 0 ? DisplayFormat::duration(double(job.timeoutMs)) : tr("none") },
        { tr("Idempotency key"), job.idempotencyKey },
    };
    // Labels are reused across jobs: only their texts change, so the pane does not flicker.
    int row = 0;
    for (const auto& [label, value] : rows) {
        if (value.isEmpty())
            continue;
        if (row < m_timeline->rowCount()) {
            qobject_cast<QLabel*>(m_timeline->itemAt(row, QFormLayout::LabelRole)->widget())->setText(label);
            qobject_cast<QLabel*>(m_timeline->itemAt(row, QFormLayout::FieldRole)->widget())->setText(value);
        } else {
            auto* field = new QLabel(value);
            field->setTextInteractionFlags(Qt::TextSelectableByMouse);
            m_timeline->addRow(label, field);
        }
        ++row;
    }
    while (m_timeline->rowCount() > row)
        m_timeline->removeRow(row);
    auto* status = m_timeline->itemAt(0, QFormLayout::FieldRole)->widget();
    status->setStyleSheet(
        QStringLiteral("color: %1; font-weight: bold;").arg(JobStatusStyle::color(job.status).name()));
}

void JobDetails::showHistory(const Job& job)
{
    m_history->clear();
    for (const JobAttempt& attempt : job.history) {
        auto* item = new QTreeWidgetItem(m_history);
        item->setText(0, QString::number(attempt.number));
        item->setText(1, workerName(attempt.worker));
        item->setText(2, DisplayFormat::dateTime(attempt.startedAt));
        item->setText(3, DisplayFormat::dateTime(attempt.finishedAt));
        item->setText(4, between(attempt.startedAt, attempt.finishedAt));
        item->setText(
            5, attempt.error ? attempt.error->code + QStringLiteral(": ") + attempt.error->message : tr("ok"));
    }
    m_tabs->setTabText(3, tr("Attempts (%1)").arg(job.history.size()));
}

QString JobDetails::timelineValue(const QString& label) const
{
    for (int row = 0; row < m_timeline->rowCount(); ++row) {
        const auto* name = qobject_cast<QLabel*>(m_timeline->itemAt(row, QFormLayout::LabelRole)->widget());
        if (name && name->text() == label)
            return qobject_cast<QLabel*>(m_timeline->itemAt(row, QFormLayout::FieldRole)->widget())->text();
    }
    return {};
}

QString JobDetails::payloadText() const
{
    return m_payload->toPlainText();
}

QString JobDetails::resultText() const
{
    return m_result->toPlainText();
}

QString JobDetails::errorText() const
{
    return m_error->toPlainText();
}
