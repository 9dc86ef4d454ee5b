#include "summarytiles.h"

#include "displayformat.h"
#include "jobstatusstyle.h"
#include "snapshot.h"
#include "stattile.h"

#include <QGridLayout>
#include <QResizeEvent>

SummaryTiles::SummaryTiles(QWidget* parent)
    : QWidget(parent)
{
    const QColor neutral(0x5b, 0x6b, 0x7f);
    const auto statusTile = [this](const QString& title, JobStatus status, const QString& explanation) {
        auto* tile = new StatTile(title, JobStatusStyle::color(status), this);
        tile->setToolTip(explanation);
        return tile;
    };
    m_tiles = {
        statusTile(tr("Queued"), JobStatus::Queued,
            tr("Jobs waiting in a queue. Ready: a worker may take them now. Held: in a paused queue, or beyond "
               "a queue's concurrency limit.")),
        statusTile(tr("Scheduled"), JobStatus::Scheduled,
            tr("Jobs waiting for their due time: submitted with a delay, or backing off before a retry.")),
        statusTile(tr("Running"), JobStatus::Running, tr("Jobs a worker is running now.")),
        statusTile(tr("Succeeded"), JobStatus::Succeeded,
            tr("Jobs that finished without an error, as kept in the store (the oldest finished jobs are pruned "
               "beyond the --keep-finished limit).")),
        statusTile(tr("Failed"), JobStatus::Failed,
            tr("Jobs whose last attempt failed and that have no attempts left, as kept in the store.")),
        statusTile(tr("Cancelled"), JobStatus::Cancelled,
            tr("Jobs cancelled by a request before they finished, as kept in the store.")),
        new StatTile(tr("Throughput"), neutral, this),
        new StatTile(tr("Wait p50"), neutral, this),
        new StatTile(tr("Run time p50"), neutral, this),
    };
    m_layout = new QGridLayout(this);
    m_layout->setContentsMargins(0, 0, 0, 0);
    arrange(int(m_tiles.size()));
}

void SummaryTiles::arrange(int columns)
{
    if (columns == m_columns)
        return;
    m_columns = columns;
    for (StatTile* tile : m_tiles)
        m_layout->removeWidget(tile);
    for (int i = 0; i < int(m_tiles.size()); ++i)
        m_layout->addWidget(m_tiles[std::size_t(i)], i / columns, i % columns);
    for (int column = 0; column < int(m_tiles.size()); ++column)
        m_layout->setColumnStretch(column, column < columns ? 1 : 0); // tiles of one width
}

QSize SummaryTiles::minimumSizeHint() const
{
    // In as many rows as a narrow window needs: never wider than a few tiles.
    const QSize tile = m_tiles.front()->minimumSizeHint();
    return { 3 * (tile.width() + m_layout->horizontalSpacing()), QWidget::minimumSizeHint().height() };
}

void SummaryTiles::resizeEvent(QResizeEvent* event)
{
    int widest = 0;
    for (const StatTile* tile : m_tiles)
        widest = std::max(widest, tile->minimumSizeHint().width());
    const int spacing = std::max(0, m_layout->horizontalSpacing());
    const int fit = std::max(1, (event->size().width() + spacing) / (widest + spacing));
    const int count = int(m_tiles.size());
    const int rows = (count + std::min(fit, count) - 1) / std::min(fit, count);
    arrange((count + rows - 1) / rows); // rows of even length
    QWidget::resizeEvent(event);
}

void SummaryTiles::setSnapshot(const EngineSnapshot& snapshot)
{
    const auto count = [&](JobStatus status) { return DisplayFormat::count(snapshot.counts[std::size_t(status)]); };
    m_tiles[Queued]->setValue(count(JobStatus::Queued));
    m_tiles[Queued]->setCaption(tr("%1 ready · %2 held")
                                    .arg(DisplayFormat::count(snapshot.runnable),
                                        DisplayFormat::count(snapshot.queueDepth - snapshot.runnable)));
    m_tiles[Scheduled]->setValue(count(JobStatus::Scheduled));
    m_tiles[Scheduled]->setCaption(tr("delayed or backing off"));
    m_tiles[Running]->setValue(count(JobStatus::Running));
    m_tiles[Running]->setCaption(tr("%1 of %2 workers busy").arg(snapshot.busyWorkers).arg(snapshot.workerCount));
    m_tiles[Succeeded]->setValue(count(JobStatus::Succeeded));
    m_tiles[Succeeded]->setCaption(tr("kept in the store"));
    m_tiles[Failed]->setValue(count(JobStatus::Failed));
    m_tiles[Failed]->setCaption(tr("after all attempts"));
    m_tiles[Cancelled]->setValue(count(JobStatus::Cancelled));
    m_tiles[Cancelled]->setCaption(tr("by request"));

    const Throughput& rates = snapshot.throughput;
    m_tiles[Rate]->setValue(DisplayFormat::rate(double(rates.finishedLastMinute) / 60.0));
    m_tiles[Rate]->setCaption(tr("finished, last 60 s"));
    m_tiles[Rate]->setToolTip(
        tr("Jobs finished per second over the last 60 whole seconds (%1 jobs); over the "
           "last 5 seconds: %2")
            .arg(DisplayFormat::count(rates.finishedLastMinute), DisplayFormat::rate(rates.jobsPerSecond)));
    const QString window = rates.percentileJobs == 0 ? tr("no job finished yet")
        : rates.percentileJobs == 1                  ? tr("the last job")
                                    : tr("last %1 jobs").arg(DisplayFormat::count(rates.percentileJobs));
    const auto percentiles = [&](StatTile* tile, double p50, double p95, double p99, const QString& what) {
        tile->setValue(DisplayFormat::duration(p50));
        tile->setCaption(
            tr("p95 %1 · p99 %2, %3").arg(DisplayFormat::duration(p95), DisplayFormat::duration(p99), window));
        tile->setToolTip(tr("%1: half of the %2 finished attempts took at most %3, 95% at most %4, 99% at most %5")
                             .arg(what, DisplayFormat::count(rates.percentileJobs), DisplayFormat::duration(p50),
                                 DisplayFormat::duration(p95), DisplayFormat::duration(p99)));
    };
    percentiles(m_tiles[WaitTime], rates.waitP50Ms, rates.waitP95Ms, rates.waitP99Ms,
        tr("Wait, from submitted (or due) to started"));
    percentiles(m_tiles[RunTime], rates.runP50Ms, rates.runP95Ms, rates.runP99Ms, tr("Run time of an attempt"));
}
