#include "jobfiltersql.h"

using namespace Qt::StringLiterals;

namespace {

// LIKE compares ASCII letters without case and every other character exactly, as
// containsIgnoringAsciiCase() does; its wildcards in the text are escaped.
QString likePattern(const QString& search)
{
    QString escaped = search;
    escaped.replace(u'\\', "\\\\"_L1).replace(u'%', "\\%"_L1).replace(u'_', "\\_"_L1);
    return u'%' + escaped + u'%';
}

} // namespace

JobFilterSql::JobFilterSql(const JobQuery& query, bool searchByJoin)
{
    if (query.status) {
        // A literal from the fixed set of names, not a parameter: SQLite uses a partial index
        // (jobs_due, jobs_failed_error_code) only for a status it sees when it prepares.
        conditions.append("status = '"_L1 + statusName(*query.status) + u'\'');
    }
    if (!query.queue.isEmpty()) {
        conditions.append(u"queue = ?"_s);
        values.append(query.queue);
    }
    if (!query.type.isEmpty()) {
        conditions.append(u"type = ?"_s);
        values.append(query.type);
    }
    if (!query.errorCode.isEmpty()) {
        // The error column holds JobError::toJson() as text; the indexes jobs_error_code and
        // jobs_failed_error_code are on exactly this expression.
        conditions.append(u"json_extract(error, '$.code') = ?"_s);
        values.append(query.errorCode);
    }
    if (!query.search.isEmpty()) {
        // Shorter texts have no trigram to look up: LIKE alone reads every row then.
        // Jobs not yet indexed (job_text_pending) are candidates too.
        if (!searchByJoin && searchLength(query.search) >= minSearchLength) {
            conditions.append(u"(id IN (SELECT rowid FROM job_text WHERE job_text MATCH ?)"
                              " OR id IN (SELECT id FROM job_text_pending))"_s);
            values.append(searchMatch(query.search));
        }
        // The expressions job_text is filled with (SqliteWriter::indexText, the schema's triggers).
        conditions.append(u"(payload LIKE ? ESCAPE '\\' OR json_extract(error, '$.message') LIKE ? ESCAPE '\\')"_s);
        values.append(likePattern(query.search));
        values.append(likePattern(query.search));
    }
}

QString JobFilterSql::where() const
{
    return conditions.isEmpty() ? QString() : " WHERE "_L1 + conditions.join(" AND "_L1);
}

QString JobFilterSql::searchMatch(const QString& search)
{
    QString phrase = search;
    phrase.replace(u'"', "\"\""_L1);
    return u'"' + phrase + u'"';
}
