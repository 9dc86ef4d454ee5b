#pragma once

#include <QList>

#include <algorithm>

// Calls `f(first, last)` once per run of consecutive rows, so a model emits one dataChanged per
// block instead of one per row.
template <typename F> void forEachRowRange(QList<int> rows, F f)
{
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    for (qsizetype i = 0; i < rows.size();) {
        qsizetype j = i;
        while (j + 1 < rows.size() && rows[j + 1] == rows[j] + 1)
            ++j;
        f(rows[i], rows[j]);
        i = j + 1;
    }
}
