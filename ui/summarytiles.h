#pragma once

#include <QWidget>

#include <array>

struct EngineSnapshot;
class QGridLayout;
class StatTile;

// The overview's row of figures: jobs per status, throughput, wait and run time percentiles.
// Each tile says what it counts and over which window; its tooltip says it in full.
class SummaryTiles : public QWidget
{
    Q_OBJECT
public:
    enum Tile { Queued, Scheduled, Running, Succeeded, Failed, Cancelled, Rate, WaitTime, RunTime, TileCount };

    explicit SummaryTiles(QWidget* parent = nullptr);

    void setSnapshot(const EngineSnapshot& snapshot);
    StatTile* tile(Tile which) const { return m_tiles[which]; }
    QSize minimumSizeHint() const override;

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void arrange(int columns);

    std::array<StatTile*, TileCount> m_tiles;
    QGridLayout* m_layout = nullptr;
    int m_columns = 0;
};
