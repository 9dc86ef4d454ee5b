#include "summarytiles.h"

#include "displayformat.h"
#include "jobstatusstyle.h"
#include "snapshot.h"
#include "stattile.h"

#include <QHBoxLayout>

SummaryTiles::SummaryTiles(QWidget* parent)
    : QWidget(parent)
{
    const QColor neutral(0x5b, 0x6b, 0x7f);
    m_tiles = {
        new StatTile(tr("Queued"), JobStatusStyle::color(JobStatus::Queued), this),
        new StatTile(tr("Scheduled"), JobStatusStyle::color(JobStatus::Scheduled), this),
        new StatTile(tr("Running"), JobStatusStyle::color(JobStatus::Running), this),
        new StatTile(tr("Succeeded"), JobStatusStyle::color(JobStatus::Succeeded), this),
        new StatTile(tr("Failed"), JobStatusStyle::color(JobStatus::Failed), this),
        new StatTile(tr("Throughput"), neutral, this),
        new StatTile(tr("Wait time p50"), neutral, this),
        new StatTile(tr("Run time p50"), neutral, this),
    };
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    for (StatTile* tile : m_tiles)
        layout->addWidget(tile);
}

void SummaryTiles::setSnapshot(const EngineSnapshot& snapshot)
{
    const auto count = [&](JobStatus status) { return snapshot.counts[std::size_t(status)]; };
    m_tiles[Queued]->setValue(DisplayFormat::count(count(JobStatus::Queued)));
    m_tiles[Queued]->setCaption(tr("%1 ready to run").arg(DisplayFormat::count(snapshot.queueDepth)));
    m_tiles[Scheduled]->setValue(DisplayFormat::count(count(JobStatus::Scheduled)));
    m_tiles[Scheduled]->setCaption(tr("delayed or backing off"));
    m_tiles[Running]->setValue(DisplayFormat::count(count(JobStatus::Running)));
    m_tiles[Running]->setCaption(tr("%1 of %2 workers busy").arg(snapshot.busyWorkers).arg(snapshot.workerCount));
    m_tiles[Succeeded]->setValue(DisplayFormat::count(count(JobStatus::Succeeded)));
    m_tiles[Succeeded]->setCaption(tr("%1 cancelled").arg(DisplayFormat::count(count(JobStatus::Cancelled))));
    m_tiles[Failed]->setValue(DisplayFormat::count(count(JobStatus::Failed)));
    m_tiles[Failed]->setCaption(tr("after all attempts"));

    const Throughput& rates = snapshot.throughput;
    m_tiles[Rate]->setValue(DisplayFormat::rate(rates.jobsPerSecond));
    m_tiles[Rate]->setCaption(tr("finished, last minute"));
    m_tiles[WaitTime]->setValue(DisplayFormat::duration(rates.waitP50Ms));
    m_tiles[WaitTime]->setCaption(tr("p95 %1").arg(DisplayFormat::duration(rates.waitP95Ms)));
    m_tiles[RunTime]->setValue(DisplayFormat::duration(rates.runP50Ms));
    m_tiles[RunTime]->setCaption(tr("p95 %1").arg(DisplayFormat::duration(rates.runP95Ms)));
}
