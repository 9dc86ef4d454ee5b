#pragma once

#include "engine.h"
#include "snapshot.h"

#include <QAbstractTableModel>

#include <deque>
#include <vector>

// The recent jobs, newest (highest id) first, as the engine last described them. Rows are kept in
// place across merges so selection and scroll survive 10 Hz updates; the size is bounded.
//
// Each row remembers the number of the engine change it shows (EngineSnapshot::changeSeq), so
// that snapshots and reconciles, which arrive in any order, never put an older state over a
// newer one: a change is taken only if it is newer than the row, a reconciled state only if the
// row shows nothing newer than the change after which it was read.
class JobModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        IdColumn,
        StatusColumn,
        TypeColumn,
        QueueColumn,
        PriorityColumn,
        AttemptsColumn,
        ProgressColumn,
        CreatedColumn,
        DurationColumn,
        ErrorColumn,
        ColumnCount
    };
    enum Role { JobIdRole = Qt::UserRole, StatusRole, QueueRole, TypeRole };

    explicit JobModel(int maxRows = 100000, QObject* parent = nullptr);

    // Changes from a snapshot: known rows take the newer ones in place (one dataChanged per run
    // of changed rows), unknown jobs are inserted in id order (new ones at the top, one block per
    // run), and the oldest rows beyond maxRows() are removed.
    void applyChanges(const QList<JobChange>& changes);
    // The engine's current jobs with ids in [fromId, toId] (Engine::currentJobs()): rows that
    // show no change after current.changeSeq take them, and rows of jobs that are gone are
    // removed. With `insertMissing`, jobs the table lacks are inserted too.
    void reconcile(JobId fromId, JobId toId, const CurrentJobs& current, bool insertMissing);
    // The jobs a query found (Engine::findJobs(), a sorted or searched page), inserted where the
    // table lacks them and taken as reconciled states where it holds them. They are pinned, kept
    // past maxRows() so that the query's rows stay however old they are, until the next adopt()
    // pins others. Rows outside the result are left as they are.
    void adopt(const CurrentJobs& found);
    void clear();

    int maxRows() const { return m_maxRows; }
    int rowOf(JobId id) const; // -1 when not held
    const Job& jobAt(int row) const { return m_rows.at(std::size_t(row)).job; }
    quint64 changeSeqAt(int row) const { return m_rows.at(std::size_t(row)).changeSeq; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row
    {
        Job job;
        quint64 changeSeq = 0;
        bool pinned = false; // brought in by the last adopt(): trim() spares it
    };
    // How a merge treats rows: a change replaces a row it is newer than; a reconcile replaces
    // rows not newer than its read, and removes those of jobs it did not find in its range.
    struct MergeRule
    {
        bool reconcile = false;
        quint64 asOf = 0; // reconcile: the change after which the states were read
        JobId fromId = 0; // reconcile: the range read
        JobId toId = 0;
        bool insertMissing = true;
        bool removeGone = true; // reconcile: rows in the range whose jobs were not read go
        bool pin = false; // adopt: the rows merged are pinned, and inserted past maxRows() too
    };
    // `incoming` is sorted by id, descending, without duplicates.
    void merge(std::vector<Row> incoming, const MergeRule& rule);
    void removeRows(int first, int last);
    void trim();

    // set at construction, immutable
    const int m_maxRows;
    // GUI thread only; sorted by id, descending
    std::deque<Row> m_rows;
};
