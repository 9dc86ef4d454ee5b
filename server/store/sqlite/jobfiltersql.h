#pragma once

#include "jobquery.h"

#include <QString>
#include <QVariantList>

// A JobQuery's filters (not its limit or cursor) as an SQL condition on the jobs table, shared
// by the reads and the writer's deletions so that both select the same jobs.
struct JobFilterSql
{
    QStringList conditions; // joined with AND; none: every job
    QVariantList values; // bound in order, strings or integers

    explicit JobFilterSql(const JobQuery& query);
    QString where() const; // " WHERE ..." or empty
};
