#pragma once

#include <QWidget>

#include <array>

struct EngineSnapshot;
class StatTile;

// The overview's row of figures: jobs per status, throughput, wait and run time percentiles.
class SummaryTiles : public QWidget
{
    Q_OBJECT
public:
    enum Tile { Queued, Scheduled, Running, Succeeded, Failed, Rate, WaitTime, RunTime, TileCount };

    explicit SummaryTiles(QWidget* parent = nullptr);

    void setSnapshot(const EngineSnapshot& snapshot);
    StatTile* tile(Tile which) const { return m_tiles[which]; }

private:
    std::array<StatTile*, TileCount> m_tiles;
};
