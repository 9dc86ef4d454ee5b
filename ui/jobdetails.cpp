#include "jobdetails.h"

#include "curlcommand.h"
#include "displayformat.h"
#include "jobstatusstyle.h"
#include "jsontext.h"

#include <QClipboard>
#include <QCoreApplication>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
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

// One side of an HTTP exchange as a person reads it: first line, headers, a blank line, the body.
QString exchangeText(const QString& firstLine, const QJsonObject& side)
{
    QString text = firstLine + u'\n';
    const QJsonObject headers = side.value(QLatin1StringView("headers")).toObject();
    for (auto it = headers.begin(); it != headers.end(); ++it)
        text += it.key() + QStringLiteral(": ") + it.value().toString() + u'\n';
    text += u'\n' + side.value(QLatin1StringView("body")).toString();
    const qint64 bytes = side.value(QLatin1StringView("body_bytes")).toInteger();
    if (bytes > side.value(QLatin1StringView("body")).toString().toUtf8().size())
        text += QObject::tr("\n… (%1 bytes in all)").arg(bytes);
    return text;
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
    , m_delivery(new QWidget(this))
    , m_deliveryRequest(jsonView(this))
    , m_deliveryAnswer(jsonView(this))
    , m_copyCurl(new QPushButton(tr("Copy as curl"), this))
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

    m_deliveryRequest->setAccessibleName(tr("Request sent"));
    m_deliveryAnswer->setAccessibleName(tr("Answer received"));
    m_copyCurl->setToolTip(tr("Copy a curl command that sends this attempt's request again"));
    // The button beside the two sides, not under them: the details must fit the smallest window.
    auto* buttons = new QVBoxLayout;
    buttons->addWidget(m_copyCurl);
    buttons->addStretch(1);
    auto* sides = new QHBoxLayout(m_delivery);
    sides->setContentsMargins(0, 0, 0, 0);
    sides->addWidget(m_deliveryRequest, 1);
    sides->addWidget(m_deliveryAnswer, 1);
    sides->addLayout(buttons);
    m_delivery->setAccessibleName(tr("Delivery"));
    m_tabs->addTab(m_delivery, tr("Delivery"));
    connect(m_history, &QTreeWidget::currentItemChanged, this, &JobDetails::showDelivery);
    connect(m_copyCurl, &QPushButton::clicked, this, [this] {
        if (QClipboard* clipboard = QGuiApplication::clipboard())
            clipboard->setText(deliveryCurl());
    });

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
        showDelivery();
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
    struct Row
    {
        QString label;
        QString value;
        JobId link = 0; // set: the value names this job and opens it when clicked
    };
    const auto jobLink = [](JobId id) { return tr("job %1").arg(id); };
    QString callbackJob;
    if (!job.callbackUrl.isEmpty())
        callbackJob = job.callbackJobId ? jobLink(job.callbackJobId) : tr("queued once the job finishes");
    const QList<Row> rows = {
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
        { tr("Callback to"), job.callbackUrl },
        { tr("Callback job"), callbackJob, job.callbackJobId },
        { tr("Callback for"), job.callbackFor ? jobLink(job.callbackFor) : QString(), job.callbackFor },
    };
    // Labels are reused across jobs: only their texts change, so the pane does not flicker.
    int row = 0;
    for (const Row& entry : rows) {
        if (entry.value.isEmpty())
            continue;
        QLabel* field = nullptr;
        if (row < m_timeline->rowCount()) {
            qobject_cast<QLabel*>(m_timeline->itemAt(row, QFormLayout::LabelRole)->widget())->setText(entry.label);
            field = qobject_cast<QLabel*>(m_timeline->itemAt(row, QFormLayout::FieldRole)->widget());
        } else {
            field = new QLabel;
            connect(field, &QLabel::linkActivated, this, [this](const QString& link) {
                if (link.startsWith(QLatin1StringView("job:")))
                    Q_EMIT jobLinkActivated(link.mid(4).toLongLong());
            });
            m_timeline->addRow(entry.label, field);
        }
        // Plain text unless it is a link: a queue name or key must never be read as markup.
        if (entry.link) {
            field->setTextFormat(Qt::RichText);
            field->setTextInteractionFlags(Qt::TextBrowserInteraction);
            field->setText(
                QStringLiteral("<a href=\"job:%1\">%2</a>").arg(entry.link).arg(entry.value.toHtmlEscaped()));
        } else {
            field->setTextFormat(Qt::PlainText);
            field->setTextInteractionFlags(Qt::TextSelectableByMouse);
            field->setText(entry.value);
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
    // The newest attempt is the one to look at first.
    if (m_history->topLevelItemCount() > 0)
        m_history->setCurrentItem(m_history->topLevelItem(m_history->topLevelItemCount() - 1));
    showDelivery();
}

void JobDetails::showDelivery()
{
    const int index = m_history->currentItem() ? m_history->indexOfTopLevelItem(m_history->currentItem()) : -1;
    const QJsonObject delivery
        = m_job && index >= 0 && index < m_job->history.size() ? m_job->history[index].delivery : QJsonObject();
    m_tabs->setTabVisible(m_tabs->indexOf(m_delivery), !delivery.isEmpty());
    if (delivery.isEmpty()) {
        m_deliveryRequest->clear();
        m_deliveryAnswer->clear();
        return;
    }
    const QJsonObject request = delivery.value(QLatin1StringView("request")).toObject();
    m_deliveryRequest->setPlainText(exchangeText(request.value(QLatin1StringView("method")).toString() + u' '
            + request.value(QLatin1StringView("url")).toString(),
        request));
    const QJsonObject response = delivery.value(QLatin1StringView("response")).toObject();
    const QString timing = tr("first byte after %1 ms, %2 ms in all")
                               .arg(delivery.value(QLatin1StringView("time_to_first_byte_ms")).toInteger())
                               .arg(delivery.value(QLatin1StringView("total_ms")).toInteger());
    if (response.isEmpty()) {
        const QJsonObject error = delivery.value(QLatin1StringView("error")).toObject();
        m_deliveryAnswer->setPlainText(tr("No answer: %1 (%2)\n%3 ms")
                                           .arg(error.value(QLatin1StringView("message")).toString(),
                                               error.value(QLatin1StringView("code")).toString())
                                           .arg(delivery.value(QLatin1StringView("total_ms")).toInteger()));
    } else {
        m_deliveryAnswer->setPlainText(
            exchangeText(QStringLiteral("%1 %2 (%3)")
                             .arg(response.value(QLatin1StringView("status")).toInt())
                             .arg(response.value(QLatin1StringView("reason")).toString(), timing),
                response));
    }
}

QString JobDetails::deliveryRequestText() const
{
    return m_deliveryRequest->toPlainText();
}

QString JobDetails::deliveryAnswerText() const
{
    return m_deliveryAnswer->toPlainText();
}

QString JobDetails::deliveryCurl() const
{
    const int index = m_history->currentItem() ? m_history->indexOfTopLevelItem(m_history->currentItem()) : -1;
    return m_job && index >= 0 && index < m_job->history.size() ? deliveryCurlCommand(m_job->history[index].delivery)
                                                                : QString();
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
