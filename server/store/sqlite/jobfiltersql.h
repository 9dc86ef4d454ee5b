#pragma once

#include "jobquery.h"

#include <QString>
#include <QVariantList>

// A JobQuery's filters (not its order, limit or cursor) as an SQL condition on the jobs table,
// shared by the reads and the writer's deletions so that both select the same jobs.
struct JobFilterSql
{
    QStringList conditions; // joined with AND; none: every job
    QVariantList values; // bound in order, strings or integers

    // `searchByJoin`: the caller joins job_text itself and binds its MATCH first (searchMatch()),
    // and reads the jobs waiting for the index apart: only the exact check of the search is
    // added here.
    explicit JobFilterSql(const JobQuery& query, bool searchByJoin = false);
    QString where() const; // " WHERE ..." or empty

    // The search as an FTS5 phrase for job_text: the trigram index finds the candidates (a
    // superset: it folds the case of every letter), and the LIKE condition keeps the exact ones.
    static QString searchMatch(const QString& search);
};
