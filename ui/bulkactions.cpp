#include "bulkactions.h"

#include "displayformat.h"

#include <QAction>
#include <QMessageBox>
#include <QPushButton>

namespace {

QString verb(BulkAction which)
{
    switch (which) {
    case BulkAction::Retry:
        return QObject::tr("Retry");
    case BulkAction::Cancel:
        return QObject::tr("Cancel");
    case BulkAction::Delete:
        return QObject::tr("Delete");
    }
    return {};
}

QString pastTense(BulkAction which)
{
    switch (which) {
    case BulkAction::Retry:
        return QObject::tr("Retried");
    case BulkAction::Cancel:
        return QObject::tr("Cancelled");
    case BulkAction::Delete:
        return QObject::tr("Deleted");
    }
    return {};
}

// "failed", "queued or scheduled", "finished": the jobs an action touches under `filter`.
QString kind(BulkAction which, const JobQuery& filter)
{
    if (filter.status)
        return QString(statusName(*filter.status));
    switch (which) {
    case BulkAction::Retry:
        return QObject::tr("failed");
    case BulkAction::Cancel:
        return QObject::tr("queued or scheduled");
    case BulkAction::Delete:
        return QObject::tr("finished");
    }
    return {};
}

QString jobs(qint64 count, const QString& kind)
{
    return count == 1 ? QObject::tr("1 %1 job").arg(kind)
                      : QObject::tr("%1 %2 jobs").arg(DisplayFormat::count(count), kind);
}

QString scope(const JobQuery& filter)
{
    QStringList parts;
    if (!filter.queue.isEmpty())
        parts << QObject::tr("of queue “%1”").arg(filter.queue);
    if (!filter.type.isEmpty())
        parts << QObject::tr("of type “%1”").arg(filter.type);
    if (!filter.errorCode.isEmpty())
        parts << QObject::tr("with error code “%1”").arg(filter.errorCode);
    if (!filter.search.isEmpty())
        parts << QObject::tr("containing “%1”").arg(filter.search);
    return parts.isEmpty() ? QString() : QLatin1Char(' ') + parts.join(QLatin1Char(' '));
}

} // namespace

BulkActions::BulkActions(Engine* engine, QThreadPool* pool, FilterSource filter, QWidget* dialogParent)
    : QObject(dialogParent)
    , m_engine(engine)
    , m_filter(std::move(filter))
    , m_dialogParent(dialogParent)
    , m_work(pool, this)
{
    const struct
    {
        BulkAction which;
        QString text;
        QString tip;
    } items[] = {
        { BulkAction::Retry, tr("Retry all failed…"),
            tr("Run every failed job that matches the filters again (asks first, with the count)") },
        { BulkAction::Cancel, tr("Cancel all waiting…"),
            tr("Cancel every queued and scheduled job that matches the filters (asks first, with the count)") },
        { BulkAction::Delete, tr("Delete all finished…"),
            tr("Delete every finished job that matches the filters from the store (asks first, with the count)") },
    };
    for (const auto& item : items) {
        auto* action = new QAction(item.text, this);
        action->setToolTip(item.tip);
        action->setStatusTip(item.tip);
        connect(action, &QAction::triggered, this, [this, which = item.which] { count(which); });
        m_actions.append(action);
    }
}

void BulkActions::setStatusFilter(std::optional<JobStatus> status)
{
    for (int i = 0; i < m_actions.size(); ++i) {
        const auto which = BulkAction(i);
        m_actions[i]->setEnabled(!status || Engine::bulkStatuses(which).contains(*status));
    }
}

QString BulkActions::question(BulkAction which, const JobQuery& filter, qint64 count)
{
    QString text = tr("%1 %2%3?").arg(verb(which), jobs(count, kind(which, filter)), scope(filter));
    if (which == BulkAction::Delete)
        text += QLatin1Char(' ') + tr("They are removed from the store for good.");
    return text;
}

void BulkActions::count(BulkAction which)
{
    const JobQuery filter = m_filter();
    if (filter.status && !Engine::bulkStatuses(which).contains(*filter.status))
        return; // the action is disabled for this status filter
    Q_EMIT message(tr("Counting the jobs to %1…").arg(verb(which).toLower()));
    m_work.run([engine = m_engine, which, filter] { return engine->bulk(which, filter, true); },
        [this, which, filter](const EngineResult<BulkOutcome>& result) {
            if (const auto* error = std::get_if<EngineError>(&result)) {
                Q_EMIT message(error->message);
                return;
            }
            const qint64 matching = std::get<BulkOutcome>(result).count;
            if (matching == 0) {
                Q_EMIT message(tr("No %1 job%2 to %3").arg(kind(which, filter), scope(filter), verb(which).toLower()));
                return;
            }
            ask(which, filter, matching);
        });
}

void BulkActions::ask(BulkAction which, const JobQuery& filter, qint64 count)
{
    auto* box = new QMessageBox(
        QMessageBox::Question, verb(which), question(which, filter, count), QMessageBox::Cancel, m_dialogParent);
    box->setObjectName(QStringLiteral("bulkQuestion"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton* yes = box->addButton(tr("%1 %2").arg(verb(which), jobs(count, QString()).simplified()),
        which == BulkAction::Delete ? QMessageBox::DestructiveRole : QMessageBox::AcceptRole);
    yes->setObjectName(QStringLiteral("bulkConfirm"));
    box->setDefaultButton(QMessageBox::Cancel);
    connect(box, &QMessageBox::buttonClicked, this, [this, yes, which, filter](QAbstractButton* clicked) {
        if (clicked == yes)
            apply(which, filter);
    });
    box->open();
}

void BulkActions::apply(BulkAction which, const JobQuery& filter)
{
    m_work.run([engine = m_engine, which, filter] { return engine->bulk(which, filter, false); },
        [this, which, filter](const EngineResult<BulkOutcome>& result) {
            if (const auto* error = std::get_if<EngineError>(&result)) {
                Q_EMIT message(error->message);
                return;
            }
            const BulkOutcome& outcome = std::get<BulkOutcome>(result);
            QString text = tr("%1 %2").arg(pastTense(which), jobs(outcome.count, kind(which, filter)));
            if (outcome.skipped > 0)
                text += tr("; %1 left alone (their type does not run here)").arg(DisplayFormat::count(outcome.skipped));
            if (outcome.stopped)
                text += tr("; stopped: %1").arg(outcome.stopped->message);
            Q_EMIT message(text);
            Q_EMIT applied();
        });
}
